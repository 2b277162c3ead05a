// `stepflow search` and `stepflow show --log --from`: a log line found from the terminal,
// with its run, line and step, and the command that prints the log from that line.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { runCli, tempDir, writeScript } from '../support/cli';

describe('stepflow search', () => {
  let home: string;
  let work: string;

  beforeEach(() => {
    home = tempDir('stepflow-home-');
    work = tempDir('stepflow-work-');
  });
  afterEach(() => {
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('lists the matching lines with run, line and step, and names the command that opens the log there', async () => {
    const script = writeScript(
      work,
      'build.sh',
      ['#!/usr/bin/env bash', 'echo "before"', 'echo "STEP_START:Build"', 'echo "STEP_START:Compile"', 'echo "error: 100% of_files FAILED"', 'echo "after it"', 'echo "STEP_COMPLETE:Compile"', 'echo "STEP_COMPLETE:Build"'].join('\n'),
    );
    const run = await runCli(['run', '--json', script], { home });
    assert.equal(run.code, 0, run.stderr);
    const id = (JSON.parse(run.stdout) as { id: string }).id;

    const found = await runCli(['search', '100%', 'OF_FILES'], { home });
    assert.equal(found.code, 0, found.stderr);
    assert.deepEqual(found.stdout.trimEnd().split('\n'), [`${id}:4  Build › Compile  error: 100% of_files FAILED`, `open one: stepflow show ${id} --log --from 4`]);

    const json = await runCli(['search', 'failed', '--json', '--run', id.slice(0, 8)], { home });
    assert.deepEqual(JSON.parse(json.stdout), [{ runId: id, line: 4, stream: 'stdout', text: 'error: 100% of_files FAILED', step: ['Build', 'Compile'] }]);

    const opened = await runCli(['show', id, '--log', '--from', '4'], { home });
    assert.equal(opened.code, 0, opened.stderr);
    assert.deepEqual(opened.stdout.split('\n').slice(0, 2), ['error: 100% of_files FAILED', 'after it']);

    const none = await runCli(['search', '%_'], { home });
    assert.equal(none.stdout, 'no log line contains "%_"\n', 'LIKE wildcards are plain characters');
  });

  it('says in one line what is wrong with its arguments', async () => {
    const missing = await runCli(['search'], { home });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^stepflow: missing the text to find — usage: stepflow search <text>/);
    const fromWithoutLog = await runCli(['show', 'abc', '--from', '3'], { home });
    assert.notEqual(fromWithoutLog.code, 0);
    assert.equal(fromWithoutLog.stderr.trim().split('\n').length, 1);
  });
});
