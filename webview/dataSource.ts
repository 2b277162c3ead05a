// The one interface the history components talk to. Two thin hosts implement it: the VS Code
// webview (vscodeHost.ts, postMessage to the extension) and the browser dashboard
// (browserHost.ts, fetch + WebSocket to `stepflow serve`); tests use a fake.
import type { HistoryQuery, LogLine, LogSearchHit, RunPage, SearchParams } from '../sidecar/protocol/history';
import type { StepStatistic } from '../sidecar/protocol/statistics';
import type { EventsParams, SnapshotParams } from '../sidecar/protocol/live';
import type { RunRecord } from '../sidecar/protocol/model';
import type { RunExpectations } from '../sidecar/protocol/stats';

export interface LiveListener {
  /** A batch of RunEvents (events.ts) this listener's target wants. */
  events(params: EventsParams): void;
  /** Full records replacing what is known of these runs. */
  snapshot(params: SnapshotParams): void;
  /** Updates may have been lost (reconnect, sequence gap): reload what is shown. */
  resync(): void;
}

/** What the view remembers across reloads (VS Code: webview state; browser: the URL hash). */
export interface ViewState {
  query: HistoryQuery;
  selectedId: string | null;
  tab: DetailTab;
  compareId: string | null;
}

export type DetailTab = 'timeline' | 'log' | 'artifacts' | 'summary' | 'compare';

export interface StepflowDataSource {
  /** Artifacts open in an editor (VS Code) or download (browser). */
  readonly artifactAction: 'open' | 'download';
  listRuns(query: HistoryQuery): Promise<RunPage>;
  getRun(runId: string): Promise<RunRecord | null>;
  readLog(runId: string, fromLine: number, maxLines: number): Promise<LogLine[]>;
  searchLogs?(params: SearchParams): Promise<LogSearchHit[]>;
  stepStats?(script: string): Promise<StepStatistic[]>;
  /** What a running run can expect from its script's history (progress/ETA); null without history. */
  runExpectations?(runId: string): Promise<RunExpectations | null>;
  /** Live updates for all runs (null: without output lines) or one run (with its output). Returns the unsubscribe. */
  subscribe(runId: string | null, listener: LiveListener): () => void;
  openArtifact(runId: string, index: number): Promise<void>;
  copyText(text: string): Promise<void>;
  cancelRun?(runId: string): Promise<boolean>;
  /** Tells the host the user compares two runs (VS Code: a walkthrough step); optional. */
  compared?(runId: string, otherId: string): Promise<void>;
  loadState(): ViewState | undefined;
  saveState(state: ViewState): void;
}
