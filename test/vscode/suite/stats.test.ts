// Statistics in VS Code: after three runs of a script, the status bar and the tree show an
// ETA while the fourth runs, its deliberately slow step is flagged in the tree, and
// "Export Run Report" writes a self-contained HTML report.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { State } from 'vscode-languageclient/node';
import type { StepflowApi } from '../../../extension/main';
import type { RunNode } from '../../../extension/runsTree';
import { stepflowApi, waitForRun, workspaceFile } from './helpers';

suite('StepFlow statistics', () => {
  let api: StepflowApi;

  suiteSetup(async () => {
    api = await stepflowApi();
    // An earlier suite may have just restarted the sidecar.
    if (api.client.state !== State.Running) {
      await new Promise<void>((resolve) => {
        const sub = api.client.onDidChangeState((change) => {
          if (change.newState === State.Running) {
            sub.dispose();
            resolve();
          }
        });
      });
    }
  });

  test('ETA while a run goes, an outlier warning in the tree, and an exported report', async () => {
    const script = workspaceFile('timed.sh');
    const slowFile = workspaceFile('timed.slow');
    fs.writeFileSync(
      script.fsPath,
      [
        '#!/usr/bin/env bash',
        'echo "STEP_START:Prepare"',
        'echo "STEP_COMPLETE:Prepare"',
        'echo "STEP_START:Compile"',
        // The fourth run's step takes at least 1.5 s and lasts until the test removes the file:
        // the test looks at the ETA meanwhile.
        'if [ -f timed.slow ]; then sleep 1.5; while [ -f timed.slow ]; do sleep 0.05; done; else sleep 0.3; fi',
        'echo "STEP_COMPLETE:Compile"',
      ].join('\n'),
      { mode: 0o755 },
    );
    fs.rmSync(slowFile.fsPath, { force: true });
    for (let i = 0; i < 3; i++) {
      const runId = await api.launcher.run(script);
      assert.ok(runId);
      const run = await waitForRun(api, (r) => r.record.id === runId && r.record.status !== 'running', 'an ordinary run to finish');
      assert.equal(run.record.status, 'succeeded');
    }

    fs.writeFileSync(slowFile.fsPath, 'hold');
    const runId = await api.launcher.run(script);
    assert.ok(runId);
    const running = await waitForRun(api, (r) => r.record.id === runId && r.record.steps.some((s) => s.name === 'Compile'), 'the slow step to start');
    assert.equal(running.expectations?.basedOnRuns, 3, 'the run came with what history expects');
    const runNode = api.tree.runNode(runId);
    await waitForRun(api, () => / left|longer than usual/.test(api.statusBar.text), 'the time left in the status bar');
    // The one progress text (protocol/format.ts formatProgress) in both.
    assert.match(api.statusBar.text, /timed\.sh › Compile · [\d.]+ (ms|s) · run \d+ % · (≈ <?\d+ s left|longer than usual)/);
    assert.match(String(api.tree.getTreeItem(runNode).description), /^running · .+ · \d+ % · (≈ <?\d+ s left|longer than usual)/);

    fs.rmSync(slowFile.fsPath);
    const done = await waitForRun(api, (r) => r.record.id === runId && r.record.status !== 'running' && r.steps.get(2)!.warnings.length > 0, 'the outlier warning');
    const compile = done.steps.get(2)!;
    assert.equal(compile.warnings[0]!.type, 'outlier');
    const top = api.tree.getChildren(runNode);
    const compileNode = top.find((n: RunNode) => api.tree.getTreeItem(n).label === 'Compile')!;
    const item = api.tree.getTreeItem(compileNode);
    assert.match(String(item.description), /^⚠ \d+\.\d s \(.+ mean\)$/);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'warning');
    const warningNode = api.tree.getChildren(compileNode).find((n) => n.kind === 'warning')!;
    assert.equal(api.tree.getTreeItem(warningNode).label, compile.warnings[0]!.message);

    const target = workspaceFile('timed-report.html');
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('stepflow.exportReport', runId, target);
    assert.equal(written?.toString(), target.toString());
    const html = fs.readFileSync(target.fsPath, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /Durations against the mean/);
    assert.ok(html.includes(compile.warnings[0]!.message));
    assert.ok(!/<script|src=|href=/i.test(html));
  });
});
