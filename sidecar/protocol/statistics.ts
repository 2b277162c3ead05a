// What the history says about steps and scripts, in the one shape the store returns and
// every reader passes on as is: the language server (hover, CodeLens, the panel's
// stepflow/stepStats), the REST API (GET /api/statistics), `stepflow stats --json`, the
// reports and the panel. (Expected durations and live progress: stats.ts.)
import type { StepStatus } from './model';

/** One run of one step, newest first in a step's history (the editor's hover and CodeLens). */
export interface RecentStepRun {
  runId: string;
  /** As views show it (results.ts shownStatus): failed when a step inside it failed. */
  status: StepStatus;
  durationMs: number | null;
  startedAt: number;
}

/** Run figures of one script. */
export interface ScriptStatistic {
  script: string;
  runs: number;
  succeeded: number;
  failed: number;
  /** Mean duration of the succeeded runs (ms), or null when none succeeded. */
  meanDurationMs: number | null;
  lastStartedAt: number;
}

/**
 * Duration statistics of one step (by its path of names from the root) of one script, from
 * its succeeded runs. Kept up to date by every finished step, so it also covers pruned runs.
 */
export interface StepStatistic {
  script: string;
  /** Names from the root step. */
  path: string[];
  name: string;
  /** Succeeded runs of the step. */
  count: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  /** Sample standard deviation (n−1); null below two samples. */
  stdDevMs: number | null;
  /** The latest durations, oldest first (at most 20): trends, the panel's chart, `stepflow stats`. */
  lastDurationsMs: number[];
  /** When the statistics last changed (ms since the epoch). */
  updatedAt: number;
}

/** What a duration is judged against: a step's statistics, or those without a run's own durations (usual.ts). */
export type StepBaseline = Pick<StepStatistic, 'count' | 'meanMs' | 'stdDevMs'>;

/** The answer of `GET /api/statistics` (all scripts, or `?script=`). */
export interface Statistics {
  runsByStatus: Record<string, number>;
  scripts: ScriptStatistic[];
  steps: StepStatistic[];
}
