// Step statistics, expected durations and live progress: the shapes shared by the sidecar
// (which computes them), the CLI, the extension's tree and status bar, and the panel.
// The estimator is protocol/progress.ts (pure, run by every view), its text protocol/format.ts
// formatProgress; the expectations it reads are built by sidecar/stats/eta.ts.

/**
 * One step a run of the script is expected to go through, in the order of the latest
 * successful run; `meanMs` is its mean over the recent successful runs that had it.
 */
export interface ExpectedStep {
  name: string;
  meanMs: number;
  /** How many of the recent runs had this step (at this place). */
  samples: number;
  children: ExpectedStep[];
}

/** Expected shape and durations of a run, from the script's recent successful runs. */
export interface RunExpectations {
  /** How many recent successful runs this is based on. */
  basedOnRuns: number;
  /** Mean duration of those runs. */
  meanRunMs: number;
  /** Mean time of a run spent outside its top-level steps (start-up, gaps, tear-down). */
  overheadMs: number;
  steps: ExpectedStep[];
}

/** Progress of a running run at one moment. */
export interface RunProgress {
  /** 0…1, or null when nothing tells how far the run is. */
  fraction: number | null;
  /** Expected time until the run finishes, or null when unknown. */
  remainingMs: number | null;
  /** The innermost running step with an estimate, and its expected remaining time. */
  stepId: number | null;
  stepRemainingMs: number | null;
  /** A running step already took longer than expected (remaining times are then floors). */
  overdue: boolean;
  /** Where the estimate comes from: recent runs, or the script's own META markers. */
  source: 'history' | 'meta';
}
