// The store against real database files in a temporary folder.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunEvent } from '../../sidecar/protocol/events';
import type { RunRecord } from '../../sidecar/protocol/model';
import { defaultDatabasePath, openDatabase } from '../../sidecar/store/database';
import { MIGRATIONS, SCHEMA_VERSION, migrate } from '../../sidecar/store/schema';
import { Store, StoreError, type StoreOptions } from '../../sidecar/store/store';
import { openStore, sqlOf } from '../support/storeSql';
import { pollUntil } from '../support/poll';
import { tempFolderWithStores } from '../support/tempFolder';

const folder = tempFolderWithStores('stepflow-store-');
const dbFile = () => path.join(folder.path, 'sub', 'stepflow.db');
function open(options: StoreOptions = {}, file = dbFile()): Store {
  return folder.closeAfterTest(openStore(file, options));
}
function newRun(store: Store, id: string, startedAt = 1_700_000_000_000, extra: Partial<{ script: string; profile: string | null }> = {}): void {
  store.createRun({ id, script: extra.script ?? '/abs/build.sh', args: ['--fast'], cwd: '/abs', profile: extra.profile ?? null, startedAt, ownerPid: process.pid });
}
function finish(store: Store, runId: string, status: 'succeeded' | 'failed' = 'succeeded', endedAt = 1_700_000_002_034, lineCount = 0): void {
  store.enqueue({ type: 'runFinished', runId, status, exitCode: status === 'succeeded' ? 0 : 3, signal: null, endedAt, durationMs: 2034, lineCount, error: null });
}

