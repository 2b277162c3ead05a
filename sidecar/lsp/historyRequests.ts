// The language server's requests for the VS Code history panel (sidecar/protocol/lsp.ts:
// SearchLogsRequest, StepStatsRequest; its run list is ListRunsRequest), kept here so the
// language server registers them with one line.
import type { Connection } from 'vscode-languageserver/node';
import { SearchLogsRequest, StepStatsRequest } from '../protocol/lsp';
import type { Store } from '../store/store';

export function registerHistoryRequests(connection: Connection, store: () => Store): void {
  connection.onRequest(SearchLogsRequest, ({ text, runId, limit }) =>
    store().searchLogs(text, { limit: Math.min(limit ?? 100, 1000), ...(runId ? { runId } : {}) }),
  );
  connection.onRequest(StepStatsRequest, ({ script }) => store().stepStats(script));
}
