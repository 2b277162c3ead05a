// "StepFlow: Export Run Report": asks the sidecar for a run's report (self-contained HTML or
// Markdown), writes it where the user chooses — proposing a folder outside the workspace
// (reportLocation.ts) — and opens it rendered: HTML in a preview (reportPreview.ts),
// Markdown in VS Code's Markdown preview.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ReportRequest, type ReportFormat } from '../sidecar/protocol/lsp';
import { formatDateTime } from '../sidecar/protocol/format';
import type { RunsModel } from './runsModel';
import { folderToRemember, proposedReportFolder, reportFileName } from './reportLocation';
import { browserCanOpenLocalFiles, showReportPreview } from './reportPreview';
import type { RunNode } from './runsTree';

/** globalState key: the folder of the last export chosen in the save dialog. */
const LAST_FOLDER = 'stepflow.report.lastFolder';

/** Registers `stepflow.exportReport` (argument: a run node, a run id, or nothing to pick one). */
export function registerReportCommand(context: vscode.ExtensionContext, client: LanguageClient, model: RunsModel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('stepflow.exportReport', async (arg?: RunNode | string, target?: vscode.Uri) => {
      const runId = typeof arg === 'string' ? arg : arg && typeof arg === 'object' && 'runId' in arg ? arg.runId : await pickRun(model);
      if (!runId) return undefined;
      const run = model.get(runId);
      const workspaceFolders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
      const folder = proposedReportFolder({
        remembered: context.globalState.get<string>(LAST_FOLDER),
        workspaceFolders,
        tempDir: os.tmpdir(),
        exists: (dir) => fs.existsSync(dir),
      });
      const uri =
        target ??
        (await vscode.window.showSaveDialog({
          title: 'Export StepFlow Run Report',
          saveLabel: 'Export Report',
          defaultUri: vscode.Uri.file(path.join(folder, reportFileName(run?.record.script, runId))),
          filters: { 'HTML report': ['html', 'htm'], 'Markdown summary': ['md', 'markdown'] },
        }));
      if (!uri) return undefined;
      if (!target && uri.scheme === 'file') await context.globalState.update(LAST_FOLDER, folderToRemember(uri.fsPath, workspaceFolders));
      const format: ReportFormat = /\.(md|markdown)$/i.test(uri.path) ? 'markdown' : 'html';
      let content: string;
      try {
        ({ content } = await client.sendRequest(ReportRequest, { runId, format }));
        await vscode.workspace.fs.writeFile(uri, Buffer.from(content, 'utf8'));
      } catch (err) {
        void vscode.window.showErrorMessage(`StepFlow: could not export the report: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
      if (format === 'markdown') {
        // The rendered summary; the source only where the Markdown extension is missing.
        await vscode.commands.executeCommand('markdown.showPreview', uri).then(undefined, () => vscode.commands.executeCommand('vscode.open', uri));
      } else {
        showReportPreview(uri, content);
        // A browser reaches the file only when it runs where the file is (desktop, local).
        const actions = browserCanOpenLocalFiles() ? ['Open in Browser'] : [];
        void vscode.window.showInformationMessage(`StepFlow: report written to ${uri.fsPath}`, ...actions).then((choice) => {
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
