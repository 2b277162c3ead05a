// StepFlow's own messages on the language-server connection, typed once.
// The extension and the sidecar import these constants; nobody spells a method by hand.
import { RequestType } from 'vscode-languageserver-protocol';
import type { HistoryQuery, ListedRun, LogLine, LogRange, LogSearchHit, SearchParams } from './history';
import type { RunRecord } from './model';
import type { RunExpectations } from './stats';
import type { StepStatistic } from './statistics';

export interface RunParams {
  script: string;
  args?: string[];
  /** Defaults to the script's directory. */
  cwd?: string;
  profileName?: string | null;
  /**
   * The profile as the client's settings define it (`stepflow.run.profiles`), if they do. The
   * sidecar resolves the profile itself (sidecar/runs/runConfig.ts): this one is merged into
   * the stepflow.json profile of that name (its variables win, its `args`, when given,
   * replace the file's) and replaces a built-in one; without it the file's or the built-in
   * profile is used.
   */
  profile?: { env?: Record<string, string>; args?: string[] };
  /** Extra environment on top of the sidecar's own. */
  env?: Record<string, string>;
  interpreters?: Record<string, string[]>;
  timeoutSec?: number;
  graceMs?: number;
  /** Succeeded runs of a step needed before it can be flagged as an outlier (`stepflow.stats.minSamples`). */
  outlierMinSamples?: number;
  /** A step less than this much slower than usual is never an outlier (`stepflow.stats.minSlowdownMs`). */
  outlierMinSlowdownMs?: number;
  /** …nor one less than this percentage of its mean slower (`stepflow.stats.minSlowdownPercent`). */
  outlierMinSlowdownPercent?: number;
  /**
   * Capture stderr apart from stdout, each line marked with its stream (`stepflow.run.separateStderr`).
   * Default: both descriptors share one append-only spool file, so lines are stored in exactly the
   * order the script wrote them (all marked stdout).
   */
  separateStderr?: boolean;
  /** CI dialects switched off (`stepflow.markers.dialects`, over stepflow.json's `"dialects"`). */
  dialects?: Partial<Record<'github' | 'teamcity' | 'gitlab' | 'azure', boolean>>;
  /** Environment variables whose values are masked (`stepflow.masking.env`, added to stepflow.json's). */
  maskEnv?: string[];
  /** OTLP/HTTP collector finished runs are exported to as traces (`stepflow.telemetry.otlpEndpoint`, over stepflow.json's and OTEL_*). */
  otlpEndpoint?: string;
  /** The team hub finished runs are shipped to (`stepflow.hub.url`, over $STEPFLOW_HUB_URL and stepflow.json's). */
  hubUrl?: string;
}

/** What the extension sends as the language server's `initializationOptions` (read at every start). */
export interface InitializationOptions {
  /** The database (`stepflow.databasePath`); default `$STEPFLOW_HOME/stepflow.db`, else `~/.stepflow/stepflow.db`. */
  dbPath?: string;
  /** How long a run outlives a language server that died or was restarted (`stepflow.run.adoptGraceSeconds`; default 2 min). */
  adoptGraceMs?: number;
}

/**
 * What the sidecar runs on, in its InitializeResult as `capabilities.experimental.stepflow`:
 * the Node it runs on and the SQLite driver it stores through (better-sqlite3 where its
 * native addon loads, else node:sqlite). For the extension's log and the tests; it changes
 * nothing in how the two talk.
 */
export interface SidecarRuntimeInfo {
  node: string;
  sqliteDriver: 'better-sqlite3' | 'node:sqlite';
}

/** Ids of the commands the extension registers and the language server's CodeLenses name (▶ Run with StepFlow, Run with profile…). */
export const RUN_FILE_COMMAND = 'stepflow.runFile';
export const RUN_WITH_PROFILE_COMMAND = 'stepflow.runFileWithProfile';

/** The `source` of every diagnostic the language server publishes: marker checks and the last run's failures. */
export const DIAGNOSTIC_SOURCE = 'StepFlow';

/**
 * The `data` of a stepflow/run error the user fixes by installing an interpreter or choosing
 * another for the script's extension (the client offers its setting).
 */
export interface RunErrorData {
  missingInterpreter?: { interpreter: string; extension: string };
}

/** Client → sidecar: start a run. Answers once the script has been spawned; errors may carry RunErrorData. */
export const RunRequest = new RequestType<RunParams, { runId: string }, void>('stepflow/run');

/**
 * Client → sidecar: cancel a run (process group: SIGTERM, then SIGKILL) — one this sidecar
 * started, or one another StepFlow process of the same user on this machine runs (a
 * `stepflow run` in a terminal). `reason` says why not when `cancelled` is false.
 */
export const CancelRequest = new RequestType<{ runId: string }, { cancelled: boolean; reason?: string }, void>('stepflow/cancel');

/** Client → sidecar: a stored run, or null when the id is unknown. */
export const GetRunRequest = new RequestType<{ runId: string }, RunRecord | null, void>('stepflow/getRun');

/**
 * Client → sidecar: the newest runs, filtered, with their paging cursors — the StepFlow view's
 * tree, and the history panel's pages (protocol/history.ts pageRuns).
 */
export const ListRunsRequest = new RequestType<HistoryQuery, ListedRun[], void>('stepflow/listRuns');

/** Client → sidecar: stored log lines from a 1-based line. */
export const ReadLogRequest = new RequestType<LogRange, LogLine[], void>('stepflow/readLog');

// Live runs are not LSP-specific: the sidecar serves the one live feed of
// sidecar/protocol/live.ts on this connection (live/subscribe → live/subscribed, then
// live/events and live/snapshot as notifications with those method names).

// ── history panel (webview) requests ─────────────────────────────────────────────────────

/** Client → sidecar: stored log lines containing a text (ASCII case-insensitive), newest run first. */
export const SearchLogsRequest = new RequestType<SearchParams, LogSearchHit[], void>('stepflow/searchLogs');

/** Client → sidecar: step duration statistics of a script (count, mean, min, max, σ where known, the latest durations). */
export const StepStatsRequest = new RequestType<{ script?: string }, StepStatistic[], void>('stepflow/stepStats');

// ── statistics and reports ───────────────────────────────────────────────────────────────

/**
 * Client → sidecar: what a run can expect (steps and their mean durations from its script's
 * recent successful runs), for the progress/ETA of runs the client did not see start (a
 * `stepflow run` in a terminal, a reload). Runs started here carry it in `runStarted`.
 */
export const RunExpectationsRequest = new RequestType<{ runId: string }, RunExpectations | null, void>('stepflow/runExpectations');

export type ReportFormat = 'html' | 'markdown';

/** Client → sidecar: a run report — self-contained HTML or Markdown — with a suggested file name. */
export const ReportRequest = new RequestType<{ runId: string; format: ReportFormat }, { content: string; fileName: string }, void>('stepflow/report');
