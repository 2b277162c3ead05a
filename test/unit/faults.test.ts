// Faults a user's machine produces, each with a real `stepflow run` process and real files
// — the disk fills up while a run writes, another process holds the database
// locked, the spool folder is deleted under a running run, a script closes its stdout.
// Every wait is on an event (a line on a pipe, a FIFO, a process exit); nothing sleeps.
// The disk-full cases need a small tmpfs, so root (as in CI): they fail, never skip, when
// mount is not permitted. The disk fills up in both orders: after the run's output was first
// stored, and before (a disk nearly full from the start); a full disk does not stop a read.
import { strict as assert } from 'node:assert';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { STEPFLOW_BIN, runCli, tempDir, writeScript, type CliResult } from '../support/cli';
import { fillDisk, mountSmallDisk, unmountSmallDisk } from '../support/smallDisk';

function startCli(args: string[], home: string): { child: ChildProcess; result: Promise<CliResult>; stderrLine: (re: RegExp) => Promise<string> } {
  const child = spawn(process.execPath, [STEPFLOW_BIN, ...args], { env: { ...process.env, STEPFLOW_HOME: home, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => {
    stderr += t;
    for (const w of waiters.splice(0)) w();
  });
  const result = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  const stderrLine = (re: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = stderr.split('\n').find((l) => re.test(l));
        if (line !== undefined) return resolve(line);
        if (child.exitCode !== null) return reject(new Error(`exited without a line matching ${re}: ${stderr}`));
        waiters.push(check);
      };
      void result.then(() => waiters.length && check());
      check();
    });
  return { child, result, stderrLine };
}

/** Resolves when a line is written into the FIFO `file` by the script (it blocks until we read). */
function readFifoLine(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stream = fs.createReadStream(file, { encoding: 'utf8' });
    let text = '';
    stream.on('data', (t) => (text += String(t)));
    stream.on('end', () => resolve(text.trim()));
    stream.on('error', reject);
  });
}

function integrity(db: string): string {
  const conn = new BetterSqlite3(db, { readonly: true });
  try {
    return String(conn.pragma('integrity_check', { simple: true }));
  } finally {
    conn.close();
  }
}

