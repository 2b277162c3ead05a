// The sidecar's answers to the statistics/report requests of sidecar/protocol/lsp.ts
// (RunExpectationsRequest, ReportRequest), registered on the language-server connection.
import { ResponseError, type Connection } from 'vscode-languageserver/node';
import { ReportRequest, RunExpectationsRequest } from '../protocol/lsp';
import type { Store } from '../store/store';
import { UserError, oneLine } from '../util/errors';
import { reportFileName } from '../report/common';
import { renderHtmlReport } from '../report/html';
import { renderMarkdownReport } from '../report/markdown';
import { loadReportData } from '../report/reportData';

export function registerReportRequests(connection: Connection, store: () => Store): void {
  connection.onRequest(RunExpectationsRequest, ({ runId }) => {
    const run = store().getRun(runId);
    // History before the run started: the run itself must not be part of what it expects.
    return run ? store().runExpectations(run.script, Date.parse(run.startedAt)) : null;
  });
  connection.onRequest(ReportRequest, ({ runId, format }) => {
    try {
      const data = loadReportData(store(), runId);
      return format === 'html'
        ? { content: renderHtmlReport(data), fileName: reportFileName(data.run, 'html') }
        : { content: renderMarkdownReport(data), fileName: reportFileName(data.run, 'md') };
    } catch (err) {
      if (err instanceof ResponseError) throw err;
      throw new ResponseError(err instanceof UserError ? 1 : -32603, oneLine(err));
    }
  });
}
