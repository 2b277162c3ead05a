// The history view's requests, shared by its two hosts: the VS Code panel answers them
// over postMessage (extension/historyPanel.ts), the browser dashboard maps them to the
// service's REST API (webview/browserHost.ts → sidecar/server/api.ts). Live updates travel
// as the messages of live.ts.
//
// The run list has one vocabulary: a HistoryQuery goes unchanged from the panel through the
// language server (stepflow/listRuns, lsp.ts) or the REST API (GET /api/executions) to
// Store.listRuns, which answers ListedRun rows; pageRuns() cuts them into a RunPage for both.
import type { RunRecord, RunStatus, StreamName } from './model';
import type { RunExpectations } from './stats';
import type { StepStatistic } from './statistics';
import { RequestType, arrayOf, isNumber, isString, objectOf, optional, type Guard } from './messages';

/** Filters of a run list (all optional, combined with AND), newest first. */
export interface HistoryQuery {
  /** Any of these statuses. */
  status?: string[];
  script?: string;
  profile?: string;
  /** Id prefix, script, args, profile, step names or log text (ASCII case-insensitive). */
  search?: string;
  /** Started at or after / before (ms since the epoch). */
  since?: number;
  until?: number;
  /** The `nextCursor` of the previous page (or a ListedRun's `cursor`): the runs after it. */
  cursor?: string;
  limit?: number;
}

/** One stored run in a list (the StepFlow view's tree, `stepflow history`). */
export interface RunSummary {
  id: string;
  script: string;
  args: string[];
  profile: string | null;
  status: RunStatus;
  exitCode: number | null;
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  lineCount: number;
  stepCount: number;
}

/** A row of the history panel's run list. */
export interface HistoryRun extends RunSummary {
  /** Name of the first step that failed, if any. */
  failedStep: string | null;
  /** On a team hub: the machine and the user the run came from (absent in a local history). */
  host?: string;
  user?: string;
}

/** A row as Store.listRuns answers it: all a list needs, and where the next page starts. */
export interface ListedRun extends HistoryRun {
  cwd: string;
  signal: string | null;
  /** Pass as `cursor` to get the runs after this one. */
  cursor: string;
}

export interface LogLine {
  line: number;
  stream: StreamName;
  at: number;
  text: string;
}

export interface RunPage {
  runs: HistoryRun[];
  /** Pass as `cursor` for the next (older) page; null at the end. */
  nextCursor: string | null;
}

export interface LogSearchHit {
  runId: string;
  line: number;
  stream: StreamName;
  text: string;
  /** Names from the root to the innermost step holding the line; absent outside every step. */
  step?: string[];
}

export interface LogRange {
  runId: string;
  fromLine: number;
  maxLines: number;
}

export interface SearchParams {
  text: string;
  runId?: string;
  limit?: number;
}

export interface ArtifactRef {
  runId: string;
  index: number;
}

const isRunId = objectOf<{ runId: string }>({ runId: isString });
const isQuery: Guard<HistoryQuery> = objectOf<HistoryQuery>({
  status: optional(arrayOf(isString, 10)),
  script: optional(isString),
  profile: optional(isString),
  search: optional(isString),
  since: optional(isNumber),
  until: optional(isNumber),
  cursor: optional(isString),
  limit: optional(isNumber),
});

/** Webview → host: a page of runs, newest first. */
export const HistoryListRuns = new RequestType<HistoryQuery, RunPage>('history/listRuns', isQuery);
/** Webview → host: one stored run (or the live state of a running one); null when unknown. */
export const HistoryGetRun = new RequestType<{ runId: string }, RunRecord | null>('history/getRun', isRunId);
/** Webview → host: stored log lines from a 1-based line. */
export const HistoryReadLog = new RequestType<LogRange, LogLine[]>(
  'history/readLog',
  objectOf<LogRange>({ runId: isString, fromLine: isNumber, maxLines: isNumber }),
);
/** Webview → host: log lines containing a text, newest run first. */
export const HistorySearchLogs = new RequestType<SearchParams, LogSearchHit[]>(
  'history/searchLogs',
  objectOf<SearchParams>({ text: isString, runId: optional(isString), limit: optional(isNumber) }),
);
/** Webview → host: step statistics of a script (for "usual time"). */
export const HistoryStepStats = new RequestType<{ script: string }, StepStatistic[]>('history/stepStats', objectOf<{ script: string }>({ script: isString }));
/**
 * Webview → host: what a running run can expect (steps and mean durations from its script's
 * earlier successful runs), for the progress/ETA of a run whose `runStarted` the view missed.
 */
export const HistoryRunExpectations = new RequestType<{ runId: string }, RunExpectations | null>('history/runExpectations', isRunId);
/** Webview → host: open (VS Code) or download (browser) an artifact, by its index in the run — never by a path. */
export const HistoryOpenArtifact = new RequestType<ArtifactRef, void>('history/openArtifact', objectOf<ArtifactRef>({ runId: isString, index: isNumber }));
/** Webview → host: put text on the clipboard (webviews cannot always do it themselves). */
export const HistoryCopy = new RequestType<{ text: string }, void>('history/copy', objectOf<{ text: string }>({ text: isString }));
/** Webview → host: the user now compares two runs (the VS Code host completes a walkthrough step). */
export const HistoryCompared = new RequestType<{ runId: string; otherId: string }, void>(
  'history/compared',
  objectOf<{ runId: string; otherId: string }>({ runId: isString, otherId: isString }),
);
/** Webview → host: cancel a running run. */
export const HistoryCancelRun = new RequestType<{ runId: string }, { cancelled: boolean }>('history/cancelRun', isRunId);

/** How many runs one page holds at most, and without a `limit`. */
export const MAX_PAGE = 500;
export const DEFAULT_PAGE = 50;

/**
 * One page of a run list, newest first: asks `list` (the store, or the language server) for
 * one run more than the page holds, so the page knows whether an older one follows.
 */
export async function pageRuns(query: HistoryQuery, list: (query: HistoryQuery) => ListedRun[] | Promise<ListedRun[]>): Promise<RunPage> {
  const limit = Math.min(Math.max(1, Math.floor(query.limit ?? DEFAULT_PAGE)), MAX_PAGE);
  const rows = await list({ ...query, limit: limit + 1 });
  const page = rows.slice(0, limit);
  return {
    runs: page.map(({ cursor: _cursor, cwd: _cwd, signal: _signal, ...run }) => run),
    nextCursor: rows.length > limit ? page.at(-1)!.cursor : null,
  };
}
/** How many log lines one read returns at most. */
export const MAX_LOG_LINES = 5000;
