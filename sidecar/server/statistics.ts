// GET /api/statistics: per-script run figures and per-step duration statistics.
import type { StepStatistic } from '../protocol/history';
import type { ScriptStatistic } from '../protocol/statistics';
import type { Store } from '../store/store';

export interface Statistics {
  runsByStatus: Record<string, number>;
  scripts: ScriptStatistic[];
  steps: StepStatistic[];
}

export function statistics(store: Store, script?: string): Statistics {
  return {
    runsByStatus: store.metrics().runsByStatus,
    scripts: store.scriptStatistics(script),
    steps: stepStatistics(store, script),
  };
}

/** The store's step statistics in the protocol's shape (σ when the store has it, and the latest durations for trends). */
export function stepStatistics(store: Store, script?: string): StepStatistic[] {
  return store.stepStats(script).map((s) => ({
    script: s.script,
    path: s.path,
    name: s.name,
    count: s.count,
    meanMs: s.meanMs,
    minMs: s.minMs,
    maxMs: s.maxMs,
    stdDevMs: s.stdDevMs,
    lastDurationsMs: s.lastDurationsMs,
  }));
}
