// The `stepflow` task type in a real extension host: scripts offered as tasks, a tasks.json
// task run through StepFlow (a stored run with its steps), dependsOn, the task's exit code
// and a problem matcher reading the task's terminal (fixture: workspace/.vscode/tasks.json).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { StepflowApi } from '../../../extension/main';
import { stepflowApi, waitForRun, workspaceFile } from './helpers';

/** Runs a task and resolves with the exit code of every task process that ended meanwhile, in order. */
function executeAndWait(task: vscode.Task, timeoutMs = 60_000): Promise<{ name: string; exitCode: number | undefined }[]> {
  return new Promise((resolve, reject) => {
    const ended: { name: string; exitCode: number | undefined }[] = [];
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`task "${task.name}" did not end; ended so far: ${JSON.stringify(ended)}`));
    }, timeoutMs);
    const sub = vscode.tasks.onDidEndTaskProcess((event) => {
      ended.push({ name: event.execution.task.name, exitCode: event.exitCode });
      if (event.execution.task.name === task.name) {
        clearTimeout(timer);
        sub.dispose();
        resolve(ended);
      }
    });
    vscode.tasks.executeTask(task).then(undefined, (err) => {
      clearTimeout(timer);
      sub.dispose();
      reject(err);
    });
  });
}

suite('StepFlow tasks', () => {
  let api: StepflowApi;

  suiteSetup(async () => {
    api = await stepflowApi();
  });

  test('offers every script of the workspace as a stepflow task', async () => {
    const tasks = await vscode.tasks.fetchTasks({ type: 'stepflow' });
    const offered = tasks.filter((t) => t.source === 'stepflow').map((t) => t.name);
    // steps.sh and task-check.sh are in tasks.json, which replaces their provided tasks.
    for (const script of ['failing.sh', 'hello.py', 'intelligence/pipeline.py', 'intelligence/build.js']) {
      assert.ok(offered.includes(script), `${script} is offered; offered: ${JSON.stringify(offered)}`);
    }
    const hello = tasks.find((t) => t.source === 'stepflow' && t.name === 'hello.py')!;
    assert.equal(hello.detail, 'Run with StepFlow');
    assert.ok(!offered.some((name) => name.includes('node_modules')), 'nothing from node_modules');
  });

  test('a provided task runs the script through StepFlow and ends with its exit code', async () => {
    const task = (await vscode.tasks.fetchTasks({ type: 'stepflow' })).find((t) => t.source === 'stepflow' && t.name === 'hello.py')!;
    const before = new Set(api.model.list().map((r) => r.record.id));
    const ended = await executeAndWait(task);
    assert.deepEqual(ended.at(-1), { name: 'hello.py', exitCode: 0 });
    const run = await waitForRun(
      api,
      (r) => !before.has(r.record.id) && r.record.script === workspaceFile('hello.py').fsPath && r.record.status !== 'running',
      'the task run in the model',
    );
    assert.equal(run.record.status, 'succeeded');
    assert.deepEqual([...run.steps.values()].map((s) => [s.name, s.status]), [['Greet', 'succeeded']]);
  });

  test('a tasks.json task runs after its dependsOn, fails with the script\'s exit code, and feeds its problem matcher', async () => {
    const task = (await vscode.tasks.fetchTasks()).find((t) => t.name === 'lint after prepare');
    assert.ok(task, 'the tasks.json task is found');
    const ended = await executeAndWait(task);
    assert.deepEqual(ended.map((e) => e.name), ['prepare', 'lint after prepare'], 'dependsOn ran first');
    assert.deepEqual(ended.map((e) => e.exitCode), [0, 2]);

    const lint = await waitForRun(api, (r) => r.record.script === workspaceFile('task-check.sh').fsPath && r.record.status !== 'running', 'the lint run');
    assert.equal(lint.record.status, 'failed');
    assert.equal(lint.record.exitCode, 2);

    const uri = workspaceFile('task-check.sh');
    const matched = await new Promise<vscode.Diagnostic[]>((resolve) => {
      const check = () => {
        const found = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'task-lint');
        if (found.length === 0) return false;
        sub.dispose();
        resolve(found);
        return true;
      };
      const sub = vscode.languages.onDidChangeDiagnostics(check);
      check();
    });
    assert.equal(matched.length, 1);
    assert.equal(matched[0].range.start.line, 2);
    assert.match(matched[0].message, /a problem the task's problem matcher reports/);
  });
});
