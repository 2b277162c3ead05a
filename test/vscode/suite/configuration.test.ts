// One configuration (docs/spec.md §2) in a real extension host: a `stepflow.json` profile's
// variable reaches a script run from VS Code — through Run with profile…, whose picker says
// where each profile came from, and through a task — merged with the settings' profile of the
// same name; and settings apply without a window reload (runsShown reloads the view,
// databasePath restarts the sidecar on another database).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LogLine, RunSummary } from '../../../sidecar/protocol/history';
import { ListRunsRequest, ReadLogRequest } from '../../../sidecar/protocol/lsp';
import type { StepflowApi } from '../../../extension/main';
import type { ProfileItem } from '../../../extension/commands';
import { stepflowApi, waitForRun, workspaceFile } from './helpers';

suite('StepFlow configuration: stepflow.json with the settings, applied live', () => {
  let api: StepflowApi;
  const setting = () => vscode.workspace.getConfiguration('stepflow');
  const script = () => workspaceFile('config-src/levels.sh');

  /** Resolves once a change of `key` has taken effect (SettingsWatcher). */
  const applied = (key: string) =>
    new Promise<void>((resolve) => {
      const sub = api.settings.onDidApply((keys) => {
        if (!keys.includes(key)) return;
        sub.dispose();
        resolve();
      });
    });
  /** Updates a user setting and resolves once the change has taken effect. */
  const change = async (key: string, value: unknown) => {
    const done = applied(`stepflow.${key}`);
    await setting().update(key, value, vscode.ConfigurationTarget.Global);
    await done;
  };

  async function logOf(runId: string): Promise<string> {
    await waitForRun(api, (r) => r.record.id === runId && r.record.status !== 'running', 'the run to finish');
    // By method name: this bundle's copy of the typed request is not the client's class.
    const lines = await api.client.sendRequest<LogLine[]>(ReadLogRequest.method, { runId, fromLine: 1, maxLines: 100 });
    return lines.map((l) => l.text).join('');
  }

  const storedRunIds = async () => (await api.client.sendRequest<RunSummary[]>(ListRunsRequest.method, { limit: 1000 })).map((r) => r.id);

  suiteSetup(async () => {
    api = await stepflowApi();
  });

  suiteTeardown(async () => {
    for (const key of ['run.profiles', 'view.runsShown', 'storage.databasePath']) {
      if (setting().inspect(key)?.globalValue !== undefined) await change(key, undefined);
    }
  });

  test('Run with profile… shows where each profile came from, and the stepflow.json variable reaches the script', async () => {
    await change('run.profiles', { debug: { env: { EXTRA: 'from-settings' } }, mine: { env: { EXTRA: 'mine' } } });
    const shown = new Promise<vscode.QuickPick<ProfileItem>>((resolve) => {
      const sub = api.launcher.onDidShowProfilePicker((picker) => {
        sub.dispose();
        resolve(picker);
      });
    });
    const started = vscode.commands.executeCommand<string | undefined>('stepflow.runFileWithProfile', script());
    const picker = await shown;

    const sources = Object.fromEntries(picker.items.map((item) => [item.label, item.description]));
    assert.deepEqual(sources, {
      development: 'built-in',
      debug: 'stepflow.json + settings',
      release: 'built-in',
      'json-only': 'stepflow.json',
      mine: 'settings',
    });
    const debug = picker.items.find((item) => item.label === 'debug')!;
    assert.equal(debug.detail, 'LOG_LEVEL=debug-from-json EXTRA=from-settings');

    // Pick "debug" as a user does: type it, and accept once the picker has it active.
    const active = new Promise<void>((resolve) => {
      const sub = picker.onDidChangeActive((items) => {
        if (items[0]?.label !== 'debug') return;
        sub.dispose();
        resolve();
      });
    });
    picker.value = 'debug';
    await active;
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const runId = await started;
    assert.ok(runId, 'the picked profile started a run');
    assert.match(await logOf(runId), /LOG_LEVEL=debug-from-json EXTRA=from-settings/);
    assert.equal(api.model.get(runId)?.record.profile, 'debug');
  });

  test('a stepflow task with a profile gets the stepflow.json variable too', async () => {
    // From the fixture's tasks.json: { "type": "stepflow", "script": "config-src/levels.sh", "profile": "json-only" }.
    const task = (await vscode.tasks.fetchTasks()).find((t) => t.name === 'levels (json-only)');
    assert.ok(task, 'the tasks.json task');
    const name = task.name;
    const before = new Set(api.model.list().map((r) => r.record.id));
    const ended = new Promise<number | undefined>((resolve) => {
      const sub = vscode.tasks.onDidEndTaskProcess((event) => {
        if (event.execution.task.name !== name) return;
        sub.dispose();
        resolve(event.exitCode);
      });
    });
    await vscode.tasks.executeTask(task);
    assert.equal(await ended, 0);
    const run = await waitForRun(api, (r) => !before.has(r.record.id) && r.record.script === script().fsPath && r.record.status !== 'running', 'the task run');
    assert.match(await logOf(run.record.id), /LOG_LEVEL=json-only EXTRA=unset/);
  });

  test('stepflow.view.runsShown applies at once: the view keeps that many runs', async () => {
    for (let i = 0; i < 2; i++) await logOf((await api.launcher.run(script()))!);
    assert.ok((await api.tree.getChildren()).length >= 2, 'two runs at least before');
    await change('view.runsShown', 1);
    assert.equal((await api.tree.getChildren()).length, 1, 'one run after the change, without a reload');
    await change('view.runsShown', undefined);
    assert.ok((await api.tree.getChildren()).length >= 2, 'back to the default');
  });

  test('stepflow.storage.databasePath applies at once: the sidecar restarts on the new database and back', async () => {
    const earlier = await api.launcher.run(script());
    assert.ok(earlier);
    await logOf(earlier);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-db-switch-'));
    const db = path.join(dir, 'other.db');
    try {
      await change('storage.databasePath', db);
      assert.ok(fs.existsSync(db), 'the restarted sidecar opened the new database');
      assert.ok(!(await storedRunIds()).includes(earlier), 'the old database’s runs are not in the new one');
      const there = await api.launcher.run(script());
      assert.ok(there);
      assert.match(await logOf(there), /LOG_LEVEL=unset/);
      assert.ok((await storedRunIds()).includes(there), 'a run now is stored in the new database');

      await change('storage.databasePath', undefined);
      const ids = await storedRunIds();
      assert.ok(ids.includes(earlier) && !ids.includes(there), 'back on the default database');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
