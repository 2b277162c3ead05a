// The pieces that let a run outlive its language server (runs/adoption.ts): the watchdog's
// adoptable registrations (a dry run of its script: every kill becomes an echo) and the
// exit-status wrapper, with real `sh` processes.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WATCHDOG_SCRIPT } from '../../sidecar/runner/processGroup';
import { EXIT_STATUS_FILE, commandExists, readExitStatus, wrapForExitStatus } from '../../sidecar/runner/exitStatus';
import { tempDir } from '../support/cli';

/** The watchdog's output with kill replaced by echo; "0 <pgid>" (kill -0, the liveness probe) left out. */
function dryRun(input: string): string[] {
  const script = WATCHDOG_SCRIPT.replace(/kill -s (\w+) -- "-\$p" 2>\/dev\/null/g, 'echo $1 $p').replace('sleep "$grace"', 'echo sleep $grace');
  assert.doesNotMatch(script, /\bkill\b/, 'the dry run signals nothing');
  const r = spawnSync('/bin/sh', ['-c', script, 'stepflow-watchdog'], { input, encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').filter((l) => l !== '' && !l.startsWith('0 '));
}

function run(command: string, args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => spawn(command, args, { stdio: 'ignore' }).on('exit', (code, signal) => resolve({ code, signal })));
}

describe('adoptable runs: watchdog and exit status', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('stepflow-adoptable-');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('on EOF the watchdog ends plain groups at once, drops adoptable groups whose claim is gone, and ends the unclaimed ones after the wait', () => {
    const claimed = path.join(dir, 'owner 1'); // a space in the name: read to the end of the line
    fs.writeFileSync(claimed, '');
    const out = dryRun(`+4242 0.3\n~5000 0.5 2 ${claimed}\n~6000 0.5 2 ${path.join(dir, 'adopted-meanwhile')}\n~7000 0.5 2 ${claimed}\n-7000\n~0 0.5 2 ${claimed}\n~8000 0.5 2\n`);
    assert.deepEqual(out, ['TERM 4242', 'TERM 5000', 'sleep 0.5', 'KILL 4242', 'KILL 5000']);
  });

  it('the watchdog exits without signalling anything when every adoptable group was adopted', () => {
    assert.deepEqual(dryRun(`~5000 0.5 100 ${path.join(dir, 'gone')}\n`), []);
  });

  it('the wrapper writes the exit code and exits with it', async () => {
    const status = path.join(dir, EXIT_STATUS_FILE);
    const { command, args } = wrapForExitStatus('/bin/sh', ['-c', 'exit 7'], status);
    assert.deepEqual(await run(command, args), { code: 7, signal: null });
    assert.deepEqual(readExitStatus(dir), { exitCode: 7, signal: null });
  });

  it('a script killed by a signal: the wrapper records it and dies of the same signal', async () => {
    const status = path.join(dir, EXIT_STATUS_FILE);
    const { command, args } = wrapForExitStatus('/bin/sh', ['-c', 'kill -s TERM $$'], status);
    assert.deepEqual(await run(command, args), { code: null, signal: 'SIGTERM' });
    assert.deepEqual(readExitStatus(dir), { exitCode: null, signal: 'SIGTERM' });
  });

  it('no status file, or a cut one, is no status; commands are found on PATH or by path', () => {
    assert.equal(readExitStatus(dir), undefined);
    fs.writeFileSync(path.join(dir, EXIT_STATUS_FILE), '1');
    assert.equal(readExitStatus(dir), undefined);
    assert.equal(commandExists('sh', { PATH: '/usr/bin:/bin' }), true);
    assert.equal(commandExists('/bin/sh', {}), true);
    assert.equal(commandExists('no-such-command-stepflow', { PATH: '/usr/bin:/bin' }), false);
    assert.equal(commandExists(dir, {}), false, 'a folder is no command');
  });
});
