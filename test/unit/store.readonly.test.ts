// Databases StepFlow may only read: a read-only mount, a database copied in with
// or without its -wal/-shm files, an immutable file, a file of another user. Every command
// that only reads works; every command that writes says so in one line. Real conditions,
// not chmod (the suite runs as root, and root writes 0444 files): a tmpfs remounted
// read-only, `chattr +i`, and the CLI run as `nobody` through setpriv. No step is skipped:
// where mount or chattr is not permitted the test fails and says why.
import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { Store } from '../../sidecar/store/store';
import { STEPFLOW_BIN, runCli, tempDir, writeScript, type CliResult } from '../support/cli';

function sh(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(`${cmd} ${args.join(' ')} failed (this test needs root, as in CI): ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`);
  }
}

const hash = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** One run with output, a step and an artifact, written by a real `stepflow run`. */
async function recordRun(home: string, db: string): Promise<string> {
  const script = writeScript(home, 'build.sh', 'echo "STEP_START:Build"\necho "compiling"\necho "ARTIFACT:out.txt:the output"\necho "STEP_COMPLETE:Build"\n');
  const r = await runCli(['run', script, '--db', db, '--json'], { home });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).id as string;
}

function assertReads(results: Record<string, CliResult>, runId: string): void {
  for (const [name, r] of Object.entries(results)) assert.equal(r.code, 0, `${name}: ${r.stderr}`);
  assert.equal(JSON.parse(results.history!.stdout)[0].id, runId);
  const shown = JSON.parse(results.show!.stdout);
  assert.equal(shown.status, 'succeeded');
  assert.ok(shown.log.includes('compiling'), shown.log);
  assert.equal(JSON.parse(results.stats!.stdout)[0].name, 'Build');
  assert.match(results.report!.stdout, /Build/);
}

async function readAll(home: string, db: string, runId: string, extra: string[] = []): Promise<Record<string, CliResult>> {
  return {
    history: await runCli(['history', '--json', '--db', db, ...extra], { home }),
    show: await runCli(['show', runId, '--json', '--log', '--db', db, ...extra], { home }),
    stats: await runCli(['stats', '--json', '--db', db, ...extra], { home }),
    report: await runCli(['report', runId, '--db', db, ...extra], { home }),
  };
}

async function assertWritesRefused(home: string, db: string): Promise<void> {
  const script = writeScript(home, 'other.sh', 'touch "$0.ran"\necho hi\n');
  const attempts: Array<[string, string[]]> = [
    ['run', ['run', script, '--db', db]],
    ['prune', ['prune', '--keep', '0', '--db', db]],
    ['stats', ['stats', '--rebuild', '--db', db]],
  ];
  for (const [command, args] of attempts) {
    const r = await runCli(args, { home });
    assert.equal(r.code, 1, `${command}: ${r.stdout}${r.stderr}`);
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, `one line: ${r.stderr}`);
    assert.match(lines[0]!, new RegExp(`^stepflow: the database ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is read-only.*; ${command} needs to write$`));
  }
  assert.ok(!fs.existsSync(`${script}.ran`), 'the script was not started');
}

