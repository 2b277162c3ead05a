// Faults a user's machine produces, each with a real `stepflow run` process and real files
// — the disk fills up while a run writes, another process holds the database
// locked, the spool folder is deleted under a running run, a script closes its stdout.
// Every wait is on an event (a line on a pipe, a FIFO, a process exit); nothing sleeps.
// The disk-full case needs a small tmpfs, so root (as in CI): it fails, never skips, when
// mount is not permitted.
import { strict as assert } from 'node:assert';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { STEPFLOW_BIN, runCli, tempDir, writeScript, type CliResult } from '../support/cli';

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

describe('faults', () => {
  let home: string;
  beforeEach(() => {
    home = tempDir('stepflow-faults-');
  });
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  it('disk full while a run writes: the script runs to its end, the database stays intact, the run says where its output was cut', async () => {
    const mnt = path.join(home, 'small');
    fs.mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      throw new Error(`mount -t tmpfs failed (this test needs root, as in CI): ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`);
    }
    try {
      const db = path.join(mnt, 'stepflow.db');
      const done = path.join(home, 'script-finished');
      // ~4 MB of output into a 2 MB file system (the spool, the log files and the database
      // live there); the script's last act is outside it.
      const script = writeScript(
        home,
        'chatty.sh',
        [
          'echo "STEP_START:Write"',
          'i=0',
          'while [ $i -lt 40000 ]; do echo "line $i: a line of output long enough to fill a small disk quickly ........"; i=$((i+1)); done',
          'echo "STEP_COMPLETE:Write"',
          `echo finished > ${JSON.stringify(done)}`,
          'exit 0',
          '',
        ].join('\n'),
      );
      const r = await runCli(['run', script, '--db', db], { home });
      assert.equal(fs.readFileSync(done, 'utf8'), 'finished\n', 'StepFlow did not stop the script');
      assert.equal(integrity(db), 'ok');
      assert.match(r.stderr, /disk (is )?full.*output truncated at line \d+/i, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at |trace-warnings/, 'one clear line, not a stack or a Node warning');
      assert.equal(r.code, 0, `the script's exit code: ${r.stderr}`);
      // Space is freed by StepFlow's own unreferenced log bytes, so the end is stored.
      const show = await runCli(['show', '--db', db, '--json', JSON.parse((await runCli(['history', '--json', '--db', db], { home })).stdout)[0].id], { home });
      const record = JSON.parse(show.stdout);
      assert.equal(record.status, 'succeeded');
      assert.ok(record.endedAt, 'the end is recorded');
      const notes = [record.error?.message, ...record.warnings.map((w: { message: string }) => w.message)].join('\n');
      assert.match(notes, /disk full.*output truncated at line \d+/i);
    } finally {
      execFileSync('umount', [mnt]);
    }
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
