// "StepFlow: Export Run Report": asks the sidecar for a run's report (self-contained HTML or
// Markdown), writes it where the user chooses and opens it.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ReportRequest, type ReportFormat } from '../sidecar/protocol/lsp';
import { formatDateTime } from '../sidecar/protocol/format';
import type { RunsModel } from './runsModel';
import type { RunNode } from './runsTree';

/** Registers `stepflow.exportReport` (argument: a run node, a run id, or nothing to pick one). */
export function registerReportCommand(context: vscode.ExtensionContext, client: LanguageClient, model: RunsModel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('stepflow.exportReport', async (arg?: RunNode | string, target?: vscode.Uri) => {
      const runId = typeof arg === 'string' ? arg : arg && typeof arg === 'object' && 'runId' in arg ? arg.runId : await pickRun(model);
      if (!runId) return undefined;
      const run = model.get(runId);
      const base = run ? path.basename(run.record.script).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/\./g, '-') : 'run';
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const suggested = `stepflow-${base}-${runId}.html`;
      const uri =
        target ??
        (await vscode.window.showSaveDialog({
          title: 'Export StepFlow Run Report',
          saveLabel: 'Export Report',
          ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, suggested) } : {}),
          filters: { 'HTML report': ['html', 'htm'], 'Markdown summary': ['md', 'markdown'] },
        }));
      if (!uri) return undefined;
      const format: ReportFormat = /\.(md|markdown)$/i.test(uri.path) ? 'markdown' : 'html';
      try {
        const { content } = await client.sendRequest(ReportRequest, { runId, format });
        await vscode.workspace.fs.writeFile(uri, Buffer.from(content, 'utf8'));
      } catch (err) {
        void vscode.window.showErrorMessage(`StepFlow: could not export the report: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
      if (format === 'markdown') {
        await vscode.commands.executeCommand('markdown.showPreview', uri).then(undefined, () => vscode.commands.executeCommand('vscode.open', uri));
      } else {
        await vscode.commands.executeCommand('vscode.open', uri);
        void vscode.window.showInformationMessage(`StepFlow: report written to ${uri.fsPath}`, 'Open in Browser').then((choice) => {
          if (choice) void vscode.env.openExternal(uri);
        });
      }
      return uri;
    }),
  );
}

async function pickRun(model: RunsModel): Promise<string | undefined> {
  const items = model.list().map((run) => ({
    label: path.basename(run.record.script),
    description: `${run.record.status} · ${formatDateTime(run.record.startedAt)}`,
    detail: run.record.id,
    runId: run.record.id,
  }));
  if (items.length === 0) {
    void vscode.window.showInformationMessage('StepFlow: no runs to report on yet.');
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { placeHolder: 'Export the report of which run?' }))?.runId;
}
