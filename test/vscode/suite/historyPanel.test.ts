// The history panel in the extension host: the command opens one webview panel of the
// registered view type (a second call reveals it), and the view's title button is there.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { stepflowApi } from './helpers';

function historyTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('stepflow.history'));
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
  suiteSetup(async () => {
    await stepflowApi();
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
});
