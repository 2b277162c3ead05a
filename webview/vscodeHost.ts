// The VS Code webview host: requests and live messages over postMessage to
// extension/historyPanel.ts, view state in the webview's own state (kept across reloads
// by the panel serializer). Artifacts open in an editor; the clipboard is VS Code's.
import { HistoryCancelRun, HistoryCompared, HistoryCopy, HistoryGetRun, HistoryListRuns, HistoryOpenArtifact, HistoryReadLog, HistoryRunExpectations, HistorySearchLogs, HistoryStepStats } from '../sidecar/protocol/history';
import { LiveSubscribe, LiveUnsubscribe } from '../sidecar/protocol/live';
import { isResponse, type RequestType } from '../sidecar/protocol/messages';
import type { StepflowDataSource, ViewState } from './dataSource';
import { LiveDemux } from './liveDemux';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export function createVscodeHost(): StepflowDataSource {
  const vscode = acquireVsCodeApi();
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  let nextId = 1;
  const request = <P, R>(type: RequestType<P, R>, params: P): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      vscode.postMessage(type.create(id, params));
    });
  const demux = new LiveDemux((subscribe, runId) => vscode.postMessage((subscribe ? LiveSubscribe : LiveUnsubscribe).create({ runId })));

  window.addEventListener('message', (event: MessageEvent) => {
    const message: unknown = event.data;
    if (isResponse(message)) {
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (!waiter) return;
      if (message.error !== undefined) waiter.reject(new Error(message.error));
      else waiter.resolve(message.result);
      return;
    }
    demux.receive(message);
  });

  return {
    artifactAction: 'open',
    listRuns: (query) => request(HistoryListRuns, query),
    getRun: (runId) => request(HistoryGetRun, { runId }),
    readLog: (runId, fromLine, maxLines) => request(HistoryReadLog, { runId, fromLine, maxLines }),
    searchLogs: (params) => request(HistorySearchLogs, params),
    stepStats: (script) => request(HistoryStepStats, { script }),
    runExpectations: (runId) => request(HistoryRunExpectations, { runId }),
    subscribe: (runId, listener) => demux.add(runId, listener),
    openArtifact: (runId, index) => request(HistoryOpenArtifact, { runId, index }),
    copyText: (text) => request(HistoryCopy, { text }),
    compared: (runId, otherId) => request(HistoryCompared, { runId, otherId }),
    cancelRun: async (runId) => (await request(HistoryCancelRun, { runId })).cancelled,
    loadState: () => (vscode.getState() as ViewState | undefined) ?? undefined,
    saveState: (state) => vscode.setState(state),
  };
}
