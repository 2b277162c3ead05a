// startProcess with real child processes: output, exit codes, signals, process-group
// cancel, timeouts, pipes held by grandchildren, spawn failures, and (with
// resolveInvocation) that block-buffering children deliver lines as they are printed.
// Waits are on events and conditions; only the child scripts sleep.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveInvocation } from '../../sidecar/runner/interpreter';
import { shellExitCode, startProcess } from '../../sidecar/runner/processRunner';
import type { RunningProcess, StartOptions } from '../../sidecar/runner/processRunner';

interface Line { stream: 'stdout' | 'stderr'; text: string; at: number }

/** Collects output as whole lines with their arrival time. */
function collect(rp: RunningProcess): { lines: Line[]; text: (s?: 'stdout' | 'stderr') => string } {
  const lines: Line[] = [];
  const partial = { stdout: '', stderr: '' };
  rp.onOutput((stream, chunk) => {
    const at = performance.now();
    const parts = (partial[stream] + chunk.toString('utf8')).split('\n');
    partial[stream] = parts.pop()!;
    for (const text of parts) lines.push({ stream, text, at });
  });
  const text = (s?: 'stdout' | 'stderr'): string => lines.filter((l) => !s || l.stream === s).map((l) => l.text).join('\n');
  return { lines, text };
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Gone = no such process, or a zombie: on these machines PID 1 does not reap orphans,
 * so a killed grandchild can linger as <defunct> although it is dead. */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw e;
  }
  try {
    return / Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\)/, ''));
  } catch {
    return true;
  }
}

