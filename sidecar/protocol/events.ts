// The one vocabulary of live run events (docs/architecture.md, "One event vocabulary"). The
// same objects travel as LSP notifications to the extension, as webview messages and as
// WebSocket frames, and are what the store applies.
import type { RunStatus, StepError, StepStatus, StepWarning, StreamName } from './model';
import type { RunExpectations } from './stats';

/** Step ids are 1-based and unique within a run, in the order the steps started. */
export type StepId = number;

export interface RunStartedEvent {
  type: 'runStarted';
  runId: string;
  script: string;
  args: string[];
  cwd: string;
  profile: string | null;
  startedAt: number;
  /** Expected steps and durations from the script's recent successful runs (progress and ETA). */
  expectations?: RunExpectations | null;
}

export interface StepStartedEvent {
  type: 'stepStarted';
  runId: string;
  stepId: StepId;
  parentId: StepId | null;
  name: string;
  /**
   * Names from the root to this step (its own last), set once by the step tracker so no
   * consumer rebuilds it from parent ids (statistics, outliers, views). Absent only in
   * events made by hand (tests) — treat that as "not known".
   */
  path?: string[];
  startedAt: number;
  /** 1-based line number of the STEP_START marker line. */
  line: number;
}

export interface StepFinishedEvent {
  type: 'stepFinished';
  runId: string;
  stepId: StepId;
  /** The step's path, as on its stepStarted (set by the tracker). */
  path?: string[];
  status: Exclude<StepStatus, 'running'>;
  endedAt: number;
  durationMs: number;
  error: StepError | null;
  /** 1-based line number of the line that closed the step (or the last line at exit). */
  line: number;
}

/** A warning on a step, or on the run when stepId is null. */
export interface WarningEvent {
  type: 'warning';
  runId: string;
  stepId: StepId | null;
  warning: StepWarning;
  at: number;
}

/** META:<KEY>:<value> on a step, or on the run when stepId is null. */
export interface MetaEvent {
  type: 'meta';
  runId: string;
  stepId: StepId | null;
  key: string;
  value: string;
  at: number;
}

export interface ArtifactEvent {
  type: 'artifact';
  runId: string;
  stepId: StepId | null;
  path: string;
  description: string | null;
  at: number;
  /** Set by `stepflow serve` on its live stream, as on ArtifactRecord: not downloadable over HTTP. */
  outsideRun?: boolean;
}

/** STEP_ERROR outside any step: the run itself fails, with this error. */
export interface RunErrorEvent {
  type: 'runError';
  runId: string;
  error: StepError;
  at: number;
}

/** Output lines, in arrival order. `text` holds whole lines, each ending in "\n". */
export interface OutputEvent {
  type: 'output';
  runId: string;
  stream: StreamName;
  firstLine: number;
  lineCount: number;
  text: string;
  at: number;
}

export interface RunFinishedEvent {
  type: 'runFinished';
  runId: string;
  status: Exclude<RunStatus, 'running'>;
  exitCode: number | null;
  signal: string | null;
  endedAt: number;
  durationMs: number;
  lineCount: number;
  error: StepError | null;
  /** The Markdown the script wrote to $GITHUB_STEP_SUMMARY (masked, at most 1 MiB); absent when none. */
  summary?: string;
}

export type RunEvent =
  | RunStartedEvent
  | StepStartedEvent
  | StepFinishedEvent
  | WarningEvent
  | MetaEvent
  | ArtifactEvent
  | RunErrorEvent
  | OutputEvent
  | RunFinishedEvent;

/** The step-tree events a tracker produces from markers (everything but output and run start/finish). */
export type StepTreeEvent = StepStartedEvent | StepFinishedEvent | WarningEvent | MetaEvent | ArtifactEvent | RunErrorEvent;
