// GET /api/statistics: per-script run figures and per-step duration statistics.
import type { Statistics } from '../protocol/statistics';
import type { Store } from '../store/store';

export function statistics(store: Store, script?: string): Statistics {
  return {
    runsByStatus: store.metrics().runsByStatus,
    scripts: store.scriptStatistics(script),
    steps: store.stepStats(script),
  };
}
