// The language server's requests for the VS Code history panel (sidecar/protocol/lsp.ts:
// QueryRunsRequest, SearchLogsRequest, StepStatsRequest), kept here so the language server
// registers them with one line.
import type { Connection } from 'vscode-languageserver/node';
import { QueryRunsRequest, SearchLogsRequest, StepStatsRequest } from '../protocol/lsp';
import type { Store } from '../store/store';

export function registerHistoryRequests(connection: Connection, store: () => Store): void {
  connection.onRequest(QueryRunsRequest, ({ statuses, status, ...rest }) => {
    const wanted = statuses?.length ? statuses : status;
    return store()
      .listRuns({ ...rest, ...(wanted ? { status: wanted } : {}) })
      .map(({ cwd: _cwd, signal: _signal, ...run }) => run);
  });
  connection.onRequest(SearchLogsRequest, ({ text, runId, limit }) =>
    store().searchLogs(text, { limit: Math.min(limit ?? 100, 1000), ...(runId ? { runId } : {}) }),
  );
  connection.onRequest(StepStatsRequest, ({ script }) => store().stepStats(script));
}
