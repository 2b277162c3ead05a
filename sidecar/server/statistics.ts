// GET /api/statistics: per-script run figures and per-step duration statistics.
import type { ScriptStatistic, StepStatistic } from '../protocol/statistics';
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
    steps: store.stepStats(script),
  };
}
