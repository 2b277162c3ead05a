// Notifications that respect focus, in a real extension host: a run of this window that ends
// while the window is not focused is announced once ("failing.sh failed at Check after …");
// nothing while the window has focus, nothing for a run shorter than
// `stepflow.notify.longRunSeconds`, nothing per step.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { StepflowApi } from '../../../extension/main';
import { stepflowApi, waitForRun, workspaceFile } from './helpers';

suite('Notifications that respect focus', () => {
  let api: StepflowApi;
  let focused = true;
  const settings = () => vscode.workspace.getConfiguration('stepflow');

  suiteSetup(async () => {
    api = await stepflowApi();
    // Headless Chromium decides the real focus; the test decides it here instead.
    api.finishes.windowFocused = () => focused;
  });

  suiteTeardown(async () => {
    api.finishes.windowFocused = () => vscode.window.state.focused;
    await settings().update('notify.longRunSeconds', undefined, vscode.ConfigurationTarget.Workspace);
  });

  const runToEnd = async (name: string) => {
    const runId = await api.launcher.run(workspaceFile(name));
    assert.ok(runId, 'a run id');
    return waitForRun(api, (r) => r.record.id === runId && r.record.status !== 'running', `${name} to end`);
  };

  test('one notification for a run that ends while the window is not focused, naming the failing step', async () => {
    await settings().update('notify.longRunSeconds', 0, vscode.ConfigurationTarget.Workspace);
    focused = false;
    const before = api.finishes.shown.length;
    await runToEnd('failing.sh');
    const shown = api.finishes.shown.slice(before);
    assert.equal(shown.length, 1, JSON.stringify(shown));
    assert.match(shown[0], /^failing\.sh failed at Check after \d/);
  });

  test('nothing while the window has focus, and nothing for a run shorter than the threshold', async () => {
    await settings().update('notify.longRunSeconds', 0, vscode.ConfigurationTarget.Workspace);
    focused = true;
    const before = api.finishes.shown.length;
    await runToEnd('steps.sh');
    assert.equal(api.finishes.shown.length, before, 'focused: no notification');

    await settings().update('notify.longRunSeconds', 3600, vscode.ConfigurationTarget.Workspace);
    focused = false;
    await runToEnd('steps.sh');
    assert.equal(api.finishes.shown.length, before, 'shorter than an hour: no notification');
  });
});
