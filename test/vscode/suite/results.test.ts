// Results a user can trust, in a real extension host: a failed nested run opens at its failing step (the
// parent the script closed with STEP_COMPLETE shows ✗ "1 child step failed", "exit code 3"
// moves into the run's line); a cancelled run looks cancelled, not failed; after many runs
// only the newest run of each script is expanded, the view keeps `view.runsShown` runs, and
// "Clear Finished Runs" hides finished runs while the history keeps them.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { StepflowApi } from '../../../extension/main';
import type { RunNode } from '../../../extension/runsTree';
import type { RunSummary } from '../../../sidecar/protocol/history';
import { ListRunsRequest, RunRequest } from '../../../sidecar/protocol/lsp';
import { stepflowApi, waitForRun, workspaceFile } from './helpers';

suite('Results a user can trust', () => {
  let api: StepflowApi;
  const dir = () => workspaceFile('results').fsPath;
  const script = (name: string, body: string) => {
    fs.mkdirSync(dir(), { recursive: true });
    const file = path.join(dir(), name);
    fs.writeFileSync(file, `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
    return vscode.Uri.file(file);
  };
  const item = (node: RunNode) => api.tree.getTreeItem(node);
  const label = (node: RunNode) => String(item(node).label);
  const icon = (node: RunNode) => item(node).iconPath as vscode.ThemeIcon;

  /** Resolves once the view's selection is `node` (the selection arrives from the workbench). */
  const selected = (node: RunNode) =>
    new Promise<void>((resolve, reject) => {
      if (api.treeView.selection.includes(node)) return resolve();
      const timer = setTimeout(() => reject(new Error(`selection is ${JSON.stringify(api.treeView.selection)}`)), 15_000);
      const sub = api.treeView.onDidChangeSelection((e) => {
        if (!e.selection.includes(node)) return;
        clearTimeout(timer);
        sub.dispose();
        resolve();
      });
    });

  suiteSetup(async () => {
    api = await stepflowApi();
  });

  test('a failed nested run reveals and selects the failing step; its parent shows failed', async () => {
    const uri = script(
      'nested.sh',
      [
        'echo "STEP_START:Tests"',
        'echo "STEP_START:unit"',
        'echo "STEP_COMPLETE:unit"',
        'echo "STEP_START:integration"',
        'echo "STEP_ERROR:upload test failed"',
        'echo "STEP_COMPLETE:Tests"',
        'exit 3',
      ].join('\n'),
    );
    // Subscribed before the run starts: the reveal follows the run's end.
    const revealed = new Promise<RunNode>((resolve) => {
      const sub = api.failures.onDidReveal((node) => {
        sub.dispose();
        resolve(node);
      });
    });
    const runId = await api.launcher.run(uri);
    assert.ok(runId);
    const run = await waitForRun(api, (r) => r.record.id === runId && r.record.status !== 'running', 'the run to fail');
    assert.equal(run.record.status, 'failed');
    const tests = run.record.steps[0];
    assert.equal(tests.status, 'succeeded', 'stored: what the script said');

    const node = await revealed;
    assert.equal(node.kind, 'step');
    assert.equal(label(node), 'integration');
    assert.equal(node.runId, runId);
    await selected(node);
    assert.deepEqual(api.treeView.selection, [node], 'the failing step is selected');

    const runNode = api.tree.runNode(runId);
    const children = api.tree.getChildren(runNode);
    assert.deepEqual(children.map(label), ['Tests'], 'no synthetic "exit code 3" row beside the failed step');
    assert.match(String(item(runNode).description), /^failed · exit code 3 · /);
    const testsNode = children[0];
    assert.equal(icon(testsNode).id, 'error');
    assert.match(String(item(testsNode).description), /1 child step failed/);
    assert.equal(item(testsNode).collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
    assert.deepEqual(api.tree.getChildren(testsNode).map(label), ['unit', 'integration']);
    assert.equal(api.tree.getParent(node), testsNode, 'reveal walks up through the parent step');
    api.statusBar.update();
    assert.match(api.statusBar.text, /^\$\(error\) nested\.sh failed › integration · /);
    assert.equal(api.statusBar.backgroundColorId, 'statusBarItem.errorBackground');
  });

  test('a run that fails without a failed step keeps its "exit code" row', async () => {
    const uri = script('plain.sh', 'echo "STEP_START:Only"\necho "STEP_COMPLETE:Only"\nexit 4');
    const runId = await api.launcher.run(uri);
    await waitForRun(api, (r) => r.record.id === runId && r.record.status !== 'running', 'the run to fail');
    const children = api.tree.getChildren(api.tree.runNode(runId!));
    assert.equal(children[0].kind, 'error');
    assert.equal(label(children[0]), 'exit code 4');
  });

  test('a cancelled run looks cancelled (neutral), in the tree and the status bar', async () => {
    const uri = script('slow.sh', 'echo "STEP_START:Wait"\nsleep 30\necho "STEP_COMPLETE:Wait"');
    const runId = await api.launcher.run(uri);
    assert.ok(runId);
    await waitForRun(api, (r) => r.record.id === runId && r.record.steps.length > 0, 'the step to start');
    assert.equal(await vscode.commands.executeCommand('stepflow.cancelRun', runId), true);
    await waitForRun(api, (r) => r.record.id === runId && r.record.status === 'cancelled', 'the run to be cancelled');
    api.statusBar.update();

    const runIcon = icon(api.tree.runNode(runId));
    assert.equal(runIcon.id, 'circle-slash');
    const colour = (runIcon.color as vscode.ThemeColor | undefined)?.id;
    assert.ok(!/error|failed/i.test(String(colour)), `neutral colour, not ${colour}`);
    assert.equal(api.tree.getChildren(api.tree.runNode(runId)).filter((n) => n.kind === 'error').length, 0, 'no "cancelled" error row');
    assert.match(api.statusBar.text, /^\$\(circle-slash\) slow\.sh cancelled/);
    assert.equal(api.statusBar.backgroundColorId, undefined, 'no error background');
  });

  test('after many runs: newest run per script expanded, runsShown kept, Clear Finished hides them', async () => {
    const config = vscode.workspace.getConfiguration('stepflow');
    await config.update('view.runsShown', 30, vscode.ConfigurationTarget.Workspace);
    try {
      const scripts = ['alpha.sh', 'beta.sh', 'gamma.sh'].map((name) => script(name, `echo "STEP_START:${name}"\necho "STEP_COMPLETE:${name}"`));
      const ids: string[] = [];
      for (let i = 0; i < 50; i++) {
        // Straight to the sidecar (as a terminal's `stepflow run` would): 50 terminals are not the point here.
        const { runId } = await api.client.sendRequest<{ runId: string }>(RunRequest.method, { script: scripts[i % 3].fsPath, cwd: dir() });
        assert.ok(runId);
        ids.push(runId);
        await waitForRun(api, (r) => r.record.id === runId && r.record.status !== 'running', `run ${i + 1} to finish`);
      }
      const runs = api.tree.getChildren();
      assert.equal(runs.length, 30, 'stepflow.view.runsShown runs are kept');
      const expanded = runs.filter((n) => item(n).collapsibleState === vscode.TreeItemCollapsibleState.Expanded);
      assert.deepEqual(
        expanded.map((n) => n.runId),
        ids.slice(-3).reverse(),
        'only the newest run of each script is expanded',
      );
      // Older runs collapse under a different id, so VS Code does not keep them open.
      for (const n of runs.filter((n) => !expanded.includes(n))) {
        assert.equal(item(n).collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
        assert.match(String(item(n).id), /~older$/);
      }

      assert.equal(await vscode.commands.executeCommand('stepflow.clearFinished'), 30);
      assert.equal(api.tree.getChildren().length, 0, 'finished runs are hidden from the view');
      // By method name: the suite bundle's own copy of the protocol classes is not the client's.
      const stored = await api.client.sendRequest<RunSummary[]>(ListRunsRequest.method, { limit: 100 });
      for (const id of ids.slice(-30)) assert.ok(stored.some((s) => s.id === id), `run ${id} stays in the history`);

      // A new run shows up again (and expanded).
      const again = await api.launcher.run(scripts[0]);
      await waitForRun(api, (r) => r.record.id === again && r.record.status !== 'running', 'a new run');
      const shown = api.tree.getChildren();
      assert.deepEqual(shown.map((n) => n.runId), [again]);
      assert.equal(item(shown[0]).collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
    } finally {
      await config.update('view.runsShown', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
