// startProcess with real child processes: output, exit codes, signals, process-group
// cancel, timeouts, pipes held by grandchildren, spawn failures, and (with
// resolveInvocation) that block-buffering children deliver lines as they are printed.
// Waits are on events (output lines, gate files the test creates when it has seen a line)
// and, where nothing announces a change (a pid file, a process ending), on polled
// conditions with a generous overall limit. No assertion compares a wall-clock duration
// against a constant: the grace period is checked with a held timer (a logical clock), and
// "lines arrive when printed" by whether a child's gate opened before it went on.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveInvocation } from '../../sidecar/runner/interpreter';
import { shellExitCode, startProcess } from '../../sidecar/runner/processRunner';
import type { RunningProcess, StartOptions } from '../../sidecar/runner/processRunner';
import { pollUntil } from '../support/poll';
import { tempFolderPerTest } from '../support/tempFolder';

interface Line { stream: 'stdout' | 'stderr'; text: string }

/** Collects output as whole lines; `line(re)` resolves when a line matching arrives (or arrived). */
function collect(rp: RunningProcess, onLine?: (line: Line) => void): {
  lines: Line[];
  text: (s?: 'stdout' | 'stderr') => string;
  line: (re: RegExp) => Promise<Line>;
} {
  const lines: Line[] = [];
  const partial = { stdout: '', stderr: '' };
  const waiters: Array<{ re: RegExp; resolve: (l: Line) => void }> = [];
  rp.onOutput((stream, chunk) => {
    const parts = (partial[stream] + chunk.toString('utf8')).split('\n');
    partial[stream] = parts.pop()!;
    for (const text of parts) {
      const l = { stream, text };
      lines.push(l);
      onLine?.(l);
      for (const w of [...waiters]) if (w.re.test(text)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(l);
    }
  });
  const text = (s?: 'stdout' | 'stderr'): string => lines.filter((l) => !s || l.stream === s).map((l) => l.text).join('\n');
  const line = (re: RegExp): Promise<Line> => {
    const earlier = lines.find((l) => re.test(l.text));
    if (earlier) return Promise.resolve(earlier);
    const arrived = new Promise<Line>((resolve) => waiters.push({ re, resolve }));
    // The process ending without that line fails the wait at once instead of at the test timeout.
    const ended = rp.done.then(() => new Promise<never>((_r, reject) => setImmediate(() => reject(new Error(`ended without a line matching ${re}: ${JSON.stringify(text())}`)))));
    return Promise.race([arrived, ended]);
  };
  return { lines, text, line };
}

/**
 * A logical clock for one timer: while installed, `setTimeout` calls for exactly `ms` are
 * held (never fire on their own) until `fire()`. Used with a distinctive grace period, so
 * "nothing is SIGKILLed before the grace period ends" is a fact, not a measured duration.
 */
function holdTimers(ms: number): { pending: () => number; fire: () => void; restore: () => void } {
  const real = globalThis.setTimeout;
  const held: Array<() => void> = [];
  globalThis.setTimeout = ((fn: (...a: unknown[]) => void, delay?: number, ...args: unknown[]) => {
    if (delay !== ms) return real(fn, delay, ...args);
    held.push(() => fn(...args));
    // A stand-in handle: unref/ref work, clearTimeout ignores it (there is no _onTimeout).
    const handle = { unref: () => handle, ref: () => handle, hasRef: () => false, refresh: () => handle };
    return handle;
  }) as unknown as typeof setTimeout;
  return {
    pending: () => held.length,
    fire: () => held.splice(0).forEach((f) => f()),
    restore: () => {
      globalThis.setTimeout = real;
    },
  };
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

  tempFolderPerTest('sf-proc-', {
    beforeTest: (folder) => (tmp = folder),
    afterTest: () => { for (const rp of started.splice(0)) rp.killGroup('SIGKILL'); },
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
    await pollUntil(() => fs.readdirSync(spoolRoot).length === 0, 'the spool folder to be removed');
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
    await out.line(/^READY$/);
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
    await pollUntil(() => pids().length === 5, 'five pids');
    const all = pids();
    assert.ok(all.every((p) => !isGone(p)), 'all alive before cancel');
    rp.cancel();
    const o = await rp.done;
    assert.deepEqual([o.reason, o.signal], ['cancelled', 'SIGTERM']);
    await pollUntil(() => all.every(isGone), `pids ${all.join(',')} gone`);
  });

  it('SIGKILLs a script that ignores SIGTERM after the grace period, not before', async () => {
    const GRACE = 86_400_321; // a day and a bit: only the held timer can end this grace period
    const clock = holdTimers(GRACE);
    try {
      const rp = bash(`trap 'echo TERM' TERM; echo READY; while :; do sleep 0.05; done`, { graceMs: GRACE });
      const out = collect(rp);
      let settled = false;
      void rp.done.then(() => (settled = true));
      await out.line(/^READY$/);
      rp.cancel();
      rp.cancel(); // idempotent: one grace timer
      // The script got SIGTERM, survived it and keeps running: its group is not killed while
      // the grace period lasts, however long the machine takes to get here.
      await out.line(/^TERM$/);
      assert.equal(clock.pending(), 1, 'one grace timer, started by the first cancel');
      assert.equal(settled, false, 'not SIGKILLed during the grace period');
      clock.fire(); // the grace period is over
      const o = await rp.done;
      assert.deepEqual([o.reason, o.signal, shellExitCode(o)], ['cancelled', 'SIGKILL', 137]);
    } finally {
      clock.restore();
    }
  });

  it('after cancel, SIGKILLs grandchildren that ignore SIGTERM and outlive the script', async () => {
    const rp = bash(`bash -c 'trap "" TERM; echo $$ >> "$PIDS"; while :; do sleep 1; done' & wait`, { graceMs: 300 });
    await pollUntil(() => pids().length === 1, 'grandchild pid');
    rp.cancel();
    const o = await rp.done;
    assert.deepEqual([o.reason, o.signal], ['cancelled', 'SIGTERM']);
    await pollUntil(() => isGone(pids()[0]!), 'stubborn grandchild gone');
  });

  it('times out: SIGTERM to the group, reason timed_out', async () => {
    const rp = bash('echo READY; sleep 1000', { timeoutMs: 300 });
    const o = await rp.done;
    assert.deepEqual([o.reason, o.signal, shellExitCode(o)], ['timed_out', 'SIGTERM', 143]);
  });

  it('ends when the script exits although a background grandchild holds the pipes', async () => {
    // The grandchild sleeps far longer than the test may take: done resolving while it is
    // still alive (checked below) shows that done did not wait for it.
    const rp = bash('(sleep 1000 & echo $! >> "$PIDS"); seq 1 100000; echo tail >&2; exit 3');
    const out = collect(rp);
    const o = await rp.done;
    assert.deepEqual([o.exitCode, o.reason], [3, 'exited']);
    const nums = out.lines.filter((l) => l.stream === 'stdout');
    assert.equal(nums.length, 100000, 'all output written before exit was drained');
    assert.equal(nums[99999]!.text, '100000');
    assert.equal(out.text('stderr'), 'tail');
    // The group outlives its leader: killGroup still reaches the grandchild.
    const [sleeper] = pids();
    assert.ok(!isGone(sleeper!), 'done resolved while the grandchild still runs');
    assert.equal(rp.killGroup('SIGKILL'), true);
    await pollUntil(() => isGone(sleeper!), 'grandchild killed');
  });

  it('cancel after exit is a no-op; killGroup reports a vanished group', async () => {
    const rp = bash('exit 0');
    const o = await rp.done;
    rp.cancel();
    assert.equal(o.reason, 'exited');
    assert.equal(rp.killGroup('SIGTERM'), false);
  });

  it('stops delivering to a disposed listener', async () => {
    // "two" is printed only after the test has seen "one" (gate file), so the two lines
    // arrive in separate chunks whatever the load.
    const gate = path.join(tmp, 'gate');
    const rp = bash(`echo one; while [ ! -e ${gate} ]; do sleep 0.02; done; echo two`);
    const seen: string[] = [];
    const sub = rp.onOutput((_s, c) => {
      seen.push(c.toString());
      sub.dispose();
    });
    const all = collect(rp, (l) => l.text === 'one' && fs.writeFileSync(gate, ''));
    await rp.done;
    assert.deepEqual(seen, ['one\n']);
    assert.equal(all.text(), 'one\ntwo', 'the other listener got both');
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
    // Logical, not timed: each child prints STEP_START:a, then waits for a gate file that
    // the test creates only once that line has reached it, then prints STEP_GATE:open (or
    // STEP_GATE:shut when it gave up waiting) and STEP_COMPLETE:a. A block-buffering child
    // delivers nothing before it exits, so its gate can never open in time.
    const TRIES_LONG = '600'; // × 50 ms: the bound of a child that should see its gate (it never waits that long)
    const TRIES_SHORT = '20'; // × 50 ms: the control children, whose gate cannot open
    const PY = 'import os, time\nprint("STEP_START:a")\nfor _ in range(int(os.environ["GATE_TRIES"])):\n    if os.path.exists(os.environ["GATE"]): break\n    time.sleep(0.05)\nprint("STEP_GATE:open" if os.path.exists(os.environ["GATE"]) else "STEP_GATE:shut")\nprint("STEP_COMPLETE:a")\n';
    const PL = 'print "STEP_START:a\\n"; for (1..$ENV{GATE_TRIES}) { last if -e $ENV{GATE}; select(undef, undef, undef, 0.05); } print((-e $ENV{GATE}) ? "STEP_GATE:open\\n" : "STEP_GATE:shut\\n"); print "STEP_COMPLETE:a\\n";\n';
    const RB = 'puts "STEP_START:a"; ENV["GATE_TRIES"].to_i.times { break if File.exist?(ENV["GATE"]); sleep 0.05 }; puts(File.exist?(ENV["GATE"]) ? "STEP_GATE:open" : "STEP_GATE:shut"); puts "STEP_COMPLETE:a"\n';
    const SH = '{ echo STEP_START:a; i=0; while [ ! -e "$GATE" ] && [ $i -lt "$GATE_TRIES" ]; do sleep 0.05; i=$((i+1)); done; if [ -e "$GATE" ]; then echo STEP_GATE:open; else echo STEP_GATE:shut; fi; echo STEP_COMPLETE:a; } | grep STEP\n';
    const OPEN = ['STEP_START:a', 'STEP_GATE:open', 'STEP_COMPLETE:a'];
    const SHUT = ['STEP_START:a', 'STEP_GATE:shut', 'STEP_COMPLETE:a'];

    /** Starts a child with its own gate, opened when its STEP_START line arrives; its output lines. */
    const gated = async (command: string, args: string[], env: NodeJS.ProcessEnv, tries: string): Promise<string[]> => {
      const gate = path.join(tmp, `gate-${started.length}`);
      const rp = start({ command, args, env: { ...env, GATE: gate, GATE_TRIES: tries } });
      const out = collect(rp, (l) => l.text === 'STEP_START:a' && fs.writeFileSync(gate, ''));
      const o = await rp.done;
      assert.equal(o.exitCode, 0, out.text());
      return out.lines.map((l) => l.text);
    };
    const run = async (file: string, env: NodeJS.ProcessEnv = baseEnv) => {
      const inv = await resolveInvocation({ script: file, args: [], env });
      // Say plainly what is missing rather than fail with a spawn ENOENT deep in the runner.
      const onPath = (env.PATH ?? '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, inv.command)));
      assert.ok(path.isAbsolute(inv.command) || onPath, `${inv.command} is not installed (on Debian/Ubuntu: bash scripts/install-test-deps.sh)`);
      const lines = await gated(inv.command, inv.args, { ...env, ...inv.env }, TRIES_LONG);
      return { inv, lines };
    };

    it('python3 (PYTHONUNBUFFERED)', async () => {
      const { inv, lines } = await run(script('a.py', PY, 0o644));
      assert.equal(inv.interpreter, 'python3');
      assert.deepEqual(lines, OPEN);
    });

    it('perl (autoflush module via PERL5OPT)', async () => {
      const { lines } = await run(script('a.pl', PL, 0o644));
      assert.deepEqual(lines, OPEN);
    });

    it('grep inside a shell script (stdbuf -oL)', async () => {
      const { inv, lines } = await run(script('a.sh', SH, 0o644));
      assert.equal(inv.args[0], '-oL');
      assert.deepEqual(lines, OPEN);
    });

    // ruby comes from scripts/install-test-deps.sh (Debian's package).
    it('ruby (RUBYOPT sync shim)', async () => {
      const { lines } = await run(script('a.rb', RB, 0o644));
      assert.deepEqual(lines, OPEN);
    });

    it('control: without the measures the same children do buffer', async () => {
      const py = script('b.py', PY);
      const pl = script('b.pl', PL);
      const sh = script('b.sh', SH);
      const env = { ...baseEnv, PIDS: path.join(tmp, 'pids') };
      const outputs = await Promise.all([gated('python3', [py], env, TRIES_SHORT), gated('perl', [pl], env, TRIES_SHORT), gated('bash', [sh], env, TRIES_SHORT)]);
      // Nothing arrived while they waited, so no gate opened; all of it came at exit.
      for (const lines of outputs) assert.deepEqual(lines, SHUT);
    });

    it('a .ts script through a project-local tsx', async () => {
      const local = path.join(tmp, 'node_modules', '.bin');
      const tsx = path.resolve('node_modules/.bin/tsx');
      fs.mkdirSync(local, { recursive: true });
      fs.symlinkSync(tsx, path.join(local, 'tsx'));
      const { inv, lines } = await run(script('a.ts', 'const n: number = 42;\nconsole.log(`ts ${n} ${process.argv.slice(2).length}`);\n'));
      assert.equal(inv.interpreter, 'tsx');
      assert.deepEqual(lines, ['ts 42 0']);
    });
  });
});
