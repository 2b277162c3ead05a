// The data model shared by the sidecar, the extension and the webview.
// These shapes are the public contract of `stepflow run --json` (docs/spec.md §4):
// fields may be added, never renamed.

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'timed_out' | 'interrupted';
export type StepStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';
export type StreamName = 'stdout' | 'stderr';

/** A place in a source file, taken from a compiler-style `path:line[:col]:` prefix. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number | null;
}

export interface StepError {
  message: string;
  file: string | null;
  line: number | null;
  column?: number | null;
}

export type WarningSeverity = 'info' | 'warning' | 'critical';

/** A warning kept with a step or a run: a STEP_WARNING marker, a protocol problem, or an outlier. */
export interface StepWarning {
  type: 'marker' | 'protocol' | 'outlier';
  severity: WarningSeverity;
  message: string;
  file: string | null;
  line: number | null;
  column?: number | null;
}

export interface StepRecord {
  /** 1-based, unique within the run, in start order (the StepId of live events). */
  id: number;
  name: string;
  status: StepStatus;
  /** Milliseconds since the epoch. */
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  error: StepError | null;
  warnings: StepWarning[];
  meta: Record<string, string>;
  /** First and last log line (1-based, inclusive) that belong to this step. */
  firstLine: number;
  lastLine: number | null;
  children: StepRecord[];
}

export interface ArtifactRecord {
  /** Absolute path (resolved against the run's cwd when the marker gave a relative one). */
  path: string;
  description: string | null;
  /** Name of the step that was innermost when the artifact was announced, or null for the run. */
  step: string | null;
  /** Id of that step (names need not be unique), or null for the run. */
  stepId?: number | null;
  /**
   * Set by `stepflow serve` when the file (symlinks resolved) is outside the run's working
   * directory and every artifact root of stepflow.json: listed, openable in VS Code, not
   * downloadable over HTTP (403).
   */
  outsideRun?: boolean;
}

export interface RunRecord {
  id: string;
  script: string;
  args: string[];
  cwd: string;
  profile: string | null;
  status: RunStatus;
  exitCode: number | null;
  signal: string | null;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  lineCount: number;
  /** Run-level error (STEP_ERROR outside any step, spawn failure, timeout …). */
  error: StepError | null;
  warnings: StepWarning[];
  meta: Record<string, string>;
  steps: StepRecord[];
  artifacts: ArtifactRecord[];
  /**
   * The Markdown the script appended to `$GITHUB_STEP_SUMMARY`, masked and at most 1 MiB
   * (docs/spec.md §1 "Step summary"); null or absent when it wrote none. Untrusted: render
   * it with protocol/summaryMarkdown.ts, never as HTML.
   */
  summary?: string | null;
  /** On a team hub: the machine and the user the run came from (absent in a local history). */
  host?: string;
  user?: string;
}
