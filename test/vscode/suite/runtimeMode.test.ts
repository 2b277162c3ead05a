// `stepflow.runtime.mode: "vscode"`: the sidecar runs on the extension host's own runtime
// (process.execPath, ELECTRON_RUN_AS_NODE=1) and stores through Node's built-in node:sqlite,
// with better-sqlite3 left out — the zero-install start, asked for by the setting. Where
// that runtime has node:sqlite (the newest code-server's Node 24; VS Code ≥ 1.101's
// Electron) the sidecar restarts there and runs are stored; where it has none (the minimum
// code-server's Node 20, like VS Code 1.100's Electron) the user is told what to install and
// the sidecar that runs stays.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { StepflowApi } from '../../../extension/main';
import { readConfig } from '../../../extension/config';
import { SidecarStartError, findRuntime } from '../../../extension/sidecarClient';
import { ListRunsRequest } from '../../../sidecar/protocol/lsp';
import type { RunSummary } from '../../../sidecar/protocol/history';
import { stepflowApi, waitForRun, workspaceFile } from './helpers';

/** node:sqlite with the SQL functions the store needs: Node ≥ 22.13. */
function runtimeHasNodeSqlite(): boolean {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  return major > 22 || (major === 22 && minor >= 13);
}

/** Environment and mapped files of the sidecar: the extension host's child running dist/sidecar.js lsp. */
function sidecarProcess(): { env: Map<string, string>; mapped: string } {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== process.pid) continue;
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!argv.some((a) => a.endsWith(path.join('dist', 'sidecar.js'))) || !argv.includes('lsp')) continue;
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').filter(Boolean);
      return { env: new Map(environ.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string])), mapped: fs.readFileSync(`/proc/${entry}/maps`, 'utf8') };
    } catch {
      // a process that ended meanwhile
    }
  }
  throw new Error(`no sidecar process among the children of the extension host (pid ${process.pid})`);
}

suite('StepFlow runtime mode', () => {
  let api: StepflowApi;
  const setting = () => vscode.workspace.getConfiguration('stepflow');
  /** Updates stepflow.runtime.mode and resolves once the change has taken effect (SettingsWatcher). */
  const setMode = async (value: string | undefined) => {
    const done = new Promise<void>((resolve) => {
      const sub = api.settings.onDidApply((keys) => {
        if (!keys.includes('stepflow.runtime.mode')) return;
        sub.dispose();
        resolve();
      });
    });
    await setting().update('runtime.mode', value, vscode.ConfigurationTarget.Global);
    await done;
  };

  suiteSetup(async () => {
    api = await stepflowApi();
  });

  suiteTeardown(async () => {
    await setMode(undefined);
  });

  test('"vscode" moves the sidecar to the extension host\'s own runtime with node:sqlite where it has one, else says what to install and keeps the sidecar', async () => {
    const before = api.sidecar.runtime;
    await setMode('vscode');
    const name = `runtime-mode-${process.pid}-${Date.now()}.sh`;
    const uri = workspaceFile(name);
    fs.writeFileSync(uri.fsPath, ['#!/bin/sh', 'echo "STEP_START:Only"', 'echo "STEP_COMPLETE:Only"', ''].join('\n'), { mode: 0o755 });
    try {
      if (runtimeHasNodeSqlite()) {
        assert.equal(api.sidecar.runtime.command, process.execPath);
        assert.deepEqual(api.sidecar.runtime.env, { ELECTRON_RUN_AS_NODE: '1', STEPFLOW_SQLITE_DRIVER: 'node:sqlite', STEPFLOW_SIDECAR_ENV: 'ELECTRON_RUN_AS_NODE,STEPFLOW_SQLITE_DRIVER' });
        const sidecar = sidecarProcess();
        assert.equal(sidecar.env.get('STEPFLOW_SQLITE_DRIVER'), 'node:sqlite');
        assert.equal(sidecar.env.get('ELECTRON_RUN_AS_NODE'), '1');
        assert.doesNotMatch(sidecar.mapped, /better_sqlite3\.node/, 'better-sqlite3 is not loaded');
      } else {
        assert.throws(
          () => findRuntime({ ...readConfig(), runtimeMode: 'vscode' }),
          (err: unknown) =>
            err instanceof SidecarStartError &&
            err.message.includes(`VS Code's own runtime (Node ${process.versions.node}) has no usable node:sqlite`) &&
            err.message.includes('update VS Code to 1.101 or later'),
        );
        assert.deepEqual(api.sidecar.runtime, before, 'the sidecar keeps running where it ran');
      }
      // Either way a run is stored and listed by the sidecar that runs now.
      const runId = await api.launcher.run(uri);
      assert.ok(runId);
      const run = await waitForRun(api, (r) => r.record.id === runId && r.record.status !== 'running', 'the run to finish');
      assert.equal(run.record.status, 'succeeded');
      // By method name: this bundle's copy of the typed request is not the client's class.
      const listed = await api.client.sendRequest<RunSummary[]>(ListRunsRequest.method, { script: uri.fsPath });
      assert.deepEqual(listed.map((r) => [r.id, r.status]), [[runId, 'succeeded']]);
    } finally {
      fs.rmSync(uri.fsPath, { force: true });
    }
  });
});
