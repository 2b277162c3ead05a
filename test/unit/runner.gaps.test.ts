// Process behaviours a user relies on that no other test pinned down: output a
// background grandchild writes after the script exited, `--timeout 0`, cancelling twice
// and cancelling a run that already timed out. Real child processes in a temporary folder;
// the tests wait on output, files and the outcome, never on the clock.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startProcess } from '../../sidecar/runner/processRunner';
import type { ProcessOutcome, RunningProcess, StartOptions } from '../../sidecar/runner/processRunner';
import { pollUntil } from '../support/poll';
import { tempFolderPerTest } from '../support/tempFolder';

interface Collected {
  lines: Array<{ stream: 'stdout' | 'stderr'; text: string }>;
  has(text: string): boolean;
  count(text: string): number;
}

function collect(rp: RunningProcess): Collected {
  const lines: Collected['lines'] = [];
  const partial = { stdout: '', stderr: '' };
  rp.onOutput((stream, chunk) => {
    const parts = (partial[stream] + chunk.toString('utf8')).split('\n');
    partial[stream] = parts.pop()!;
    for (const text of parts) lines.push({ stream, text });
  });
  return {
    lines,
    has: (text) => lines.some((l) => l.text === text),
    count: (text) => lines.filter((l) => l.text === text).length,
  };
}

/** Resolves once `cond` holds, or rejects when the process ends first (so a broken product fails fast). */
function until(cond: () => boolean, rp: RunningProcess, what: string): Promise<void> {
  let ended: ProcessOutcome | undefined;
  void rp.done.then((o) => { ended = o; });
  return pollUntil(cond, what, { failIf: () => (ended ? `process ended (${JSON.stringify(ended)})` : undefined) });
}

describe('runner: gaps', () => {
  let tmp: string;
  const started: RunningProcess[] = [];
  const bash = (body: string, o: Partial<StartOptions> = {}): RunningProcess => {
    const file = path.join(tmp, `s${started.length}.sh`);
    fs.writeFileSync(file, body, { mode: 0o755 });
    const rp = startProcess({ command: 'bash', args: [file], cwd: tmp, env: { ...process.env, STOP: path.join(tmp, 'stop') }, ...o });
    started.push(rp);
    return rp;
  };
  const stop = () => fs.writeFileSync(path.join(tmp, 'stop'), '');

  tempFolderPerTest('sf-gaps-', {
    beforeTest: (folder) => (tmp = folder),
    afterTest: () => { for (const rp of started.splice(0)) rp.killGroup('SIGKILL'); },
  });

  // The grandchild waits until the script (its parent, $$) is gone, then writes.
  const lateWriter = `( while kill -0 $$ 2>/dev/null; do sleep 0.01; done; echo late; echo late-err >&2 ) &
echo early
exit 4
`;

  for (const spool of [true, false]) {
    it(`keeps output a background grandchild writes after the script exits (${spool ? 'spool files' : 'pipes'})`, async () => {
      const rp = bash(lateWriter, { spool, drainMs: 1500 });
      const out = collect(rp);
      const o = await rp.done;
      assert.deepEqual([o.exitCode, o.reason], [4, 'exited']);
      assert.ok(out.has('early'));
      assert.ok(out.has('late'), `late output missing: ${JSON.stringify(out.lines)}`);
      assert.deepEqual(out.lines.find((l) => l.text === 'late-err')?.stream, 'stderr');
    });
  }

  it('ends as soon as the script exits when nothing of it is left (no drain wait)', async () => {
    const rp = bash('echo only; exit 0', { drainMs: 600_000 });
    const out = collect(rp);
    const o = await rp.done;
    assert.deepEqual([o.exitCode, o.signal, o.reason], [0, null, 'exited']);
    assert.ok(out.has('only'));
  });

  for (const timeoutMs of [0, -1]) {
    it(`treats a timeout of ${timeoutMs} (\`--timeout ${timeoutMs}\`) as no time limit`, async () => {
      const rp = bash('echo ready; while [ ! -e "$STOP" ]; do sleep 0.02; done; echo finished', { timeoutMs });
      const out = collect(rp);
      await until(() => out.has('ready'), rp, 'ready');
      stop();
      const o = await rp.done;
      assert.deepEqual([o.exitCode, o.signal, o.reason], [0, null, 'exited']);
      assert.ok(out.has('finished'));
    });
  }

  // The script survives SIGTERM (it only reports it) so a second signal would show.
  const termCounter = `trap 'echo term' TERM
echo ready
while [ ! -e "$STOP" ]; do sleep 0.02; done
echo stopped
`;

  it('cancelling twice sends one SIGTERM and reports cancelled', async () => {
    const rp = bash(termCounter, { graceMs: 600_000 });
    const out = collect(rp);
    await until(() => out.has('ready'), rp, 'ready');
    rp.cancel();
    await until(() => out.has('term'), rp, 'the first SIGTERM');
    rp.cancel();
    // A second SIGTERM would be sent right here and trapped before the loop sees the file.
    stop();
    const o = await rp.done;
    assert.equal(o.reason, 'cancelled');
    assert.equal(out.count('term'), 1, JSON.stringify(out.lines));
    assert.ok(out.has('stopped'));
  });

  it('cancelling a run that already timed out keeps it timed out and sends nothing more', async () => {
    const rp = bash(termCounter, { timeoutMs: 500, graceMs: 600_000 });
    const out = collect(rp);
    await until(() => out.has('term'), rp, 'the timeout’s SIGTERM');
    rp.cancel();
    rp.cancel();
    stop();
    const o = await rp.done;
    assert.deepEqual([o.reason, o.exitCode], ['timed_out', 0]);
    assert.equal(out.count('term'), 1, JSON.stringify(out.lines));
  });

  it('reaches the running script’s process group with killGroup', async () => {
    const rp = bash('echo ready; while :; do sleep 0.02; done');
    const out = collect(rp);
    await until(() => out.has('ready'), rp, 'ready');
    assert.equal(typeof rp.pid, 'number');
    assert.equal(rp.killGroup('SIGTERM'), true);
    const o = await rp.done;
    assert.deepEqual([o.reason, o.signal], ['exited', 'SIGTERM']);
  });

  it('gives the spool files’ paths with spool files and none with pipes', async () => {
    const withSpool = bash('echo a');
    assert.ok(withSpool.spoolFiles && withSpool.spoolFiles.stdout.endsWith('stdout') && withSpool.spoolFiles.stderr.endsWith('stderr'));
    await withSpool.done;
    const withPipes = bash('echo a', { spool: false });
    assert.equal(withPipes.spoolFiles, null);
    await withPipes.done;
  });
});
