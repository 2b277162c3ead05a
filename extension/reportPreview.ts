// Shows an exported HTML report rendered, inside VS Code. A webview rather than
// `env.openExternal(file://…)`: in code-server and remote windows the file lives on the
// server, where the user's browser cannot open it, while a webview renders the same in
// desktop and in the browser. The report is self-contained (inline styles, no scripts,
// no links), so the webview runs without scripts or local resources under a strict CSP.
import * as path from 'node:path';
import * as vscode from 'vscode';

export const REPORT_VIEW_TYPE = 'stepflow.report';

/** Scripts off, nothing loaded from anywhere: only the report's inline styles and data: images. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** The report with our CSP added as the first thing in <head> (several CSPs all apply, so this only narrows). */
export function withStrictCsp(report: string): string {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${CSP}">`;
  return /<head[^>]*>/i.test(report) ? report.replace(/<head[^>]*>/i, (head) => `${head}\n${meta}`) : `${meta}\n${report}`;
}

const open = new Map<string, vscode.WebviewPanel>();

/** Opens (or refreshes and reveals) the preview of the report written to `file`. */
export function showReportPreview(file: vscode.Uri, report: string): vscode.WebviewPanel {
  const key = file.toString();
  let panel = open.get(key);
  if (panel) {
    panel.reveal();
  } else {
    panel = vscode.window.createWebviewPanel(REPORT_VIEW_TYPE, `Report: ${path.basename(file.path)}`, vscode.ViewColumn.Active, {
      enableScripts: false,
      enableFindWidget: true,
      localResourceRoots: [],
    });
    open.set(key, panel);
    panel.onDidDispose(() => open.delete(key));
  }
  panel.webview.html = withStrictCsp(report);
  return panel;
}

/** Whether the user's browser can open a file of the extension host (desktop, not remote or web). */
export function browserCanOpenLocalFiles(): boolean {
  return vscode.env.uiKind === vscode.UIKind.Desktop && vscode.env.remoteName === undefined;
}
