// The history view's requests, shared by its two hosts: the VS Code panel answers them
// over postMessage (extension/historyPanel.ts), the browser dashboard maps them to the
// service's REST API (webview/browserHost.ts → sidecar/server/api.ts). Live updates travel
// as the messages of live.ts.
import type { LogLine, RunSummary } from './lsp';
import type { RunRecord, StreamName } from './model';
import type { RunExpectations } from './stats';
import type { StepStatistic } from './statistics';
import { RequestType, arrayOf, isNumber, isString, objectOf, optional, type Guard } from './messages';

/** Filters of the run list (all optional, combined with AND). */
export interface HistoryQuery {
  status?: string[];
  script?: string;
  profile?: string;
  /** Id prefix, script, args, profile, step names or log text (ASCII case-insensitive). */
  search?: string;
  /** Started at or after / before (ms since the epoch). */
  since?: number;
  until?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
  limit?: number;
}

export interface HistoryRun extends RunSummary {
  /** Name of the first step that failed, if any. */
  failedStep: string | null;
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

/** How many runs one page holds at most. */
export const MAX_PAGE = 500;
/** How many log lines one read returns at most. */
export const MAX_LOG_LINES = 5000;
