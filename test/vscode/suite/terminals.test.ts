// Terminals behave like the editor's own: one per script, reused by its next run and by
// Show Log (as Tasks reuse theirs), named with the start time of the run they show; a click
// on a step row shows the step's STEP_START line in the script, as the Testing view does.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { StepflowApi } from '../../../extension/main';
import { terminalName } from '../../../extension/runTerminal';
import type { LiveRun } from '../../../sidecar/protocol/runState';
import { stepflowApi, waitForRun, workspaceFile } from './helpers';
import { pollUntil } from '../../support/poll';

const SCRIPT = 'markers.sh';

suite('StepFlow terminals and step clicks', () => {
  let api: StepflowApi;

  suiteSetup(async () => {
    api = await stepflowApi();
  });

  const runToEnd = async (): Promise<LiveRun> => {
    const runId = await api.launcher.run(workspaceFile(SCRIPT));
    assert.ok(runId, 'a run id');
    return waitForRun(api, (r) => r.record.id === runId && r.record.status !== 'running', `run ${runId} to finish`);
  };
  const scriptTerminals = () => vscode.window.terminals.filter((t) => t.name.startsWith(`StepFlow: ${SCRIPT} `));
  const nameOf = (run: LiveRun) => terminalName(run.record.script, Date.parse(run.record.startedAt));
  // A pseudoterminal's new name reaches `Terminal.name` with no event the API exposes: poll it.
  const namedFor = (run: LiveRun) =>
    pollUntil(() => scriptTerminals().some((t) => t.name === nameOf(run)), `a terminal named "${nameOf(run)}" (${vscode.window.terminals.map((t) => `"${t.name}"`).join(', ')})`).catch(
      (err: Error) => assert.fail(`${err.message} — terminals: ${vscode.window.terminals.map((t) => `"${t.name}"`).join(', ')}`),
    );

  test("a script's next run reuses its terminal, renamed with the new run's start time", async () => {
    const first = await runToEnd();
    await namedFor(first);
    const terminal = api.terminals.terminalOf(first.record.id);
    assert.ok(terminal, 'the first run has a terminal');

    const second = await runToEnd();
    await namedFor(second);
    assert.equal(api.terminals.terminalOf(second.record.id), terminal, 'the same terminal shows the second run');
    assert.equal(scriptTerminals().length, 1, `one terminal for ${SCRIPT}: ${scriptTerminals().map((t) => t.name).join(', ')}`);
    assert.match(terminal.name, /^StepFlow: markers\.sh · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  test('Show Log of an older run, and of a step, replays into that same terminal instead of opening another', async () => {
    const older = await runToEnd();
    const newer = await runToEnd();
    await namedFor(newer);
    const terminal = api.terminals.terminalOf(newer.record.id);

    const shown = await vscode.commands.executeCommand<vscode.Terminal>('stepflow.showLog', older.record.id);
    assert.equal(shown, terminal, 'Show Log reused the script terminal');
    await namedFor(older);

    const link = [...older.steps.values()].find((s) => s.name === 'Link')!;
    const node = api.tree.stepNodePath(older.record.id, link.id).at(-1)!;
    const again = await vscode.commands.executeCommand<vscode.Terminal>('stepflow.showLog', node);
    assert.equal(again, terminal, 'a step’s Show Log reused it too');
    const asked = await vscode.commands.executeCommand<vscode.Terminal>('stepflow.showLog', node);
    assert.equal(asked, terminal, 'asking again only reveals it');
    assert.equal(scriptTerminals().length, 1, scriptTerminals().map((t) => t.name).join(', '));
  });

  test('clicking a step row selects it and shows its STEP_START line in the script', async () => {
    const run = await runToEnd();
    const compile = [...run.steps.values()].find((s) => s.name === 'Compile')!;
    const node = api.tree.stepNodePath(run.record.id, compile.id).at(-1)!;
    const command = api.tree.getTreeItem(node).command!;
    assert.equal(command.command, 'stepflow.revealStep', 'a click goes to the step, the log is the inline action');

    await vscode.commands.executeCommand(command.command, ...(command.arguments ?? []));
    const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
    assert.ok(editor, 'an editor shows the script');
    assert.equal(editor.document.uri.fsPath, workspaceFile(SCRIPT).fsPath);
    const expected = editor.document.getText().split('\n').findIndex((line) => line.includes('STEP_START:Compile'));
    assert.equal(editor.selection.start.line, expected, `selection at line ${editor.selection.start.line + 1}`);
    await pollUntil(() => api.treeView.selection.includes(node), 'the step row to be selected');
  });
});
