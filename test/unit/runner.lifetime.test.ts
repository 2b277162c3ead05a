// The guards of the process-lifetime machinery, without signalling anything real:
// a pgid of 0 or 1 is never used (kill(-1) would signal every process we may signal), and
// the watchdog's own script only registers plain numbers above 1. The script is run with
// its `kill` replaced by `echo`, so the test sees what it would signal.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { WATCHDOG_SCRIPT, groupAlive, isSignallableGroup, startIdentity } from '../../sidecar/runner/processGroup';

function dryRun(input: string): string[] {
  const script = WATCHDOG_SCRIPT.replace(/kill -s (\w+) -- "-\$p" 2>\/dev\/null/g, 'echo $1 $p').replace('sleep "$grace"', 'echo sleep $grace');
  assert.doesNotMatch(script, /\bkill\b/, 'the dry run signals nothing');
  const r = spawnSync('/bin/sh', ['-c', script, 'stepflow-watchdog'], { input, encoding: 'utf8', timeout: 5000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean);
}

describe('process-lifetime guards', () => {
  it('never treats 0, 1, negative or odd values as a process group to signal', () => {
    for (const bad of [0, 1, -1, -5, 1.5, NaN, Infinity, undefined, null, '42']) assert.equal(isSignallableGroup(bad), false, String(bad));
    assert.equal(isSignallableGroup(2), true);
    assert.equal(groupAlive(1), false);
    assert.equal(groupAlive(0), false);
  });

  it('the watchdog registers only plain numbers above 1, forgets released groups, and on EOF signals the rest (TERM, sleep, KILL)', () => {
    const out = dryRun('+1 0.1\n+0 0.1\n+abc 0.1\n+-1 0.1\n+ 0.1\n+01 0.1\n+4242 0.3\n+5353 0.3\n+6464 0.3\n-5353\n');
    assert.deepEqual(out, ['TERM 4242', 'TERM 6464', 'sleep 0.3', 'KILL 4242', 'KILL 6464']);
  });

  it('the watchdog exits without signalling anything when every group was released', () => {
    assert.deepEqual(dryRun('+4242 0.3\n-4242\n'), []);
  });

  it('identifies a process by boot id and start time (Linux), and a gone pid by nothing', function () {
    if (process.platform !== 'linux') this.skip();
    const me = startIdentity(process.pid);
    assert.match(me ?? '', /^linux:[0-9a-f-]+:\d+$/);
    assert.equal(startIdentity(process.pid), me, 'stable');
    assert.equal(startIdentity(2147483000), null);
  });
});
