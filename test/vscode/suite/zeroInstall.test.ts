// The zero-install start (issue 17): a user with no Node of their own still gets StepFlow.
// The sidecar runs on the extension host's own runtime (process.execPath, with
// ELECTRON_RUN_AS_NODE=1 as VS Code's Electron needs) and, where better-sqlite3 was not built
// for that runtime, stores through Node's built-in node:sqlite. On the newest code-server
// (Node 24) that is what happens for real: the addon in node_modules is built for the
// machine's Node 20 and does not load there. On the minimum (Node 20, no node:sqlite) the
// same test holds the other half of the rule: better-sqlite3 stays where it loads.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { StepflowApi } from '../../../extension/main';
import { LiveSnapshot, LiveSubscribed } from '../../../sidecar/protocol/live';
import { ListRunsRequest, type SidecarRuntimeInfo } from '../../../sidecar/protocol/lsp';
import type { ListedRun } from '../../../sidecar/protocol/history';
import type { RunRecord } from '../../../sidecar/protocol/model';
import { historyTabs, panelPosts, repoRoot, stepflowApi, waitForRun, workspaceFile } from './helpers';

/** Whether better-sqlite3 (as installed with the extension) opens a database on this runtime. */
function betterSqlite3Loads(): boolean {
  try {
    const Driver = require(path.join(repoRoot(), 'node_modules', 'better-sqlite3')) as new (file: string) => { close(): void };
    new Driver(':memory:').close();
    return true;
  } catch {
    return false;
  }
}

/** The sidecar process: the extension host's child running dist/sidecar.js as the language server. */
function sidecarProcess(): { pid: number; argv: string[]; env: Map<string, string>; exe: string } {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (!argv.some((a) => a.endsWith(path.join('dist', 'sidecar.js'))) || !argv.includes('lsp')) continue;
      const env = new Map(
        fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string]),
      );
      return { pid: Number(entry), argv, env, exe: fs.readlinkSync(`/proc/${entry}/exe`) };
    } catch {
      // a process that ended meanwhile
    }
  }
  throw new Error(`no sidecar process among the children of the extension host (pid ${process.pid})`);
}

/** The run records in a live message posted to the panel (ack or snapshot). */
function runsIn(message: unknown): RunRecord[] {
  return LiveSnapshot.is(message) || LiveSubscribed.is(message) ? message.params.runs : [];
}

suite('StepFlow zero-install start', () => {
  let api: StepflowApi;

  suiteSetup(async () => {
    api = await stepflowApi();
  });

  test('the sidecar runs on the extension host\'s own runtime, storing through the SQLite driver that runtime loads; a run from the CodeLens is stored and shown in the history', async () => {
    const addonLoads = betterSqlite3Loads();
    const sidecar = sidecarProcess();
    // VS Code's own runtime, not a Node found elsewhere.
    assert.equal(fs.realpathSync(sidecar.exe), fs.realpathSync(process.execPath), `the sidecar runs ${sidecar.exe}`);
    assert.equal(sidecar.env.get('ELECTRON_RUN_AS_NODE'), '1', 'started as Node, as Electron needs');
    // What the sidecar itself says it runs on and stores through.
    const info = (api.client.initializeResult?.capabilities.experimental as { stepflow?: SidecarRuntimeInfo } | undefined)?.stepflow;
    assert.ok(info, `the sidecar reports its runtime: ${JSON.stringify(api.client.initializeResult?.capabilities.experimental)}`);
    assert.equal(info.node, process.versions.node);
    // better-sqlite3 where its addon loads; where it does not (the newest code-server's Node 24), node:sqlite.
    assert.equal(info.sqliteDriver, addonLoads ? 'better-sqlite3' : 'node:sqlite', `Node ${process.versions.node}, better-sqlite3 ${addonLoads ? 'loads' : 'does not load'}`);

    // A script of its own, so no earlier run of the suite can be taken for this one.
    const name = `zero-install-${process.pid}-${Date.now()}.sh`;
    const uri = workspaceFile(name);
    fs.writeFileSync(uri.fsPath, ['#!/bin/sh', 'echo "STEP_START:Fetch"', 'echo "STEP_COMPLETE:Fetch"', 'echo "STEP_START:Store"', 'echo "STEP_COMPLETE:Store"', ''].join('\n'), { mode: 0o755 });
    try {
      // Click "▶ Run with StepFlow": run the lens's own command with its own arguments.
      await vscode.window.showTextDocument(uri);
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      const lens = lenses.find((l) => l.command?.title === '▶ Run with StepFlow');
      assert.ok(lens?.command, `the Run lens is there: ${JSON.stringify(lenses.map((l) => l.command?.title))}`);
      await vscode.commands.executeCommand(lens.command.command, ...(lens.command.arguments ?? []));

      const run = await waitForRun(api, (r) => r.record.script === uri.fsPath && r.record.status !== 'running', 'the run to finish');
      assert.equal(run.record.status, 'succeeded');
      // Stored: the sidecar reads it back from the database.
      const listed = await api.client.sendRequest<ListedRun[]>(ListRunsRequest.method, { script: uri.fsPath });
      const stored = listed.find((r) => r.id === run.record.id);
      assert.ok(stored, `the run is in the database: ${JSON.stringify(listed.map((r) => r.id))}`);
      assert.equal(stored.status, 'succeeded');

      // Shown: a history panel opened now is sent the run, with its steps, as it subscribes.
      for (const tab of historyTabs()) await vscode.window.tabGroups.close(tab);
      const subscribed = panelPosts(api, (m) => LiveSubscribed.is(m) && m.params.runId === null, 'its ack of the webview\'s subscription');
      await vscode.commands.executeCommand('stepflow.showHistory');
      const shown = runsIn(await subscribed).find((r) => r.id === run.record.id);
      assert.ok(shown, 'the history panel shows the run');
      assert.equal(shown.status, 'succeeded');
      assert.deepEqual(shown.steps.map((s) => s.name), ['Fetch', 'Store']);
    } finally {
      for (const tab of historyTabs()) await vscode.window.tabGroups.close(tab);
      fs.rmSync(uri.fsPath, { force: true });
    }
  });
});
