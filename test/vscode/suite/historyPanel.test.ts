// The history panel in the extension host: the command opens one webview panel of the
// registered view type (a second call reveals it), and the view's title button is there; a
// run another process writes reaches the tree and the panel through the one live feed.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { StepflowApi } from '../../../extension/main';
import { LiveSnapshot, LiveSubscribed } from '../../../sidecar/protocol/live';
import type { RunRecord } from '../../../sidecar/protocol/model';
import { historyTabs, panelPosts, repoRoot, stepflowApi, waitForRun, workspaceFile } from './helpers';

/** The records of `script` in a live message posted to the panel (ack or snapshot). */
function recordsOf(message: unknown, script: string): RunRecord[] {
  const runs = LiveSnapshot.is(message) || LiveSubscribed.is(message) ? message.params.runs : [];
  return runs.filter((r) => r.script === script);
}

/** Resolves once `count` history tabs exist, re-checking whenever the tabs change. */
function historyTabCount(count: number): Promise<vscode.Tab[]> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const tabs = historyTabs();
      if (tabs.length !== count) return;
      cleanup();
      resolve(tabs);
    };
    const sub = vscode.window.tabGroups.onDidChangeTabs(check);
    const timer = setTimeout(() => (cleanup(), reject(new Error(`timed out waiting for ${count} history tab(s), have ${historyTabs().length}`))), 20_000);
    const cleanup = () => {
      sub.dispose();
      clearTimeout(timer);
    };
    check();
  });
}

suite('StepFlow history panel', () => {
  let api: StepflowApi;

  suiteSetup(async () => {
    api = await stepflowApi();
  });

  teardown(async () => {
    for (const tab of historyTabs()) await vscode.window.tabGroups.close(tab);
    await historyTabCount(0);
  });

  test('"StepFlow: Show History" opens one panel, and reveals it when asked again', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('stepflow.showHistory'));
    await vscode.commands.executeCommand('stepflow.showHistory');
    const [tab] = await historyTabCount(1);
    assert.equal(tab!.label, 'StepFlow History');
    await vscode.commands.executeCommand('stepflow.showHistory');
    await historyTabCount(1);
    assert.equal(historyTabs().length, 1, 'still one panel');
  });

  test('a run a `stepflow run` process writes reaches the tree and the panel as pushed records, without a request per update', async () => {
    // A script of its own, so no earlier run of the suite can be taken for this one.
    const dir = workspaceFile(`feed-${process.pid}-${Date.now()}`).fsPath;
    fs.mkdirSync(dir, { recursive: true });
    const script = path.join(dir, 'outside.sh');
    fs.writeFileSync(script, ['#!/bin/sh', 'echo "STEP_START:Prepare"', 'echo "STEP_COMPLETE:Prepare"', 'echo "STEP_START:Build"', 'echo "STEP_COMPLETE:Build"', ''].join('\n'), { mode: 0o755 });
    // Every request the extension sends to the sidecar meanwhile, with its run id.
    const requests: Array<{ method: string; runId?: string }> = [];
    const client = api.client as unknown as { sendRequest: (...args: unknown[]) => Promise<unknown> };
    const original = client.sendRequest;
    client.sendRequest = function (this: unknown, type: unknown, params?: unknown, ...rest: unknown[]) {
      const method = typeof type === 'string' ? type : String((type as { method?: string }).method);
      requests.push({ method, runId: (params as { runId?: string } | undefined)?.runId });
      return original.call(this, type, params, ...rest);
    };
    try {
      // The webview subscribes as it loads: the panel acknowledges from the model.
      const subscribed = panelPosts(api, (m) => LiveSubscribed.is(m) && m.params.runId === null, 'its ack of the webview\'s subscription');
      await vscode.commands.executeCommand('stepflow.showHistory');
      await subscribed;

      // The run finished, as the panel hears of it (a snapshot of the other process's run).
      const inPanel = panelPosts(api, (m) => recordsOf(m, script).some((r) => r.status === 'succeeded'), 'the finished CLI run');
      const cli = spawn(process.execPath, [path.join(repoRoot(), 'bin', 'stepflow.js'), 'run', script, '--json'], { stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => cli.on('exit', resolve));
      const run = await waitForRun(api, (r) => r.record.script === script && r.record.status === 'succeeded' && r.record.steps.length === 2, 'the CLI run to finish in the model');
      assert.equal(await exited, 0);
      const posted = recordsOf(await inPanel, script).find((r) => r.id === run.record.id);
      assert.ok(posted, 'the panel got the same run');
      assert.deepEqual(posted.steps.map((s) => s.name), ['Prepare', 'Build']);
      const node = api.tree.getChildren().find((n) => n.runId === run.record.id);
      assert.ok(node, 'the run is in the tree');
      assert.deepEqual(api.tree.getChildren(node).filter((n) => n.kind === 'step').map((n) => String(api.tree.getTreeItem(n).label)), ['Prepare', 'Build']);

      // The model asked nothing about the run (no stepflow/getRun per update); at most its expectations, once.
      const aboutRun = requests.filter((r) => r.runId === run.record.id);
      assert.ok(aboutRun.every((r) => r.method === 'stepflow/runExpectations'), `requests about the run: ${JSON.stringify(aboutRun)}`);
      assert.ok(aboutRun.length <= 1, `requests about the run: ${JSON.stringify(aboutRun)}`);
      assert.ok(!requests.some((r) => r.method === 'stepflow/getRun' && r.runId === run.record.id));
    } finally {
      client.sendRequest = original;
    }
  });
});