describe('read-only databases', function () {
  // Not a speed limit: each test runs eight or more `stepflow` processes one after another
  // (a run, four reads, three refused writes), each taking seconds to start on a loaded
  // two-core machine (14–18 s for a test here at load 25, near mocha's 20 s default).
  this.timeout(120_000);
  describe('on a read-only mount', () => {
    let home: string;
    let mnt: string;
    before(() => {
      home = tempDir('stepflow-ro-');
      mnt = path.join(home, 'mnt');
      fs.mkdirSync(mnt);
      sh('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt]);
    });
    after(() => {
      try {
        execFileSync('umount', [mnt]);
      } finally {
        fs.rmSync(home, { recursive: true, force: true });
      }
    });

    it('reads a cleanly closed WAL database without -wal/-shm files (a database copied in), and refuses writes in one line', async () => {
      const db = path.join(mnt, 'clean', 'stepflow.db');
      const runId = await recordRun(home, db);
      assert.ok(!fs.existsSync(`${db}-wal`), 'closed cleanly: no -wal');
      const before = hash(db);
      sh('mount', ['-o', 'remount,ro', mnt]);
      try {
        assertReads(await readAll(home, db, runId), runId);
        await assertWritesRefused(home, db);
      } finally {
        sh('mount', ['-o', 'remount,rw', mnt]);
      }
      assert.equal(hash(db), before);
    });

    it('reads a WAL database whose newest runs are still in its -wal file', async () => {
      // Another process holds the database open, so the last run stays in the WAL; the
      // three files are copied as they are (what a backup of a live database looks like).
      const work = path.join(home, 'live');
      const src = path.join(work, 'stepflow.db');
      const holder = new Store(src);
      try {
        const runId = await recordRun(home, src);
        assert.ok(fs.statSync(`${src}-wal`).size > 0, 'the run is in the WAL');
        const dir = path.join(mnt, 'wal');
        fs.mkdirSync(dir);
        for (const suffix of ['', '-wal', '-shm']) fs.copyFileSync(src + suffix, path.join(dir, `stepflow.db${suffix}`));
        fs.cpSync(`${src}-logs`, path.join(dir, 'stepflow.db-logs'), { recursive: true });
        const db = path.join(dir, 'stepflow.db');
        sh('mount', ['-o', 'remount,ro', mnt]);
        try {
          assertReads(await readAll(home, db, runId), runId);
          await assertWritesRefused(home, db);
        } finally {
          sh('mount', ['-o', 'remount,rw', mnt]);
        }
      } finally {
        holder.close();
      }
    });

    it('serves a read-only database: runs are listed, starting one answers 409 read_only', async () => {
      const db = path.join(mnt, 'serve', 'stepflow.db');
      const runId = await recordRun(home, db);
      sh('mount', ['-o', 'remount,ro', mnt]);
      try {
        await withServe(home, ['--db', db], async (port, token) => {
          const list = await api(port, token, 'GET', '/api/executions');
          assert.equal(list.status, 200);
          assert.equal(list.json.runs[0].id, runId);
          const health = await api(port, token, 'GET', '/api/health');
          assert.equal(health.json.readOnly, true);
          const start = await api(port, token, 'POST', '/api/executions', JSON.stringify({ script: path.join(home, 'build.sh') }));
          assert.equal(start.status, 409, start.text);
          assert.equal(start.json.error.code, 'read_only');
          const optimize = await api(port, token, 'POST', '/api/health/optimize');
          assert.equal(optimize.status, 409, optimize.text);
        });
      } finally {
        sh('mount', ['-o', 'remount,rw', mnt]);
      }
    });
  });

  it('reads an immutable database file (chattr +i) and refuses writes in one line', async () => {
    const home = tempDir('stepflow-ro-');
    const db = path.join(home, 'db', 'stepflow.db');
    try {
      const runId = await recordRun(home, db);
      sh('chattr', ['+i', db]);
      try {
        assertReads(await readAll(home, db, runId), runId);
        await assertWritesRefused(home, db);
      } finally {
        sh('chattr', ['-i', db]);
      }
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('reads a database of another user (0444 file in a 0555 folder, the CLI run as nobody)', async () => {
    const home = tempDir('stepflow-ro-');
    const db = path.join(home, 'db', 'stepflow.db');
    try {
      const runId = await recordRun(home, db);
      fs.chmodSync(db, 0o444);
      fs.chmodSync(path.dirname(db), 0o555);
      fs.chmodSync(home, 0o755);
      const asNobody = (args: string[]) =>
        new Promise<CliResult>((resolve, reject) => {
          const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, STEPFLOW_BIN, ...args], {
            env: { ...process.env, STEPFLOW_HOME: path.join(home, 'nobody-home'), HOME: '/nonexistent', NO_COLOR: '1' },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let stdout = '';
          let stderr = '';
          child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
          child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
          child.on('error', reject);
          child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
        });
      const history = await asNobody(['history', '--json', '--db', db]);
      assert.equal(history.code, 0, history.stderr);
      assert.equal(JSON.parse(history.stdout)[0].id, runId);
      const show = await asNobody(['show', runId, '--db', db]);
      assert.equal(show.code, 0, show.stderr);
      const prune = await asNobody(['prune', '--keep', '0', '--db', db]);
      assert.equal(prune.code, 1);
      assert.match(prune.stderr, /^stepflow: the database .* is read-only .*; prune needs to write\n$/);
    } finally {
      fs.chmodSync(path.dirname(db), 0o755);
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('`--read-only` opens a writable database without writing it; commands that write refuse the flag', async () => {
    const home = tempDir('stepflow-ro-');
    const db = path.join(home, 'db', 'stepflow.db');
    try {
      const runId = await recordRun(home, db);
      const before = hash(db);
      assertReads(await readAll(home, db, runId, ['--read-only']), runId);
      await withServe(home, ['--db', db, '--read-only'], async (port, token) => {
        assert.equal((await api(port, token, 'GET', `/api/executions/${runId}`)).json.id, runId);
        const start = await api(port, token, 'POST', '/api/executions', JSON.stringify({ script: path.join(home, 'build.sh') }));
        assert.equal(start.status, 409);
      });
      assert.equal(hash(db), before);
      for (const args of [['run', '--read-only', path.join(home, 'build.sh')], ['prune', '--keep', '1', '--read-only']]) {
        const r = await runCli([...args, '--db', db], { home });
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /^stepflow: --read-only: (run|prune) needs to write the database\n$/);
      }
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});

/** Starts `stepflow serve --port 0 …`, waits for its URL, runs `use`, then stops it with SIGTERM and waits for its exit. */
async function withServe(home: string, args: string[], use: (port: number, token: string) => Promise<void>): Promise<void> {
  const child = spawn(process.execPath, [STEPFLOW_BIN, 'serve', '--port', '0', ...args], { env: { ...process.env, STEPFLOW_HOME: home, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      out += t;
      const m = /StepFlow dashboard: (http:\/\/[^/]+)\//.exec(out);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`serve exited (${code}) before printing its URL: ${stderr}`)));
  });
  try {
    await use(Number(new URL(url).port), fs.readFileSync(path.join(home, 'token'), 'utf8').trim());
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

function api(port: number, token: string, method: string, p: string, body?: string): Promise<{ status: number; text: string; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (t: string) => (text += t));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
