// `stepflow <command> --help` / `-h`, `stepflow help`, unknown options, and `run script --help`.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { runCli, tempDir, writeScript } from '../support/cli';

describe('stepflow CLI help', () => {
  let home: string;
  beforeEach(() => (home = tempDir('stepflow-home-')));
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  for (const command of ['run', 'history', 'show', 'stats', 'report', 'prune', 'serve', 'help', 'version']) {
    for (const flag of ['--help', '-h']) {
      it(`${command} ${flag} prints its synopsis and exits 0`, async () => {
        const result = await runCli([command, flag], { home });
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, new RegExp(`^usage: stepflow ${command}\\b`));
        assert.equal(result.stderr, '');
      });
    }
  }

  it('stepflow --help and stepflow help list the commands', async () => {
    for (const args of [['--help'], ['help']]) {
      const result = await runCli(args, { home });
      assert.equal(result.code, 0);
      for (const command of ['run', 'history', 'show', 'stats', 'report', 'prune', 'serve']) assert.match(result.stdout, new RegExp(`^  ${command} `, 'm'));
    }
  });

  it('an unknown option names the command and its --help, exit 2', async () => {
    const result = await runCli(['history', '--frobnicate'], { home });
    assert.equal(result.code, 2);
    assert.equal(result.stderr, 'stepflow: unknown option --frobnicate for history (see stepflow history --help)\n');
  });

  it('run <script> --help passes --help to the script', async () => {
    const work = tempDir('stepflow-work-');
    const script = writeScript(work, 'a.sh', '#!/bin/bash\necho "args=$*"\n');
    const result = await runCli(['run', script, '--help', '-h'], { home });
    fs.rmSync(work, { recursive: true, force: true });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^args=--help -h$/m);
  });
});
