// StepFlow inside a real VS Code extension host: activation, CodeLens from the sidecar,
// runs reaching the tree in order, cancel of a whole process tree, diagnostics from a
// failing step, and a run started by the CLI in a terminal showing up live.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { State } from 'vscode-languageclient/node';
import type { StepflowApi } from '../../../extension/main';
import type { RunNode } from '../../../extension/runsTree';
import { processGone, repoRoot, stepflowApi, waitForRun, workspaceFile } from './helpers';
import { pollUntil } from '../../support/poll';

suite('StepFlow extension', () => {
  let api: StepflowApi;

  suiteSetup(async () => {
    api = await stepflowApi();
  });

  test('activates with a running sidecar and registers its commands', async () => {
    assert.equal(api.client.isRunning(), true);
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['stepflow.runFile', 'stepflow.runFileWithProfile', 'stepflow.rerunLast', 'stepflow.cancelRun', 'stepflow.showLog']) {
      assert.ok(commands.includes(id), `${id} is registered`);
    }
  });

  test('runs where the scripts are: a workspace extension (Remote-SSH, WSL, Codespaces, code-server)', () => {
    // The sidecar spawns the user's scripts and reads their files, so it must run on the
    // machine that holds the workspace, never on the UI side of a remote window.
    const extension = vscode.extensions.getExtension('stepflow.stepflow');
    assert.ok(extension, 'StepFlow is installed');
    assert.deepEqual(extension.packageJSON.extensionKind, ['workspace']);
    assert.equal(extension.extensionKind, vscode.ExtensionKind.Workspace);
  });

  for (const file of ['steps.sh', 'hello.py']) {
    test(`offers "Run with StepFlow" as a CodeLens at the top of ${file}`, async () => {
      const uri = workspaceFile(file);
      await vscode.window.showTextDocument(uri);
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      const titles = lenses.map((lens) => lens.command?.title);
      assert.ok(titles.includes('▶ Run with StepFlow'), `lenses: ${JSON.stringify(titles)}`);
      assert.ok(titles.includes('Run with profile…'));
      const run = lenses.find((lens) => lens.command?.title === '▶ Run with StepFlow')!;
      assert.equal(run.range.start.line, 0);
      assert.equal(run.command?.command, 'stepflow.runFile');
    });
  }

  test('the run command produces a run whose steps reach the tree in order with their states', async () => {
    const runId = await api.launcher.run(workspaceFile('steps.sh'));
    assert.ok(runId, 'a run id');
    const run = await waitForRun(api, (r) => r.record.id === runId && r.record.status !== 'running', 'the run to finish');
    assert.equal(run.record.status, 'succeeded');

    const runNode = api.tree.getChildren().find((n) => n.runId === runId)!;
    assert.ok(runNode, 'the run is in the tree');
    assert.equal(api.tree.getTreeItem(runNode).label, 'steps.sh');
    const label = (node: RunNode) => String(api.tree.getTreeItem(node).label);
    const icon = (node: RunNode) => (api.tree.getTreeItem(node).iconPath as vscode.ThemeIcon).id;
    const top = api.tree.getChildren(runNode);
    assert.deepEqual(top.map(label), ['Prepare', 'Build']);
    assert.deepEqual(top.map(icon), ['pass', 'pass']);
    const build = api.tree.getChildren(top[1]);
    assert.deepEqual(build.map(label), ['Compile', 'Build output'], 'child step, then the artifact under its step');
    assert.equal(build[1].kind, 'artifact');
    assert.match(String(api.tree.getTreeItem(top[0]).description), /\d+ ms|\d+\.\d s/);
  });

  test('cancel stops the whole process tree and marks the run cancelled', async () => {
    const pidsFile = workspaceFile('tree.pids').fsPath;
    fs.rmSync(pidsFile, { force: true });
    const runId = await api.launcher.run(workspaceFile('tree.sh'));
    assert.ok(runId);
    await waitForRun(api, (r) => r.record.id === runId && [...r.steps.values()].some((s) => s.name === 'Ready'), 'the tree to be up');
    const pids = fs.readFileSync(pidsFile, 'utf8').trim().split('\n').map(Number);
    assert.equal(pids.length, 4, 'two sleeps, a nested bash and the script');
    assert.ok(pids.every((pid) => !processGone(pid)), 'all processes alive before cancel');

    assert.equal(await vscode.commands.executeCommand('stepflow.cancelRun', runId), true);
    const run = await waitForRun(api, (r) => r.record.id === runId && r.record.status !== 'running', 'the run to end');
    assert.equal(run.record.status, 'cancelled');
    await pollUntil(() => pids.every(processGone), 'every process of the tree to be gone');
  });

  test('a failing step with a location becomes a diagnostic at that file and line', async () => {
    const uri = workspaceFile('failing.sh');
    const diagnosticsArrived = new Promise<vscode.Diagnostic[]>((resolve) => {
      const sub = vscode.languages.onDidChangeDiagnostics((event) => {
        if (!event.uris.some((u) => u.toString() === uri.toString())) return;
        const found = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'StepFlow');
        if (found.length > 0) {
          sub.dispose();
          resolve(found);
        }
      });
    });
    const runId = await api.launcher.run(uri);
    assert.ok(runId);
    const [diagnostic] = await diagnosticsArrived;
    assert.equal(diagnostic.range.start.line, 4, 'line 5, zero-based');
    assert.equal(diagnostic.range.start.character, 2, 'column 3, zero-based');
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error);
    assert.match(diagnostic.message, /Check: the check found a problem/);
  });

  test('a run started with the CLI in a terminal appears in the tree while it runs', async () => {
    const script = workspaceFile('hello.py').fsPath;
    const cli = spawn(process.execPath, [path.join(repoRoot(), 'bin', 'stepflow.js'), 'run', script, '--json'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => cli.on('exit', resolve));
    try {
      const run = await waitForRun(api, (r) => r.record.script === script && r.record.steps.some((s) => s.name === 'Greet'), 'the CLI run to appear');
      assert.equal(run.record.steps[0].name, 'Greet');
      await exited;
      await waitForRun(api, (r) => r.record.id === run.record.id && r.record.status === 'succeeded', 'the CLI run to finish in the tree');
    } finally {
      if (cli.exitCode === null && cli.signalCode === null) cli.kill('SIGTERM');
    }
  });

  test('a crashed sidecar restarts, adopts the run it was running, and the run ends with its real status', async () => {
    // The script waits for a gate the test opens only after the new sidecar is up.
    const dir = workspaceFile('adopt').fsPath;
    fs.mkdirSync(dir, { recursive: true });
    const gate = path.join(dir, 'gate');
    fs.rmSync(gate, { force: true });
    const script = path.join(dir, 'survivor.sh');
    fs.writeFileSync(
      script,
      ['#!/usr/bin/env bash', 'echo "STEP_START:Before"', `while [ ! -e '${gate}' ]; do sleep 0.05; done`, 'echo "STEP_COMPLETE:Before"', 'echo "STEP_START:After"', 'exit 3', ''].join('\n'),
      { mode: 0o755 },
    );
    const runId = await api.launcher.run(vscode.Uri.file(script));
    try {
      assert.ok(runId);
      await waitForRun(api, (r) => r.record.id === runId && [...r.steps.values()].some((s) => s.name === 'Before'), 'the run to be under way');
      const sidecar = sidecarPid();
      assert.ok(sidecar, 'the sidecar process is a child of the extension host');

      const restarted = new Promise<void>((resolve) => {
        const sub = api.client.onDidChangeState((change) => {
          if (change.newState === State.Running) {
            sub.dispose();
            resolve();
          }
        });
      });
      process.kill(sidecar, 'SIGKILL');
      await restarted;
      assert.notEqual(sidecarPid(), sidecar, 'a new sidecar process');
      const adopted = await waitForRun(api, (r) => r.record.id === runId, 'the run in the tree after the restart');
      assert.equal(adopted.record.status, 'running', 'the script survived the crash and its run is still running');

      fs.writeFileSync(gate, '');
      const run = await waitForRun(api, (r) => r.record.id === runId && r.record.status !== 'running', 'the adopted run to end');
      assert.equal(run.record.status, 'failed');
      assert.equal(run.record.exitCode, 3);
      assert.deepEqual([...run.steps.values()].map((s) => s.name), ['Before', 'After']);
    } finally {
      // However the test ends, the script is not left waiting for its gate (it then exits at once).
      fs.writeFileSync(gate, '');
    }
  });
});

/** The pid of the `sidecar.js lsp` child of this extension host, from /proc. */
function sidecarPid(): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && cmdline.some((a) => a.endsWith('sidecar.js')) && cmdline.includes('lsp')) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}
