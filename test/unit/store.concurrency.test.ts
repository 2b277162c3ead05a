// Several real processes on one database file: nothing lost, and a writer killed in the
// middle of its work leaves an intact database whose running run becomes `interrupted`.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { openStore, sqlOf } from '../support/storeSql';
import { LINES_PER_RUN, STEPS_PER_RUN, lineText } from '../support/storeWriter';
import { tempFolderPerTest } from '../support/tempFolder';

const root = path.resolve(__dirname, '..', '..');
const writerScript = path.join(root, 'test', 'support', 'storeWriter.ts');

interface Writer {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with the first stdout line matching the pattern, printed before or after the call. */
  line(pattern: RegExp): Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Children still running: killed after each test, so a failing test leaves no writer behind. */
const live = new Set<ChildProcessWithoutNullStreams>();

function startWriter(db: string, mode: 'batch' | 'halves' | 'forever', runs: number, tag: string): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', writerScript, db, mode, String(runs), tag], { cwd: root, stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = readline.createInterface({ input: child.stdout });
  const seen: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  lines.on('line', (line) => {
    seen.push(line);
    for (const w of [...waiters]) {
      if (w.pattern.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  live.add(child);
  child.on('exit', () => live.delete(child));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    line: (pattern) =>
      new Promise((resolve, reject) => {
        const earlier = seen.find((line) => pattern.test(line));
        if (earlier !== undefined) return resolve(earlier);
        waiters.push({ pattern, resolve });
        void exit.then(({ code, signal }) => reject(new Error(`writer exited (${code ?? signal}) before printing ${pattern}: ${stderr}`)));
      }),
    exit,
    stderr: () => stderr,
  };
}

describe('store: several processes on one database', function () {
  this.timeout(60_000);
  let dir: string;
  tempFolderPerTest('stepflow-conc-', {
    beforeTest: (folder) => (dir = folder),
    afterTest: () => {
      for (const child of live) child.kill('SIGKILL');
    },
  });

  it('two processes writing at once lose nothing', async () => {
    const db = path.join(dir, 'shared.db');
    const RUNS = 200;
    const writers = ['a', 'b'].map((tag) => startWriter(db, 'halves', RUNS, tag));
    await Promise.all(writers.map((w) => w.line(/^ready$/)));
    // Both are open and waiting: start them together so their transactions interleave. Each
    // stops after its first half until both got there, so whatever the scheduler does, both
    // first halves commit before either second half: the commit order interleaves by
    // construction (on a loaded machine one writer could otherwise finish before the other
    // started).
    for (const w of writers) w.child.stdin.write('go\n');
    await Promise.all(writers.map((w) => w.line(/^half$/)));
    for (const w of writers) w.child.stdin.write('go\n');
    const results = await Promise.all(writers.map((w) => w.exit));
    writers.forEach((w, i) => assert.deepEqual(results[i], { code: 0, signal: null }, w.stderr()));

    const store = openStore(db);
    try {
      const count = (sql: string) => sqlOf(store).prepare(sql).pluck().get() as number;
      assert.equal(count(`SELECT count(*) FROM runs WHERE status = 'succeeded'`), 2 * RUNS);
      assert.equal(count('SELECT count(*) FROM steps'), 2 * RUNS * STEPS_PER_RUN);
      assert.equal(count(`SELECT count(*) FROM steps WHERE status = 'succeeded'`), 2 * RUNS * STEPS_PER_RUN);
      assert.equal(count('SELECT sum(line_count) FROM log_chunks'), 2 * RUNS * LINES_PER_RUN);
      assert.equal(count('SELECT sum(line_count) FROM runs'), 2 * RUNS * LINES_PER_RUN);
      assert.equal(count('SELECT count(*) FROM warnings'), 2 * RUNS);
      assert.equal(count('SELECT count(*) FROM artifacts'), 2 * RUNS);
      assert.equal(sqlOf(store).pragma('integrity_check', { simple: true }), 'ok');
      // Commit order (rid): both first halves before both second halves — the barrier held,
      // so the two processes really had the database open and writing at the same time.
      const order = sqlOf(store).prepare('SELECT id FROM runs ORDER BY rid').pluck().all() as string[];
      const half = (id: string) => (Number(id.split('-')[1]) < RUNS / 2 ? 1 : 2);
      const firstSecond = order.findIndex((id) => half(id) === 2);
      assert.equal(firstSecond, RUNS, 'every first-half run committed before any second-half run');
      assert.deepEqual(new Set(order.slice(0, RUNS).map((id) => id[0])), new Set(['a', 'b']));
      for (const runId of ['a-0', 'b-0', 'a-199', 'b-123']) {
        const run = store.getRun(runId)!;
        assert.deepEqual(run.steps.map((s) => [s.name, s.children.map((c) => c.name)]), [['s1', ['s2', 's3']], ['s4', ['s5']]]);
        assert.deepEqual(run.meta, { K: runId });
        assert.deepEqual(
          store.readLog(runId, 1, 1000).map((l) => l.text),
          Array.from({ length: LINES_PER_RUN }, (_, k) => lineText(runId, k + 1)),
        );
      }
    } finally {
      store.close();
    }
  });

  it('a writer killed mid-write leaves an intact database, and its run becomes interrupted', async () => {
    const db = path.join(dir, 'killed.db');
    const victim = startWriter(db, 'forever', 0, 'k');
    const neighbour = startWriter(db, 'batch', 50, 'n');
    await neighbour.line(/^ready$/);
    neighbour.child.stdin.write('go\n');
    // Several committed batches, then SIGKILL while it keeps writing (it never pauses).
    await victim.line(/^progress 5$/);
    victim.child.kill('SIGKILL');
    assert.equal((await victim.exit).signal, 'SIGKILL');
    assert.deepEqual(await neighbour.exit, { code: 0, signal: null }, neighbour.stderr());

    const store = openStore(db);
    try {
      assert.equal(sqlOf(store).pragma('integrity_check', { simple: true }), 'ok');
      assert.equal((sqlOf(store).pragma('foreign_key_check') as unknown[]).length, 0);
      assert.deepEqual(store.runningRunIds(), ['k-forever']);
      assert.deepEqual(store.markInterrupted(), ['k-forever']); // the default check: process.kill(pid, 0)
      const run = store.getRun('k-forever')!;
      assert.equal(run.status, 'interrupted');
      assert.ok(run.endedAt !== null && run.lineCount >= 5 * 1000, `lines ${run.lineCount}`);
      assert.ok(run.steps.length >= 5);
      assert.ok(run.steps.every((s) => s.status !== 'running'));
      // Every committed line reads back exactly, across inline and log-file chunks.
      const lines = store.readLog('k-forever', 1, run.lineCount);
      assert.equal(lines.length, run.lineCount);
      lines.forEach((l, i) => assert.equal(l.text, lineText('k-forever', i + 1)));
      assert.equal(store.listRuns({ status: ['succeeded'] }).length, 50);
    } finally {
      store.close();
    }
  });
});
