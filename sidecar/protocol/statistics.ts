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
