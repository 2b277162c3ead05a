// What a screen reader hears in the StepFlow view and the status bar, in a real extension host:
// every run and step row of a real run carries an accessible label that says the state, the
// duration, the progress of a running step and the error count in words (the descriptions'
// "·", "≈", "%" and icons read badly or not at all), and so does the status bar item.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { StepflowApi } from '../../../extension/main';
import type { RunNode } from '../../../extension/runsTree';
import { stepflowApi, waitForRun, workspaceFile } from './helpers';

suite('Accessible tree and status bar', () => {
  let api: StepflowApi;
  const dir = () => workspaceFile('a11y').fsPath;
  const script = (name: string, body: string) => {
    fs.mkdirSync(dir(), { recursive: true });
    const file = path.join(dir(), name);
    fs.writeFileSync(file, `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
    return vscode.Uri.file(file);
  };
  const spoken = (node: RunNode) => api.tree.getTreeItem(node).accessibilityInformation?.label ?? '';
  const stepNode = (runNode: RunNode, name: string) => {
    const node = api.tree.getChildren(runNode).find((n) => n.kind === 'step' && api.tree.getTreeItem(n).label === name);
    assert.ok(node, `a row for step ${name}`);
    return node;
  };

  suiteSetup(async () => {
    api = await stepflowApi();
  });

  test('a running step says its progress; finished rows say state, duration and errors in words', async () => {
    const gate = path.join(dir(), 'a11y.go');
    fs.rmSync(gate, { force: true });
    const uri = script(
      'speak.sh',
      [
        'echo "STEP_START:Prepare"',
        'echo "STEP_COMPLETE:Prepare"',
        'echo "STEP_START:Compile"',
        'echo "META:PROGRESS:60"',
        // Held open until the test has read the running row.
        `while [ ! -f ${JSON.stringify(gate)} ]; do sleep 0.05; done`,
        'echo "STEP_COMPLETE:Compile"',
        'echo "STEP_START:Link"',
        'echo "STEP_ERROR:undefined symbol main"',
        'exit 2',
      ].join('\n'),
    );
    const runId = await api.launcher.run(uri);
    assert.ok(runId);
    await waitForRun(api, (r) => r.record.id === runId && r.steps.get(2)?.meta.PROGRESS === '60', 'Compile to report its progress');
    const runNode = api.tree.runNode(runId);

    const compileRunning = spoken(stepNode(runNode, 'Compile'));
    assert.match(compileRunning, /^Compile, running, [\d.]+ (milliseconds?|seconds?), 60 percent done/);
    assert.doesNotMatch(compileRunning, /[·≈%⚠]/);
    assert.match(spoken(runNode), /^speak\.sh, running, [\d.]+ (milliseconds?|seconds?)/);
    await waitForRun(api, () => /running/.test(api.statusBar.spokenText), 'the status bar to speak the run');
    assert.match(api.statusBar.spokenText, /^StepFlow: speak\.sh running, step Compile 60 percent done, [\d.]+ (milliseconds?|seconds?)/);
    assert.match(api.statusBar.spokenText, /Reveal the run$/);

    fs.writeFileSync(gate, 'go');
    const done = await waitForRun(api, (r) => r.record.id === runId && r.record.status !== 'running', 'the run to finish');
    assert.equal(done.record.status, 'failed');

    assert.match(spoken(runNode), /^speak\.sh, failed at Link, (exit code 2, )?[\d.]+ (milliseconds?|seconds?), 1 error$/);
    assert.match(spoken(stepNode(runNode, 'Prepare')), /^Prepare, succeeded, [\d.]+ (milliseconds?|seconds?)$/);
    // Finished: no progress any more.
    assert.match(spoken(stepNode(runNode, 'Compile')), /^Compile, succeeded, [\d.]+ (milliseconds?|seconds?)$/);
    const link = stepNode(runNode, 'Link');
    assert.match(spoken(link), /^Link, failed, [\d.]+ (milliseconds?|seconds?), 1 error$/);
    const error = api.tree.getChildren(link).find((n) => n.kind === 'error');
    assert.ok(error);
    assert.equal(spoken(error), 'error: undefined symbol main');
    await waitForRun(api, () => /failed/.test(api.statusBar.spokenText), 'the status bar to speak the end');
    assert.match(api.statusBar.spokenText, /^StepFlow: speak\.sh failed at Link, [\d.]+ (milliseconds?|seconds?)\. Reveal the run$/);
  });

  test('a cancelled run is spoken as cancelled', async () => {
    const uri = script('cancel.sh', ['echo "STEP_START:Wait"', 'sleep 30', 'echo "STEP_COMPLETE:Wait"'].join('\n'));
    const runId = await api.launcher.run(uri);
    assert.ok(runId);
    await waitForRun(api, (r) => r.record.id === runId && r.record.steps.length > 0, 'the step to start');
    await vscode.commands.executeCommand('stepflow.cancelRun', runId);
    await waitForRun(api, (r) => r.record.id === runId && r.record.status !== 'running', 'the run to end');
    const runNode = api.tree.runNode(runId);
    assert.match(spoken(runNode), /^cancel\.sh, cancelled, /);
    assert.match(spoken(stepNode(runNode, 'Wait')), /^Wait, cancelled, /);
  });
});