describe('faults', function () {
  // Not a speed limit: each test runs several `stepflow` processes one after another,
  // each taking seconds to start on a loaded two-core machine (14–18 s for a test here at
  // load 25, near mocha's 20 s default).
  this.timeout(120_000);
  let home: string;
  beforeEach(() => {
    home = tempDir('stepflow-faults-');
  });
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  /** A 2 MB tmpfs at `<home>/small` for the test's body, unmounted after it. */
  async function onSmallDisk(body: (mnt: string) => Promise<void>): Promise<void> {
    const mnt = mountSmallDisk(home);
    try {
      await body(mnt);
    } finally {
      unmountSmallDisk(mnt);
    }
  }

  /**
   * ~3.4 MB of output (more than the whole 2 MB disk), then a sign outside it that the script
   * ran to its end. `burst`: written by `yes | head` in big writes, within milliseconds,
   * rather than line by line by a shell loop.
   */
  function chattyScript(done: string, burst = false): string {
    const line = 'a line of output long enough to fill a small disk quickly ...................';
    return writeScript(
      home,
      'chatty.sh',
      [
        'echo "STEP_START:Write"',
        ...(burst
          ? [`yes ${JSON.stringify(line)} | head -n 40000`]
          : ['i=0', `while [ $i -lt 40000 ]; do echo "line $i: ${line}"; i=$((i+1)); done`]),
        'echo "STEP_COMPLETE:Write"',
        `echo finished > ${JSON.stringify(done)}`,
        'exit 0',
        '',
      ].join('\n'),
    );
  }

  /** The run as the reading commands give it (history, then show): stored, ended, and saying where its output was cut. */
  async function assertStoredWithCut(db: string): Promise<void> {
    const history = await runCli(['history', '--json', '--db', db], { home });
    assert.equal(history.code, 0, history.stderr);
    const runs = JSON.parse(history.stdout) as Array<{ id: string; status: string }>;
    assert.equal(runs.length, 1, history.stdout);
    const show = await runCli(['show', '--db', db, '--json', runs[0]!.id], { home });
    assert.equal(show.code, 0, show.stderr);
    const record = JSON.parse(show.stdout);
    assert.equal(record.status, 'succeeded');
    assert.ok(record.endedAt, 'the end is recorded');
    const notes = [record.error?.message, ...record.warnings.map((w: { message: string }) => w.message)].join('\n');
    assert.match(notes, /disk full.*output truncated at line \d+/i);
  }

  it('disk full while a run writes: the script runs to its end, the database stays intact, the run says where its output was cut', async () => {
    await onSmallDisk(async (mnt) => {
      const db = path.join(mnt, 'stepflow.db');
      const done = path.join(home, 'script-finished');
      // The spool, the log files and the database live on the small disk; the script's last act is outside it.
      const r = await runCli(['run', chattyScript(done), '--db', db], { home });
      assert.equal(fs.readFileSync(done, 'utf8'), 'finished\n', 'StepFlow did not stop the script');
      assert.equal(integrity(db), 'ok');
      assert.match(r.stderr, /disk (is )?full.*output truncated at line \d+/i, r.stderr);
      assert.doesNotMatch(r.stderr, /could not save run|could not close the database/, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at |trace-warnings/, 'one clear line, not a stack or a Node warning');
      assert.equal(r.code, 0, `the script's exit code: ${r.stderr}`);
      // Space is freed by StepFlow's own unreferenced log bytes, so the end is stored.
      await assertStoredWithCut(db);
    });
  });

  it('disk nearly full before the run starts (its output never stored once): the run is still stored with its end and where its output was cut', async () => {
    await onSmallDisk(async (mnt) => {
      const db = path.join(mnt, 'stepflow.db');
      assert.equal((await runCli(['history', '--db', db], { home })).code, 0); // creates it
      // All the room but 640 KiB, taken before the run starts: enough to open the database
      // and record the run. The script's first burst of output fills the rest at once, so the
      // first write of its output fails — with more than the 256 KiB kept inside the database
      // in it, i.e. with the spool file moved in by that write (store/logFiles.ts).
      const { bavail, bsize } = fs.statfsSync(mnt);
      fillDisk(path.join(mnt, 'filler'), bavail * bsize - 640 * 1024);
      const done = path.join(home, 'script-finished');
      const r = await runCli(['run', chattyScript(done, true), '--db', db], { home });
      assert.equal(fs.readFileSync(done, 'utf8'), 'finished\n', 'StepFlow did not stop the script');
      assert.equal(r.code, 0, `the script's exit code: ${r.stderr}`);
      assert.match(r.stderr, /disk (is )?full.*output truncated at line \d+/i, r.stderr);
      assert.doesNotMatch(r.stderr, /could not save run|could not close the database/, r.stderr);
      assert.equal(integrity(db), 'ok');
      await assertStoredWithCut(db);
    });
  });

  it('disk full when reading: history and show answer (the marking of runs whose owner died waits for room)', async () => {
    await onSmallDisk(async (mnt) => {
      const db = path.join(mnt, 'stepflow.db');
      assert.equal((await runCli(['history', '--db', db], { home })).code, 0); // creates it
      // A run left `running` by a process that is gone: opening for a read would mark it
      // interrupted, a write there is no room for.
      const gone = spawn('true');
      const deadPid = await new Promise<number>((resolve) => gone.on('exit', () => resolve(gone.pid!)));
      const conn = new BetterSqlite3(db);
      let open = true;
      try {
        conn.prepare(`INSERT INTO runs (id, script, cwd, started_at, owner_pid, owner_host) VALUES ('orphan1', '/w/x.sh', '/w', 1000, ?, ?)`).run(deadPid, os.hostname());
        fillDisk(path.join(mnt, 'filler'));
        const check = async (what: string) => {
          const history = await runCli(['history', '--json', '--db', db], { home });
          assert.equal(history.code, 0, `${what}: ${history.stderr}`);
          assert.deepEqual(JSON.parse(history.stdout).map((r: { id: string }) => r.id), ['orphan1'], what);
          const show = await runCli(['show', '--json', 'orphan1', '--db', db], { home });
          assert.equal(show.code, 0, `${what}: ${show.stderr}`);
          assert.equal(JSON.parse(show.stdout).id, 'orphan1', what);
          assert.equal((await runCli(['stats', '--db', db], { home })).code, 0, what);
        };
        // With the -wal and -shm files there (our connection holds them): the write fails on commit.
        await check('while another connection is open');
        conn.close();
        open = false;
        // Without them (or with what a close on a full disk leaves): SQLite has no room for a new -shm.
        await check('after the other connection closed');
      } finally {
        if (open) conn.close();
      }
    });
  });

  it('database locked by another process for longer than the busy timeout: the run waits, says so, and records everything once the lock is gone', async () => {
    const db = path.join(home, 'db', 'stepflow.db');
    assert.equal((await runCli(['history', '--db', db], { home })).code, 0); // creates it
    // Another process holds the write lock until we close its stdin.
    const holder = spawn(
      process.execPath,
      ['-e', `const D = require(${JSON.stringify(require.resolve('better-sqlite3'))}); const db = new D(process.argv[1]); db.exec('BEGIN IMMEDIATE'); process.stdout.write('locked\\n'); process.stdin.resume(); process.stdin.on('end', () => { db.exec('COMMIT'); db.close(); });`, db],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
    const script = writeScript(home, 'quick.sh', 'echo "STEP_START:A"\necho hello\necho "STEP_COMPLETE:A"\n');
    const run = startCli(['run', script, '--db', db], home);
    // The run tells that it waits for the lock (after the busy timeout), and only then is
    // the lock released.
    await run.stderrLine(/locked/);
    holder.stdin!.end();
    const r = await run.result;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /run succeeded/);
    const history = JSON.parse((await runCli(['history', '--json', '--db', db], { home })).stdout);
    assert.equal(history[0].status, 'succeeded');
    assert.equal(history[0].lineCount, 3);
    assert.equal(integrity(db), 'ok');
  });

  it('spool folder deleted under a running run: the run still finishes with a recorded end and its whole output', async () => {
    const db = path.join(home, 'db', 'stepflow.db');
    const fifo = path.join(home, 'ready');
    const go = path.join(home, 'go');
    execFileSync('mkfifo', [fifo, go]);
    const script = writeScript(
      home,
      'spool.sh',
      ['echo "STEP_START:A"', 'echo before', `echo ready > ${JSON.stringify(fifo)}`, `read line < ${JSON.stringify(go)}`, 'echo after', 'echo "STEP_COMPLETE:A"', 'exit 0', ''].join('\n'),
    );
    const run = startCli(['run', script, '--db', db, '--json'], home);
    assert.equal(await readFifoLine(fifo), 'ready');
    const logs = `${db}-logs`;
    const spools = fs.readdirSync(logs).filter((name) => name.startsWith('stepflow-spool-'));
    assert.equal(spools.length, 1, 'the run spools into the log folder');
    fs.rmSync(path.join(logs, spools[0]!), { recursive: true, force: true });
    fs.writeFileSync(go, 'go\n');
    const r = await run.result;
    assert.equal(r.code, 0, r.stderr);
    const record = JSON.parse(r.stdout);
    assert.equal(record.status, 'succeeded');
    assert.ok(record.endedAt);
    const show = await runCli(['show', record.id, '--json', '--log', '--db', db], { home });
    assert.deepEqual(JSON.parse(show.stdout).log, ['STEP_START:A', 'before', 'after', 'STEP_COMPLETE:A']);
  });

  it('a script that closes its stdout early (exec >&-) finishes correctly, with what it wrote before and after on stderr', async () => {
    const db = path.join(home, 'db', 'stepflow.db');
    const script = writeScript(home, 'close.sh', ['echo "STEP_START:A"', 'echo before', 'exec >&-', 'echo "on stderr" >&2', 'echo "STEP_COMPLETE:A" >&2', 'exit 0', ''].join('\n'));
    const r = await runCli(['run', script, '--db', db, '--json'], { home });
    assert.equal(r.code, 0, r.stderr);
    const record = JSON.parse(r.stdout);
    assert.equal(record.status, 'succeeded');
    assert.equal(record.steps[0].status, 'succeeded');
    assert.equal(record.lineCount, 4);
    // And one that closes both and then fails: its exit code is the run's.
    const both = writeScript(home, 'both.sh', ['echo "STEP_START:A"', 'exec >&- 2>&-', 'exit 3', ''].join('\n'));
    const failed = await runCli(['run', both, '--db', db, '--json'], { home });
    assert.equal(failed.code, 3, failed.stderr);
    assert.equal(JSON.parse(failed.stdout).status, 'failed');
  });
});
