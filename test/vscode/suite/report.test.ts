// "Export Run Report" in a real extension host: the HTML report opens rendered in a preview
// webview (not its source in a text editor), a second export of the same file reuses that
// preview, and a Markdown summary opens in VS Code's Markdown preview. Files go to a temp
// folder outside the workspace, as the command proposes.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { StepflowApi } from '../../../extension/main';
import { stepflowApi, waitForRun, workspaceFile } from './helpers';

/** Every open tab whose input is a webview of this view type (VS Code prefixes the type). */
const webviewTabs = (viewType: string) =>
  vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith(viewType));

/** Resolves once `predicate` holds, re-checking on every tab change (tabs open asynchronously). */
function tabsUntil(predicate: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (predicate()) return resolve();
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const sub = vscode.window.tabGroups.onDidChangeTabs(() => {
      if (!predicate()) return;
      clearTimeout(timer);
      sub.dispose();
      resolve();
    });
  });
}

suite('Export Run Report opens rendered', () => {
  let api: StepflowApi;
  let runId: string;
  let out: string;

  suiteSetup(async () => {
    api = await stepflowApi();
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-report-'));
    const started = await api.launcher.run(workspaceFile('steps.sh'));
    assert.ok(started, 'the run started');
    runId = started;
    await waitForRun(api, (r) => r.record.id === runId && r.record.status !== 'running', 'the run to finish', 60_000);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(out, { recursive: true, force: true });
  });

  test('an HTML report opens in a preview webview, not as source', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const target = vscode.Uri.file(path.join(out, 'steps-report.html'));
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('stepflow.exportReport', runId, target);
    assert.equal(written?.toString(), target.toString());
    assert.match(fs.readFileSync(target.fsPath, 'utf8'), /^<!doctype html>/);
    await tabsUntil(() => webviewTabs('stepflow.report').length === 1, 'the report preview');
    const [tab] = webviewTabs('stepflow.report');
    assert.equal(tab!.label, 'Report: steps-report.html');
    assert.ok(tab!.isActive, 'the preview is the active editor');
    const sourceOpen = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === target.toString());
    assert.equal(sourceOpen, false, 'the HTML source is not opened as text');

    // Exporting the same file again refreshes that preview instead of adding another.
    await vscode.commands.executeCommand('stepflow.exportReport', runId, target);
    assert.equal(webviewTabs('stepflow.report').length, 1);
  });

  test('a Markdown summary opens in the Markdown preview', async () => {
    const target = vscode.Uri.file(path.join(out, 'steps-report.md'));
    await vscode.commands.executeCommand('stepflow.exportReport', runId, target);
    assert.match(fs.readFileSync(target.fsPath, 'utf8'), /^## .*StepFlow.*steps/); // Markdown-escaped: steps\.sh
    await tabsUntil(() => webviewTabs('markdown.preview').length > 0, 'the Markdown preview');
    const sourceOpen = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === target.toString());
    assert.equal(sourceOpen, false, 'the Markdown source is not opened as text');
  });
});