describe('runner/processRunner', () => {
  let tmp: string;
  const started: RunningProcess[] = [];
  const baseEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['PYTHONUNBUFFERED', 'PERL5OPT', 'PERL5LIB', 'RUBYOPT']) delete baseEnv[k];

  const script = (name: string, body: string, mode = 0o755): string => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, body, { mode });
    return file;
  };
  const start = (o: Partial<StartOptions> & Pick<StartOptions, 'command' | 'args'>): RunningProcess => {
    const rp = startProcess({ cwd: tmp, env: { ...baseEnv, PIDS: path.join(tmp, 'pids') }, ...o });
    started.push(rp);
    return rp;
  };
  const bash = (body: string, o: Partial<StartOptions> = {}): RunningProcess =>
    start({ command: 'bash', args: [script(`s${started.length}.sh`, body)], ...o });
  const pids = (): number[] => {
    const f = path.join(tmp, 'pids');
    return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map(Number) : [];
  };

  beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-proc-')); });
  afterEach(() => {
    for (const rp of started.splice(0)) rp.killGroup('SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('delivers stdout and stderr and reports exit 0', async () => {
    const rp = bash('echo out1; echo err1 >&2; echo out2');
    const out = collect(rp);
    assert.equal(typeof rp.pid, 'number');
    const o = await rp.done;
    assert.deepEqual(o, { exitCode: 0, signal: null, reason: 'exited' });
    assert.equal(out.text('stdout'), 'out1\nout2');
    assert.equal(out.text('stderr'), 'err1');
    assert.equal(shellExitCode(o), 0);
  });

  it('delivers every byte exactly once: lines split across writes, a 600 KB line, no final newline', async () => {
    // The half line is written, then the script waits until we have seen the line before
    // it, so the two halves reach us in two reads for sure.
    const seen = path.join(tmp, 'seen');
    const rp = bash(`printf 'first\\nSTEP_STA'; while [ ! -e ${seen} ]; do sleep 0.02; done; printf 'RT:Build\\n'; head -c 600000 /dev/zero | tr '\\0' x; printf '\\nlast without newline'`);
    const chunks: Buffer[] = [];
    rp.onOutput((_stream, chunk) => {
      chunks.push(Buffer.from(chunk));
      if (Buffer.concat(chunks).includes('first\n')) fs.writeFileSync(seen, '');
    });
    assert.equal((await rp.done).exitCode, 0);
    const all = Buffer.concat(chunks).toString('latin1');
    assert.equal(all, `first\nSTEP_START:Build\n${'x'.repeat(600000)}\nlast without newline`);
    // Whole lines where the line fits a read: the marker was never cut in two.
    assert.ok(chunks.every((c) => !c.toString('latin1').endsWith('STEP_STA')), 'a chunk ended inside the marker line');
  });

  it('leaves no spool files behind', async () => {
    const spoolRoot = fs.mkdtempSync(path.join(tmp, 'tmpdir-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = spoolRoot; // where os.tmpdir() puts the spool
    try {
      const rp = bash('head -c 3000000 /dev/zero | tr "\\0" "y" | fold -w 79');
      assert.equal(fs.readdirSync(spoolRoot).length, 1, 'the spool lives in TMPDIR while the script runs');
      assert.equal((await rp.done).exitCode, 0);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    await waitFor(() => fs.readdirSync(spoolRoot).length === 0, 'the spool folder to be removed');
  });

  it('reports a non-zero exit code', async () => {
    const o = await bash('exit 7').done;
    assert.deepEqual([o.exitCode, o.signal, o.reason, shellExitCode(o)], [7, null, 'exited', 7]);
  });

  it('gives the script a closed stdin', async () => {
    const rp = bash('read -r x; echo "read=$?"; cat; echo "cat=$?"');
    const out = collect(rp);
    await rp.done;
    assert.equal(out.text(), 'read=1\ncat=0');
  });

  it('a script that kills itself with SIGKILL → signal SIGKILL, shell code 137', async () => {
    const o = await bash('echo hi; kill -KILL $$').done;
    assert.deepEqual([o.exitCode, o.signal, o.reason, shellExitCode(o)], [null, 'SIGKILL', 'exited', 137]);
  });

  it('a script killed from outside reports that signal', async () => {
    const rp = bash('echo READY; exec sleep 1000');
    const out = collect(rp);
    await waitFor(() => out.text() === 'READY', 'READY');
    process.kill(rp.pid!, 'SIGTERM');
    const o = await rp.done;
    assert.deepEqual([o.signal, o.reason, shellExitCode(o)], ['SIGTERM', 'exited', 143]);
  });

  it('cancel kills the whole process tree', async () => {
    const rp = bash(`
      echo $$ >> "$PIDS"
      sleep 1000 & echo $! >> "$PIDS"
      bash -c 'sleep 1000 & echo $! >> "$PIDS"; sleep 1000 & echo $! >> "$PIDS"; echo $$ >> "$PIDS"; wait' &
      wait`);
    await waitFor(() => pids().length === 5, 'five pids');
    const all = pids();
    assert.ok(all.every((p) => !isGone(p)), 'all alive before cancel');
    rp.cancel();
    const o = await rp.done;
    assert.deepEqual([o.reason, o.signal], ['cancelled', 'SIGTERM']);
    await waitFor(() => all.every(isGone), `pids ${all.join(',')} gone`);
  });

  it('SIGKILLs a script that ignores SIGTERM after the grace period', async () => {
    const rp = bash(`trap '' TERM; echo READY; while :; do sleep 1; done`, { graceMs: 400 });
    const out = collect(rp);
    await waitFor(() => out.text() === 'READY', 'READY');
    const t0 = performance.now();
    rp.cancel();
    rp.cancel(); // idempotent
    const o = await rp.done;
    assert.deepEqual([o.reason, o.signal, shellExitCode(o)], ['cancelled', 'SIGKILL', 137]);
    assert.ok(performance.now() - t0 >= 350, 'waited for the grace period first');
  });

  it('after cancel, SIGKILLs grandchildren that ignore SIGTERM and outlive the script', async () => {
    const rp = bash(`bash -c 'trap "" TERM; echo $$ >> "$PIDS"; while :; do sleep 1; done' & wait`, { graceMs: 300 });
    await waitFor(() => pids().length === 1, 'grandchild pid');
    rp.cancel();
    const o = await rp.done;
    assert.deepEqual([o.reason, o.signal], ['cancelled', 'SIGTERM']);
    await waitFor(() => isGone(pids()[0]!), 'stubborn grandchild gone');
  });

  it('times out: SIGTERM to the group, reason timed_out', async () => {
    const rp = bash('echo READY; sleep 1000', { timeoutMs: 300 });
    const o = await rp.done;
    assert.deepEqual([o.reason, o.signal, shellExitCode(o)], ['timed_out', 'SIGTERM', 143]);
  });

  it('ends when the script exits although a background grandchild holds the pipes', async () => {
    const rp = bash('(sleep 30 & echo $! >> "$PIDS"); seq 1 100000; echo tail >&2; exit 3');
    const out = collect(rp);
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const o = await Promise.race([rp.done, new Promise<null>((r) => { timer = setTimeout(r, 10_000, null); })]);
    clearTimeout(timer);
    assert.ok(o, 'done resolved long before the grandchild ends');
    assert.deepEqual([o.exitCode, o.reason], [3, 'exited']);
    assert.ok(performance.now() - t0 < 10_000);
    const nums = out.lines.filter((l) => l.stream === 'stdout');
    assert.equal(nums.length, 100000, 'all output written before exit was drained');
    assert.equal(nums[99999]!.text, '100000');
    assert.equal(out.text('stderr'), 'tail');
    // The group outlives its leader: killGroup still reaches the grandchild.
    const [sleeper] = pids();
    assert.ok(!isGone(sleeper!));
    assert.equal(rp.killGroup('SIGKILL'), true);
    await waitFor(() => isGone(sleeper!), 'grandchild killed');
  });

  it('cancel after exit is a no-op; killGroup reports a vanished group', async () => {
    const rp = bash('exit 0');
    const o = await rp.done;
    rp.cancel();
    assert.equal(o.reason, 'exited');
    assert.equal(rp.killGroup('SIGTERM'), false);
  });

  it('stops delivering to a disposed listener', async () => {
    const rp = bash('echo one; sleep 0.2; echo two');
    const seen: string[] = [];
    const sub = rp.onOutput((_s, c) => {
      seen.push(c.toString());
      sub.dispose();
    });
    await rp.done;
    assert.deepEqual(seen, ['one\n']);
  });

  describe('spawn failures resolve, never throw', () => {
    it('ENOENT', async () => {
      const o = await start({ command: path.join(tmp, 'missing'), args: [] }).done;
      assert.equal(o.reason, 'spawn_failed');
      assert.match(o.error!, /^cannot start .*missing: command not found \(ENOENT\)$/);
      assert.equal(shellExitCode(o), 127);
    });

    it('EACCES (not executable)', async () => {
      const file = script('plain.sh', 'echo hi\n', 0o644);
      const o = await start({ command: file, args: [] }).done;
      assert.deepEqual([o.reason, o.errorCode, shellExitCode(o)], ['spawn_failed', 'EACCES', 126]);
      assert.ok(!o.error!.includes('\n'));
    });

    it('a missing working directory is named', async () => {
      const o = await start({ command: 'bash', args: ['-c', 'true'], cwd: path.join(tmp, 'gone') }).done;
      assert.equal(o.reason, 'spawn_failed');
      assert.match(o.error!, /working directory not found: .*gone/);
    });

    it('invalid arguments', async () => {
      const o = await start({ command: 'bash', args: ['a\0b'] }).done;
      assert.equal(o.reason, 'spawn_failed');
    });
  });

  describe('with resolveInvocation: lines arrive when printed', () => {
    const STEP = 'print "STEP_START:a\\n"; sleep 2; print "STEP_COMPLETE:a\\n";\n';
    const run = async (file: string, env: NodeJS.ProcessEnv = baseEnv) => {
      const inv = await resolveInvocation({ script: file, args: [], env });
      const rp = start({ command: inv.command, args: inv.args, env: { ...env, ...inv.env } });
      const out = collect(rp);
      const o = await rp.done;
      assert.equal(o.exitCode, 0, out.text());
      return { inv, out };
    };
    const gap = (lines: Line[]): number => {
      const at = (t: string) => lines.find((l) => l.text === t)?.at ?? NaN;
      return at('STEP_COMPLETE:a') - at('STEP_START:a');
    };

    it('python3 (PYTHONUNBUFFERED)', async () => {
      const { inv, out } = await run(script('a.py', 'import time\nprint("STEP_START:a")\ntime.sleep(2)\nprint("STEP_COMPLETE:a")\n', 0o644));
      assert.equal(inv.interpreter, 'python3');
      assert.ok(gap(out.lines) >= 1500, `gap ${gap(out.lines)} ms`);
    });

    it('perl (autoflush module via PERL5OPT)', async () => {
      const { out } = await run(script('a.pl', STEP, 0o644));
      assert.ok(gap(out.lines) >= 1500, `gap ${gap(out.lines)} ms`);
    });

    it('grep inside a shell script (stdbuf -oL)', async () => {
      const { inv, out } = await run(script('a.sh', '{ echo STEP_START:a; sleep 2; echo STEP_COMPLETE:a; } | grep STEP\n', 0o644));
      assert.equal(inv.args[0], '-oL');
      assert.ok(gap(out.lines) >= 1500, `gap ${gap(out.lines)} ms`);
    });

    // ruby comes from scripts/install-test-deps.sh (Debian's package).
    it('ruby (RUBYOPT sync shim)', async () => {
      const { out } = await run(script('a.rb', 'puts "STEP_START:a"; sleep 2; puts "STEP_COMPLETE:a"\n', 0o644));
      assert.ok(gap(out.lines) >= 1500, `gap ${gap(out.lines)} ms`);
    });

    it('control: without the measures the same children do buffer', async () => {
      const py = script('b.py', 'import time\nprint("STEP_START:a")\ntime.sleep(2)\nprint("STEP_COMPLETE:a")\n');
      const pl = script('b.pl', STEP);
      const sh = script('b.sh', '{ echo STEP_START:a; sleep 2; echo STEP_COMPLETE:a; } | grep STEP\n');
      const runRaw = async (command: string, file: string): Promise<number> => {
        const rp = start({ command, args: [file] });
        const out = collect(rp);
        await rp.done;
        return gap(out.lines);
      };
      const gaps = await Promise.all([runRaw('python3', py), runRaw('perl', pl), runRaw('bash', sh)]);
      for (const g of gaps) assert.ok(g < 1000, `gaps ${gaps.join(', ')} ms`);
    });

    it('a .ts script through a project-local tsx', async () => {
      const local = path.join(tmp, 'node_modules', '.bin');
      const tsx = path.resolve('node_modules/.bin/tsx');
      fs.mkdirSync(local, { recursive: true });
      fs.symlinkSync(tsx, path.join(local, 'tsx'));
      const { inv, out } = await run(script('a.ts', 'const n: number = 42;\nconsole.log(`ts ${n} ${process.argv.slice(2).length}`);\n'));
      assert.equal(inv.interpreter, 'tsx');
      assert.equal(out.text(), 'ts 42 0');
    });
  });
});
