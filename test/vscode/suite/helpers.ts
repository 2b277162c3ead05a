// Shared helpers for the extension-host tests: the activated API, the fixture workspace,
// and waiting on model changes (events, never fixed sleeps).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { StepflowApi } from '../../../extension/main';
import type { LiveRun } from '../../../sidecar/protocol/runState';

export async function stepflowApi(): Promise<StepflowApi> {
  const extension = vscode.extensions.getExtension<StepflowApi | undefined>('stepflow.stepflow');
  if (!extension) throw new Error('the StepFlow extension is not installed in this host');
  const api = await extension.activate();
  if (!api) throw new Error('StepFlow activated without its API (the sidecar did not start)');
  return api;
}

export function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the tests need the fixture workspace open');
  return vscode.Uri.joinPath(folder.uri, name);
}

/** Resolves with the run once `predicate` holds, re-checking on every model change. */
export function waitForRun(api: StepflowApi, predicate: (run: LiveRun) => boolean, what: string, timeoutMs = 30_000): Promise<LiveRun> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const run = api.model.list().find(predicate);
      if (!run) return false;
      cleanup();
      resolve(run);
      return true;
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const sub = api.model.onDidChange(check);
    const cleanup = () => {
      clearTimeout(timer);
      sub.dispose();
    };
    check();
  });
}

/** A pid counts as gone when it no longer exists or is a zombie (nothing reaps orphans here). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

export function repoRoot(): string {
  const extension = vscode.extensions.getExtension('stepflow.stepflow');
  return extension ? extension.extensionPath : path.resolve(__dirname, '..', '..', '..');
}

/**
 * Resolves with the first message posted to the history panel's webview that `test` accepts
 * (from now on); on timeout the error names what was posted meanwhile.
 */
export function panelPosts(api: StepflowApi, test: (message: unknown) => boolean, what: string, timeoutMs = 30_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sub = api.history.onDidPost((message) => {
      if (!test(message)) return;
      cleanup();
      resolve(message);
    });
    const seen: string[] = [];
    const all = api.history.onDidPost((message) => seen.push(String((message as { method?: string; kind?: string }).method ?? (message as { kind?: string }).kind)));
    const timer = setTimeout(() => (cleanup(), reject(new Error(`timed out waiting for the panel to post ${what}; posted: ${seen.join(', ') || 'nothing'}`))), timeoutMs);
    const cleanup = () => {
      sub.dispose();
      all.dispose();
      clearTimeout(timer);
    };
  });
}

/** The editor tabs showing StepFlow's history panel. */
export function historyTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('stepflow.history'));
}
