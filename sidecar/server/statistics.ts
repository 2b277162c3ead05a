// GET /api/statistics: per-script run figures and per-step duration statistics.
import type { StepStatistic } from '../protocol/history';
import type { Store } from '../store/store';

export interface ScriptStatistic {
  script: string;
  runs: number;
  succeeded: number;
  failed: number;
  /** Mean duration of the succeeded runs (ms), or null when none succeeded. */
  meanDurationMs: number | null;
  lastStartedAt: number;
}

export interface Statistics {
  runsByStatus: Record<string, number>;
  scripts: ScriptStatistic[];
  steps: StepStatistic[];
}

export function statistics(store: Store, script?: string): Statistics {
  const rows = store.db
    .prepare(
      `SELECT script, count(*) AS runs, sum(status = 'succeeded') AS succeeded, sum(status IN ('failed', 'timed_out')) AS failed,
              avg(CASE WHEN status = 'succeeded' THEN duration_ms END) AS mean, max(started_at) AS last
       FROM runs ${script !== undefined ? 'WHERE script = ?' : ''} GROUP BY script ORDER BY last DESC LIMIT 500`,
    )
    .all(...(script !== undefined ? [script] : [])) as Array<{ script: string; runs: number; succeeded: number; failed: number; mean: number | null; last: number }>;
  return {
    runsByStatus: store.metrics().runsByStatus,
    scripts: rows.map((r) => ({
      script: r.script,
      runs: r.runs,
      succeeded: r.succeeded,
      failed: r.failed,
      meanDurationMs: r.mean === null ? null : Math.round(r.mean),
      lastStartedAt: r.last,
    })),
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
