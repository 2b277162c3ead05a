// `stepflow.run.*` settings reach the sidecar for every way of starting a run: with
// `stepflow.run.separateStderr` on, a script's stderr lines are stored marked as stderr (off,
// both streams share one ordered spool and every line is stored as stdout) — for a first run
// and for a rerun from the tree alike.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { LogLine } from '../../../sidecar/protocol/history';
import { ReadLogRequest } from '../../../sidecar/protocol/lsp';
import type { StepflowApi } from '../../../extension/main';
import { stepflowApi, waitForRun, workspaceFile } from './helpers';

suite('StepFlow settings reach the sidecar', () => {
  let api: StepflowApi;
  const setting = () => vscode.workspace.getConfiguration('stepflow');

  suiteSetup(async () => {
    api = await stepflowApi();
    fs.writeFileSync(
      workspaceFile('streams.sh').fsPath,
      ['#!/usr/bin/env bash', 'echo "STEP_START:Streams"', 'echo "to stdout"', 'echo "to stderr" >&2', 'echo "STEP_COMPLETE:Streams"', ''].join('\n'),
      { mode: 0o755 },
    );
  });

  suiteTeardown(async () => {
    await setting().update('run.separateStderr', undefined, vscode.ConfigurationTarget.Global);
  });

  /** The stream each stored line of a finished run was marked with, by text. */
  async function streamsOf(runId: string): Promise<Record<string, string>> {
    await waitForRun(api, (r) => r.record.id === runId && r.record.status !== 'running', 'the run to finish');
    // By method name: this bundle's copy of the typed request is not the client's class.
    const lines = await api.client.sendRequest<LogLine[]>(ReadLogRequest.method, { runId, fromLine: 1, maxLines: 100 });
    return Object.fromEntries(lines.filter((l) => l.text.startsWith('to ')).map((l) => [l.text.trimEnd(), l.stream]));
  }

  test('separateStderr on: stderr lines are stored as stderr, on the first run and on a rerun', async () => {
    await setting().update('run.separateStderr', true, vscode.ConfigurationTarget.Global);
    const runId = await api.launcher.run(workspaceFile('streams.sh'));
    assert.ok(runId);
    assert.deepEqual(await streamsOf(runId), { 'to stdout': 'stdout', 'to stderr': 'stderr' });

    const rerunId = await vscode.commands.executeCommand<string | undefined>('stepflow.rerun', runId);
    assert.ok(rerunId && rerunId !== runId, 'a new run');
    assert.deepEqual(await streamsOf(rerunId), { 'to stdout': 'stdout', 'to stderr': 'stderr' }, 'the rerun reads the setting too');
  });

  test('separateStderr off (the default): one ordered stream, every line stored as stdout', async () => {
    await setting().update('run.separateStderr', undefined, vscode.ConfigurationTarget.Global);
    const runId = await api.launcher.run(workspaceFile('streams.sh'));
    assert.ok(runId);
    assert.deepEqual(await streamsOf(runId), { 'to stdout': 'stdout', 'to stderr': 'stdout' });
  });
});