describe('store: database and schema', () => {
  it('creates folder, schema and pragmas from nothing, and keeps data across reopen', () => {
    const store = open();
    assert.equal(fs.statSync(path.dirname(dbFile())).mode & 0o777, 0o700);
    assert.equal(sqlOf(store).pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(sqlOf(store).pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(sqlOf(store).pragma('synchronous', { simple: true }), 1);
    assert.equal(sqlOf(store).pragma('foreign_keys', { simple: true }), 1);
    assert.equal(sqlOf(store).pragma('busy_timeout', { simple: true }), 5000);
    assert.equal(sqlOf(store).pragma('auto_vacuum', { simple: true }), 2);
    newRun(store, 'r1');
    finish(store, 'r1');
    const before = store.getRun('r1');
    store.close();
    const again = open();
    assert.deepEqual(again.getRun('r1'), before);
    assert.equal(sqlOf(again).pragma('user_version', { simple: true }), SCHEMA_VERSION);
  });

  it('runs later migrations forward once, and refuses a database from a newer version', () => {
    const db = openDatabase(dbFile());
    migrate(db);
    const v2 = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, description: 'test', up: (d: typeof db) => d.exec('ALTER TABLE runs ADD COLUMN extra TEXT') }];
    assert.equal(migrate(db, v2), SCHEMA_VERSION + 1);
    assert.equal(migrate(db, v2), SCHEMA_VERSION + 1); // idempotent
    assert.ok((db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('runs') as string[]).includes('extra'));
    db.close();
    assert.throws(() => new Store(dbFile()), (err: unknown) => err instanceof StoreError && err.code === 'SCHEMA_TOO_NEW' && !err.message.includes('\n'));
  });

  it('migration 6 adds the step summary to runs stored before it (NULL: none)', () => {
    const db = openDatabase(dbFile());
    migrate(db, MIGRATIONS.filter((m) => m.version <= 5));
    db.prepare(`INSERT INTO runs (id, script, cwd, status, started_at, ended_at) VALUES ('old1', '/s.sh', '/', 'succeeded', 1, 2)`).run();
    db.close();
    const store = open();
    assert.equal(sqlOf(store).pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(store.getRun('old1')!.summary, null);
  });

  it('turns unusable files into one-line StoreErrors', () => {
    const garbage = path.join(folder.path, 'garbage.db');
    fs.writeFileSync(garbage, 'this is not a database, just some text that is long enough to be read'.repeat(100));
    assert.throws(() => new Store(garbage), (err: unknown) => err instanceof StoreError && err.code === 'NOTADB' && /not a database/.test(err.message) && !err.message.includes('\n'));
    fs.mkdirSync(path.join(folder.path, 'adir.db'));
    assert.throws(() => new Store(path.join(folder.path, 'adir.db')), (err: unknown) => err instanceof StoreError && err.code === 'CANTOPEN');
    fs.writeFileSync(path.join(folder.path, 'file'), '');
    assert.throws(() => new Store(path.join(folder.path, 'file', 'x.db')), (err: unknown) => err instanceof StoreError && err.code === 'CANTOPEN');
  });

  it('reports a database locked by another process as LOCKED', () => {
    const locked = path.join(folder.path, 'locked.db');
    const other = openDatabase(locked);
    other.pragma('journal_mode = WAL');
    other.exec('BEGIN IMMEDIATE; CREATE TABLE t (x);');
    try {
      assert.throws(() => new Store(locked, { busyTimeoutMs: 50 }), (err: unknown) => err instanceof StoreError && err.code === 'LOCKED' && !err.message.includes('\n'));
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('works on an in-memory database (logs stay inline)', () => {
    const store = new Store(openDatabase(':memory:'));
    folder.closeAfterTest(store);
    newRun(store, 'mem');
    store.appendOutput('mem', 'stdout', 1, 1, Buffer.from('hello\n'), 1);
    finish(store, 'mem', 'succeeded', 2, 1);
    assert.equal(store.file, ':memory:');
    assert.deepEqual(store.readLog('mem', 1, 5).map((l) => l.text), ['hello']);
    assert.equal(store.searchLogs('HELLO').length, 1);
  });

  it('defaultDatabasePath uses STEPFLOW_HOME, else ~/.stepflow', () => {
    assert.equal(defaultDatabasePath({ STEPFLOW_HOME: '/x/home' }), path.join('/x/home', 'stepflow.db'));
    assert.equal(defaultDatabasePath({ HOME: '/home/u' }), path.join('/home/u', '.stepflow', 'stepflow.db'));
  });
});

describe('store: events to the run record', () => {
  it('builds the exact nested shape of spec §4', () => {
    const store = open();
    const runId = 'shape-run';
    newRun(store, runId);
    const t = 1_700_000_000_000;
    const events: RunEvent[] = [
      { type: 'meta', runId, stepId: null, key: 'OWNER', value: 'ci', at: t },
      { type: 'stepStarted', runId, stepId: 1, parentId: null, name: 'Setup', startedAt: t + 1, line: 1 },
      { type: 'stepFinished', runId, stepId: 1, status: 'succeeded', endedAt: t + 13, durationMs: 12, error: null, line: 3 },
      { type: 'stepStarted', runId, stepId: 2, parentId: null, name: 'Tests', startedAt: t + 20, line: 4 },
      { type: 'meta', runId, stepId: 2, key: 'ESTIMATED_DURATION', value: '300', at: t + 21 },
      { type: 'stepStarted', runId, stepId: 3, parentId: 2, name: 'unit', startedAt: t + 21, line: 5 },
      { type: 'warning', runId, stepId: 3, warning: { type: 'marker', severity: 'warning', message: 'flaky', file: 'src/a.ts', line: 7, column: 2 }, at: t + 30 },
      { type: 'stepFinished', runId, stepId: 3, status: 'failed', endedAt: t + 2021, durationMs: 2000, error: { message: 'boom', file: 'src/a.ts', line: 12, column: 5 }, line: 100 },
      { type: 'artifact', runId, stepId: 2, path: '/abs/out/report.xml', description: 'Test Report', at: t + 2021 },
      { type: 'artifact', runId, stepId: null, path: '/abs/out/all.log', description: null, at: t + 2021 },
      { type: 'stepFinished', runId, stepId: 2, status: 'failed', endedAt: t + 2021, durationMs: 2001, error: { message: '2 tests failed', file: null, line: null }, line: 120 },
      { type: 'warning', runId, stepId: null, warning: { type: 'protocol', severity: 'info', message: 'STEP_COMPLETE:x without start', file: null, line: null }, at: t + 2022 },
    ];
    for (const event of events) store.enqueue(event);
    store.enqueue({ type: 'runFinished', runId, status: 'failed', exitCode: 3, signal: null, endedAt: t + 2034, durationMs: 2034, lineCount: 120, error: { message: 'exit code 3', file: null, line: null }, summary: '# Tests\n2 failed\n' });
    const expected: RunRecord = {
      id: runId,
      script: '/abs/build.sh',
      args: ['--fast'],
      cwd: '/abs',
      profile: null,
      status: 'failed',
      exitCode: 3,
      signal: null,
      startedAt: new Date(t).toISOString(),
      endedAt: new Date(t + 2034).toISOString(),
      durationMs: 2034,
      lineCount: 120,
      error: { message: 'exit code 3', file: null, line: null, column: null },
      warnings: [{ type: 'protocol', severity: 'info', message: 'STEP_COMPLETE:x without start', file: null, line: null, column: null }],
      meta: { OWNER: 'ci' },
      steps: [
        { id: 1, name: 'Setup', status: 'succeeded', durationMs: 12, error: null, warnings: [], meta: {}, startedAt: t + 1, endedAt: t + 13, firstLine: 1, lastLine: 3, children: [] },
        {
          id: 2, name: 'Tests', status: 'failed', durationMs: 2001,
          error: { message: '2 tests failed', file: null, line: null, column: null },
          warnings: [], meta: { ESTIMATED_DURATION: '300' }, startedAt: t + 20, endedAt: t + 2021, firstLine: 4, lastLine: 120,
          children: [
            {
              id: 3, name: 'unit', status: 'failed', durationMs: 2000,
              error: { message: 'boom', file: 'src/a.ts', line: 12, column: 5 },
              warnings: [{ type: 'marker', severity: 'warning', message: 'flaky', file: 'src/a.ts', line: 7, column: 2 }],
              meta: {}, startedAt: t + 21, endedAt: t + 2021, firstLine: 5, lastLine: 100, children: [],
            },
          ],
        },
      ],
      artifacts: [
        { path: '/abs/out/report.xml', description: 'Test Report', step: 'Tests', stepId: 2 },
        { path: '/abs/out/all.log', description: null, step: null, stepId: null },
      ],
      summary: '# Tests\n2 failed\n',
    };
    // runFinished commits at once: another connection sees it without a flush.
    const reader = open();
    assert.deepEqual(reader.getRun(runId), expected);
    // The keys of spec §4 are all there, in its order.
    const json = JSON.parse(JSON.stringify(reader.getRun(runId))) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), ['id', 'script', 'args', 'cwd', 'profile', 'status', 'exitCode', 'signal', 'startedAt', 'endedAt', 'durationMs', 'lineCount', 'error', 'warnings', 'meta', 'steps', 'artifacts', 'summary']);
    const summary = reader.listRuns()[0]!;
    assert.equal(summary.failedStep, 'unit');
    assert.equal(summary.stepCount, 3);
  });

  it('shows a running run with open steps, and is idempotent for repeated events', () => {
    const store = open();
    newRun(store, 'live');
    newRun(store, 'live'); // twice: one run
    const started: RunEvent = { type: 'stepStarted', runId: 'live', stepId: 1, parentId: null, name: 'Build', startedAt: 5, line: 1 };
    store.enqueue(started);
    store.flush();
    store.enqueue(started);
    store.enqueue({ type: 'meta', runId: 'live', stepId: 1, key: 'PROGRESS', value: '10', at: 6 });
    store.enqueue({ type: 'meta', runId: 'live', stepId: 1, key: 'PROGRESS', value: '50', at: 7 });
    store.flush();
    store.flush(); // nothing buffered: no-op
    const run = store.getRun('live')!;
    assert.equal(run.status, 'running');
    assert.equal(run.endedAt, null);
    assert.equal(run.durationMs, null);
    assert.equal(run.steps.length, 1);
    assert.deepEqual([run.steps[0]!.status, run.steps[0]!.meta, run.steps[0]!.lastLine], ['running', { PROGRESS: '50' }, null]);
    assert.deepEqual(store.runningRunIds(), ['live']);
    // Output that arrives before its createRun (same batch) is kept.
    store.appendOutput('early', 'stdout', 1, 1, Buffer.from('first\n'), 1);
    newRun(store, 'early');
    store.flush();
    assert.deepEqual(store.readLog('early', 1, 1).map((l) => l.text), ['first']);
  });
});

describe('store: logs', () => {
  for (const mode of ['inline and file chunks', 'inline only'] as const) {
    it(`reads any line range across chunk boundaries (${mode})`, () => {
      const store = open({ maxChunkBytes: 4096, inlineLogBytes: mode === 'inline only' ? 1 << 30 : 64 * 1024, ...(mode === 'inline only' ? { logDir: null } : {}) });
      newRun(store, 'log');
      const expected: Array<{ line: number; stream: string; text: string }> = [];
      let line = 1;
      for (let batch = 0; line <= 10_000; batch++) {
        const count = Math.min(1 + ((batch * 37) % 137), 10_001 - line);
        const stream = Math.floor(batch / 3) % 2 ? 'stderr' : 'stdout';
        const lines = Array.from({ length: count }, (_, k) => `line ${line + k} ${'é'.repeat((line + k) % 5)}`);
        store.appendOutput('log', stream, line, count, Buffer.from(lines.map((l) => l + '\n').join('')), 1000 + batch);
        lines.forEach((text, k) => expected.push({ line: line + k, stream, text }));
        line += count;
        if (batch % 11 === 0) store.flush();
      }
      finish(store, 'log', 'succeeded', 2000, 10_000);
      const chunks = sqlOf(store).prepare('SELECT count(*) AS n, count(file_off) AS files FROM log_chunks').get() as { n: number; files: number };
      assert.ok(chunks.n > 50, `many chunks (${chunks.n})`);
      if (mode === 'inline only') assert.equal(chunks.files, 0);
      else assert.ok(chunks.files > 0 && chunks.files < chunks.n, 'both inline and file chunks');
      const strip = (l: { line: number; stream: string; text: string }) => ({ line: l.line, stream: l.stream, text: l.text });
      assert.deepEqual(store.readLog('log', 4990, 21).map(strip), expected.slice(4989, 5010));
      for (const [from, max] of [[1, 1], [1, 10_000], [137, 500], [9_990, 50], [5_000, 0], [10_001, 5]] as const) {
        assert.deepEqual(store.readLog('log', from, max).map(strip), expected.slice(from - 1, from - 1 + max), `${from}+${max}`);
      }
      assert.equal(store.readLog('nope', 1, 10).length, 0);
      assert.equal(store.getRun('log')!.lineCount, 10_000);
    });
  }

  it('decodes lines: CRLF stripped, invalid UTF-8 replaced, arrival time and stream kept', () => {
    const store = open();
    newRun(store, 'bytes');
    store.appendOutput('bytes', 'stdout', 1, 2, Buffer.concat([Buffer.from('win\r\n'), Buffer.from([0x66, 0xff, 0x6f, 0x0a])]), 111);
    store.appendOutput('bytes', 'stderr', 3, 1, Buffer.from('err\n'), 222);
    store.flush();
    assert.deepEqual(store.readLog('bytes', 1, 10), [
      { line: 1, stream: 'stdout', at: 111, text: 'win' },
      { line: 2, stream: 'stdout', at: 111, text: 'f\ufffdo' },
      { line: 3, stream: 'stderr', at: 222, text: 'err' },
    ]);
  });

  it('coalesces consecutive output into few chunks and flushes on its own', async () => {
    const store = open({ flushIntervalMs: 20 });
    const reader = open();
    newRun(store, 'c');
    for (let i = 1; i <= 1000; i++) store.appendOutput('c', 'stdout', i, 1, Buffer.from(`l${i}\n`), 1);
    await pollUntil(() => reader.readLog('c', 1000, 1).length === 1, 'the line the timer flushes');
    assert.equal(sqlOf(reader).prepare('SELECT count(*) FROM log_chunks').pluck().get(), 1);
  });

  it('writes synchronously once maxBufferedBytes is buffered', () => {
    const store = open({ flushIntervalMs: 60_000, maxBufferedBytes: 1024 });
    const reader = open();
    newRun(store, 'big');
    store.appendOutput('big', 'stdout', 1, 1, Buffer.from('x'.repeat(2000) + '\n'), 1);
    assert.equal(reader.readLog('big', 1, 1)[0]!.text.length, 2000);
  });

  it('searches logs case-insensitively in inline and file chunks, per run and overall', () => {
    const store = open({ inlineLogBytes: 100, maxChunkBytes: 64 });
    for (const [id, startedAt] of [['old', 1000], ['new', 2000]] as const) {
      newRun(store, id, startedAt);
      const lines = ['first line', `Needle in ${id}`, 'middle', 'another NEEDLE here', 'last'];
      lines.forEach((text, k) => store.appendOutput(id, 'stdout', k + 1, 1, Buffer.from(text + '\n'), 1));
      finish(store, id, 'succeeded', startedAt + 1, lines.length);
    }
    assert.deepEqual(store.searchLogs('needle'), [
      { runId: 'new', line: 2, stream: 'stdout', text: 'Needle in new' },
      { runId: 'new', line: 4, stream: 'stdout', text: 'another NEEDLE here' },
      { runId: 'old', line: 2, stream: 'stdout', text: 'Needle in old' },
      { runId: 'old', line: 4, stream: 'stdout', text: 'another NEEDLE here' },
    ]);
    assert.deepEqual(store.searchLogs('NEEDLE', { runId: 'old', limit: 1 }).map((m) => m.line), [2]);
    assert.deepEqual(store.searchLogs('absent'), []);
    assert.deepEqual(store.searchLogs(''), []);
    assert.deepEqual(store.listRuns({ search: 'in OLD' }).map((r) => r.id), ['old']);
  });
});

describe('store: history queries', () => {
  it('lists runs newest first with filters, limit and cursor', () => {
    const store = open();
    for (let i = 0; i < 6; i++) {
      newRun(store, `run-${i}`, 1000 + i, { script: i % 2 ? '/a.sh' : '/b.sh', profile: i < 3 ? 'dev' : 'release' });
      store.enqueue({ type: 'stepStarted', runId: `run-${i}`, stepId: 1, parentId: null, name: i === 4 ? 'Deploy' : 'Build', startedAt: 1000 + i, line: 1 });
      if (i !== 5) finish(store, `run-${i}`, i % 3 ? 'succeeded' : 'failed', 2000 + i);
    }
    store.flush();
    const ids = (q: Parameters<Store['listRuns']>[0]) => store.listRuns(q).map((r) => r.id);
    assert.deepEqual(ids({}), ['run-5', 'run-4', 'run-3', 'run-2', 'run-1', 'run-0']);
    assert.deepEqual(ids({ limit: 2 }), ['run-5', 'run-4']);
    assert.deepEqual(ids({ status: ['failed'] }), ['run-3', 'run-0']);
    assert.deepEqual(ids({ status: ['running', 'failed'] }), ['run-5', 'run-3', 'run-0']);
    assert.deepEqual(ids({ script: '/a.sh' }), ['run-5', 'run-3', 'run-1']);
    assert.deepEqual(ids({ profile: 'dev', script: '/b.sh' }), ['run-2', 'run-0']);
    assert.deepEqual(ids({ search: 'deploy' }), ['run-4']);
    assert.deepEqual(ids({ until: 1003, since: 1001 }), ['run-2', 'run-1']);
    const page1 = store.listRuns({ limit: 4 });
    assert.deepEqual(ids({ limit: 4, cursor: page1[3]!.cursor }), ['run-1', 'run-0']);
    const top = store.listRuns({ limit: 1, status: ['succeeded'] })[0]!;
    assert.deepEqual(
      { ...top, cursor: undefined },
      { id: 'run-4', script: '/b.sh', args: ['--fast'], cwd: '/abs', profile: 'release', status: 'succeeded', exitCode: 0, signal: null, startedAt: 1004, endedAt: 2004, durationMs: 2034, lineCount: 0, stepCount: 1, failedStep: null, cursor: undefined },
    );
  });

  it('finds a run by unique id prefix and rejects an ambiguous one', () => {
    const store = open();
    for (const id of ['abc123', 'abd456', 'x*[y]?']) newRun(store, id);
    store.flush();
    assert.equal(store.getRun('abc')!.id, 'abc123');
    assert.equal(store.getRun('abd456')!.id, 'abd456');
    assert.equal(store.getRun('x*[')!.id, 'x*[y]?');
    assert.equal(store.getRun('x*z'), undefined);
    assert.equal(store.getRun('zzz'), undefined);
    assert.equal(store.getRun(''), undefined);
    assert.throws(() => store.getRun('ab'), (err: unknown) => err instanceof StoreError && err.code === 'AMBIGUOUS_ID' && /abc123, abd456/.test(err.message));
  });

  it('computes basic per-step statistics of succeeded steps', () => {
    const store = open();
    for (let i = 0; i < 3; i++) {
      const runId = `s${i}`;
      newRun(store, runId, 1000 + i);
      store.enqueue({ type: 'stepStarted', runId, stepId: 1, parentId: null, name: 'Build', startedAt: 0, line: 1 });
      store.enqueue({ type: 'stepStarted', runId, stepId: 2, parentId: 1, name: 'compile', startedAt: 0, line: 1 });
      store.enqueue({ type: 'stepFinished', runId, stepId: 2, status: i === 2 ? 'failed' : 'succeeded', endedAt: 0, durationMs: 100 * (i + 1), error: null, line: 1 });
      store.enqueue({ type: 'stepFinished', runId, stepId: 1, status: 'succeeded', endedAt: 0, durationMs: 1000 * (i + 1), error: null, line: 1 });
      finish(store, runId);
    }
    assert.deepEqual(
      store.stepStats('/abs/build.sh').map(({ updatedAt: _, stdDevMs, ...rest }) => ({ ...rest, stdDevMs: stdDevMs === null ? null : Math.round(stdDevMs * 100) / 100 })),
      [
        { script: '/abs/build.sh', path: ['Build'], name: 'Build', count: 3, meanMs: 2000, minMs: 1000, maxMs: 3000, lastDurationsMs: [1000, 2000, 3000], stdDevMs: 1000 },
        { script: '/abs/build.sh', path: ['Build', 'compile'], name: 'compile', count: 2, meanMs: 150, minMs: 100, maxMs: 200, lastDurationsMs: [100, 200], stdDevMs: 70.71 },
      ],
    );
    assert.deepEqual(store.stepStats('/other.sh'), []);
    assert.equal(store.stepStats().length, 2);
  });

  it('reports metrics and notices writes of other connections through dataVersion', () => {
    const store = open();
    const other = open();
    const before = store.dataVersion();
    newRun(other, 'm');
    finish(other, 'm');
    assert.notEqual(store.dataVersion(), before);
    const m = store.metrics();
    assert.equal(m.schemaVersion, SCHEMA_VERSION);
    assert.deepEqual(m.runsByStatus, { succeeded: 1 });
    assert.ok(m.dbBytes > 0 && m.pageSize > 0 && m.walBytes >= 0);
  });
});

describe('store: maintenance', () => {
  it('marks runs of dead owners interrupted and leaves live and own runs alone', () => {
    const writer = open();
    writer.createRun({ id: 'dead', script: '/s', args: [], cwd: '/', profile: null, startedAt: 1000, ownerPid: 999_999 });
    writer.createRun({ id: 'alive', script: '/s', args: [], cwd: '/', profile: null, startedAt: 1000, ownerPid: 424_242 });
    writer.enqueue({ type: 'stepStarted', runId: 'dead', stepId: 1, parentId: null, name: 'open', startedAt: 1100, line: 1 });
    writer.appendOutput('dead', 'stdout', 1, 2, Buffer.from('a\nb\n'), 1500);
    writer.flush();
    const other = open();
    const isAlive = (pid: number) => pid === 424_242;
    assert.deepEqual(writer.markInterrupted(() => false), [], 'a store never interrupts its own runs');
    assert.deepEqual(other.markInterrupted(isAlive), ['dead']);
    assert.deepEqual(other.markInterrupted(isAlive), [], 'idempotent');
    const run = other.getRun('dead')!;
    assert.equal(run.status, 'interrupted');
    assert.equal(run.endedAt, new Date(1500).toISOString());
    assert.equal(run.durationMs, 500);
    assert.equal(run.lineCount, 2);
    assert.match(run.error!.message, /interrupted/);
    assert.deepEqual([run.steps[0]!.status, run.steps[0]!.durationMs], ['cancelled', 400]);
    assert.equal(other.getRun('alive')!.status, 'running');
  });

  it('prunes the oldest finished runs by count and by bytes, with their rows and files', () => {
    const store = open({ inlineLogBytes: 1000 });
    const big = Buffer.from(Array.from({ length: 100 }, (_, i) => `line ${i} ${'y'.repeat(40)}\n`).join(''));
    for (let i = 0; i < 8; i++) {
      const id = `p${i}`;
      newRun(store, id, 1000 + i);
      store.enqueue({ type: 'stepStarted', runId: id, stepId: 1, parentId: null, name: 'x', startedAt: 1, line: 1 });
      store.appendOutput(id, 'stdout', 1, 100, big, 1);
      if (i !== 0) finish(store, id, 'succeeded', 2000 + i, 100);
    }
    store.flush();
    const logDir = `${store.file}-logs`;
    assert.equal(fs.readdirSync(logDir).length, 8);
    assert.deepEqual(store.prune({ maxRuns: 5 }), { deletedRuns: 3 }); // p1..p3; p0 still runs
    assert.deepEqual(store.listRuns().map((r) => r.id), ['p7', 'p6', 'p5', 'p4', 'p0']);
    assert.deepEqual(store.prune({ maxRuns: 5 }), { deletedRuns: 0 });
    assert.deepEqual(store.prune({ maxBytes: 2 * big.length }), { deletedRuns: 3 }); // p0 cannot go
    assert.deepEqual(store.listRuns().map((r) => r.id), ['p7', 'p0']);
    const rids = sqlOf(store).prepare('SELECT rid FROM runs ORDER BY rid').pluck().all() as number[];
    assert.deepEqual(fs.readdirSync(logDir).sort(), rids.map((rid) => `${rid}.log`).sort(), 'the files of pruned runs are gone');
    const count = (table: string) => sqlOf(store).prepare(`SELECT count(*) FROM ${table}`).pluck().get();
    assert.deepEqual([count('runs'), count('steps')], [2, 2]);
    assert.equal(sqlOf(store).prepare('SELECT count(*) FROM log_chunks WHERE rid NOT IN (SELECT rid FROM runs)').pluck().get(), 0);
    assert.equal(sqlOf(store).pragma('integrity_check', { simple: true }), 'ok');
    assert.equal(sqlOf(store).pragma('freelist_count', { simple: true }), 0, 'freed pages handed back (incremental_vacuum)');
    assert.equal(store.readLog('p7', 100, 1)[0]!.text, `line 99 ${'y'.repeat(40)}`);
  });

  it('keeps buffered data when a flush fails and writes it on the next one', () => {
    const store = open({ busyTimeoutMs: 20, flushIntervalMs: 60_000, onError: () => undefined });
    newRun(store, 'retry');
    store.flush();
    const blocker = openDatabase(store.file);
    blocker.exec('BEGIN IMMEDIATE');
    store.appendOutput('retry', 'stdout', 1, 1, Buffer.from('kept\n'), 1);
    store.enqueue({ type: 'stepStarted', runId: 'retry', stepId: 1, parentId: null, name: 'a', startedAt: 1, line: 1 });
    assert.throws(() => store.flush(), (err: unknown) => err instanceof StoreError && err.code === 'LOCKED');
    blocker.exec('ROLLBACK');
    blocker.close();
    store.flush();
    assert.equal(store.readLog('retry', 1, 1)[0]!.text, 'kept');
    assert.equal(store.getRun('retry')!.steps.length, 1);
  });
});
