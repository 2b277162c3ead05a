// Step statistics in the store: the step_stats table kept by the writer in the transaction
// that finishes a step, rebuilt from history, filled by the migration for older databases,
// and the run session's outlier warnings and expectations built on it.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openDatabase } from '../../sidecar/store/database';
import { MIGRATIONS, SCHEMA_VERSION, migrate, stepPathKey } from '../../sidecar/store/schema';
import { Store, StoreError } from '../../sidecar/store/store';
import type { StepStatistic } from '../../sidecar/protocol/statistics';
import { openStore, sqlOf } from '../support/storeSql';
import { aggregateOf, sampleStdDev } from '../../sidecar/stats/welford';
import { RunSession } from '../../sidecar/runs/runSession';
import type { RunEvent, WarningEvent } from '../../sidecar/protocol/events';
import { formatDuration } from '../../sidecar/protocol/format';
import { tempFolderWithStores } from '../support/tempFolder';

const folder = tempFolderWithStores('stepflow-stats-');
const dbFile = () => path.join(folder.path, 'stepflow.db');
function open(file = dbFile()): Store {
  return folder.closeAfterTest(openStore(file, { flushIntervalMs: 60_000 }));
}

const SCRIPT = '/abs/build.sh';
let clock = 1_700_000_000_000;

/** One run: steps as [name, parent index | null, status, duration], in start order. */
function writeRun(store: Store, runId: string, steps: Array<[string, number | null, 'succeeded' | 'failed' | 'cancelled', number]>, script = SCRIPT): void {
  const t = (clock += 60_000);
  store.createRun({ id: runId, script, args: [], cwd: '/abs', profile: null, startedAt: t });
  steps.forEach(([name, parent], i) => store.enqueue({ type: 'stepStarted', runId, stepId: i + 1, parentId: parent === null ? null : parent + 1, name, startedAt: t, line: 1 }));
  // Innermost first, as a tracker closes them, with end times in that order.
  for (let i = steps.length - 1, k = 1; i >= 0; i--, k++) {
    const [, , status, duration] = steps[i]!;
    store.enqueue({ type: 'stepFinished', runId, stepId: i + 1, status, endedAt: t + k, durationMs: duration, error: null, line: 1 });
  }
  store.enqueue({ type: 'runFinished', runId, status: 'succeeded', exitCode: 0, signal: null, endedAt: t + 10_000, durationMs: 10_000, lineCount: 0, error: null });
}

const strip = (stats: StepStatistic[]) =>
  stats.map((s) => ({ path: s.path, count: s.count, mean: round(s.meanMs), sd: s.stdDevMs === null ? null : round(s.stdDevMs), min: s.minMs, max: s.maxMs, last: s.lastDurationsMs }));
const round = (x: number) => Math.round(x * 1e6) / 1e6;

describe('stats: step_stats in the store', () => {
  it('keeps count, mean, σ, min, max and the last durations of succeeded steps only', () => {
    const store = open();
    const durations = [120, 80, 100, 140, 95];
    durations.forEach((d, i) =>
      writeRun(store, `r${i}`, [
        ['Build', null, 'succeeded', d + 1000],
        ['compile', 0, 'succeeded', d],
        ['flaky', 0, i % 2 ? 'failed' : 'succeeded', 7],
        ['stopped', null, 'cancelled', 5],
      ]),
    );
    const stats = store.stepStats(SCRIPT);
    const compile = stats.find((s) => s.name === 'compile')!;
    assert.deepEqual(compile.path, ['Build', 'compile']);
    assert.equal(compile.count, 5);
    assert.equal(compile.meanMs, 107);
    assert.ok(Math.abs(compile.stdDevMs! - sampleStdDev(aggregateOf(durations))!) < 1e-9);
    assert.equal(compile.minMs, 80);
    assert.equal(compile.maxMs, 140);
    assert.deepEqual(compile.lastDurationsMs, durations);
    assert.equal(stats.find((s) => s.name === 'flaky')!.count, 3, 'failed runs of a step do not count');
    assert.equal(stats.find((s) => s.name === 'stopped'), undefined, 'cancelled steps do not count');
    assert.deepEqual(stats.map((s) => s.name), ['Build', 'compile', 'flaky'], 'in run order');
  });

  it('agrees with a rebuild from history, also after runs were written by several stores', () => {
    const a = open();
    const b = open();
    for (let i = 0; i < 12; i++) {
      const store = i % 3 === 0 ? b : a;
      writeRun(store, `m${i}`, [
        ['Setup', null, 'succeeded', 10 + ((i * 7) % 5)],
        ['Test', null, 'succeeded', 200 + ((i * 37) % 90)],
        ['unit', 1, i % 4 === 0 ? 'failed' : 'succeeded', 100 + ((i * 13) % 40)],
        ['Test', null, 'succeeded', 50 + i],
      ]);
      if (i % 5 === 0) writeRun(store, `other${i}`, [['Setup', null, 'succeeded', 1]], '/abs/other.sh');
    }
    a.flush();
    b.flush();
    const incremental = strip(a.stepStats());
    const result = a.rebuildStats();
    assert.equal(result.steps, incremental.length);
    assert.deepEqual(strip(a.stepStats()), incremental);
    assert.deepEqual(strip(b.stepStats()), incremental);
    // Same-named siblings share a path (the store's key); their durations are pooled.
    assert.equal(a.stepStats(SCRIPT).find((s) => s.path.join('/') === 'Test')!.count, 24);
  });

  it('finds the step path in every case: same batch, later batch, and a run another store started', () => {
    const store = open();
    const other = open();
    store.createRun({ id: 'p', script: SCRIPT, args: [], cwd: '/', profile: null, startedAt: 1 });
    store.enqueue({ type: 'stepStarted', runId: 'p', stepId: 1, parentId: null, name: 'outer', startedAt: 1, line: 1 });
    store.enqueue({ type: 'stepStarted', runId: 'p', stepId: 2, parentId: 1, name: 'same batch', startedAt: 1, line: 1 });
    store.enqueue({ type: 'stepFinished', runId: 'p', stepId: 2, status: 'succeeded', endedAt: 2, durationMs: 1, error: null, line: 1 });
    store.enqueue({ type: 'stepStarted', runId: 'p', stepId: 3, parentId: 1, name: 'later batch', startedAt: 1, line: 1 });
    store.enqueue({ type: 'stepStarted', runId: 'p', stepId: 4, parentId: 1, name: 'adopted', startedAt: 1, line: 1 });
    store.flush();
    store.enqueue({ type: 'stepFinished', runId: 'p', stepId: 3, status: 'succeeded', endedAt: 3, durationMs: 2, error: null, line: 1 });
    store.flush();
    other.enqueue({ type: 'stepFinished', runId: 'p', stepId: 4, status: 'succeeded', endedAt: 4, durationMs: 3, error: null, line: 1 });
    other.flush();
    assert.deepEqual(
      store.stepStats(SCRIPT).map((s) => [s.path, s.count, s.meanMs]),
      [[['outer', 'same batch'], 1, 1], [['outer', 'later batch'], 1, 2], [['outer', 'adopted'], 1, 3]],
    );
  });

  it('updates the statistics in the transaction that finishes the step: all or nothing, counted once', () => {
    const store = openStore(dbFile(), { flushIntervalMs: 60_000, onError: () => undefined });
    folder.closeAfterTest(store);
    store.createRun({ id: 'tx', script: SCRIPT, args: [], cwd: '/', profile: null, startedAt: 1 });
    store.flush();
    // Make the step's own row fail to insert, after the statistics were updated in apply().
    sqlOf(store).exec(`CREATE TEMP TRIGGER no_boom BEFORE INSERT ON steps WHEN NEW.name = 'boom' BEGIN SELECT RAISE(ABORT, 'boom refused'); END`);
    store.enqueue({ type: 'stepStarted', runId: 'tx', stepId: 1, parentId: null, name: 'boom', startedAt: 1, line: 1 });
    store.enqueue({ type: 'stepFinished', runId: 'tx', stepId: 1, status: 'succeeded', endedAt: 501, durationMs: 500, error: null, line: 1 });
    assert.throws(() => store.flush(), (err: unknown) => err instanceof StoreError);
    assert.deepEqual(store.stepStats(SCRIPT), [], 'no statistics without the step');
    sqlOf(store).exec('DROP TRIGGER no_boom');
    store.flush();
    assert.deepEqual(store.stepStats(SCRIPT).map((s) => [s.name, s.count, s.meanMs]), [['boom', 1, 500]]);
    assert.equal(store.getRun('tx')!.steps[0]!.status, 'succeeded');
  });

  it('outlives pruned runs (the aggregate is the history), and a rebuild forgets them', () => {
    const store = open();
    for (let i = 0; i < 5; i++) writeRun(store, `k${i}`, [['A', null, 'succeeded', 100 * (i + 1)]]);
    store.prune({ maxRuns: 2 });
    assert.equal(store.stepStats(SCRIPT)[0]!.count, 5);
    store.rebuildStats();
    assert.deepEqual(strip(store.stepStats(SCRIPT)).map((s) => [s.count, s.mean, s.last]), [[2, 450, [400, 500]]]);
  });

  it('migrates a version-1 database and fills the statistics from its history', () => {
    const db = openDatabase(dbFile());
    migrate(db, MIGRATIONS.filter((m) => m.version === 1));
    assert.equal(db.pragma('user_version', { simple: true }), 1);
    db.exec(`INSERT INTO runs (id, script, cwd, status, started_at) VALUES ('old1', '${SCRIPT}', '/', 'succeeded', 1), ('old2', '${SCRIPT}', '/', 'failed', 2)`);
    const insert = db.prepare(`INSERT INTO steps (rid, step_id, parent_id, name, path, status, started_at, duration_ms, first_line) VALUES (?, ?, ?, ?, ?, ?, 0, ?, 1)`);
    insert.run(1, 1, null, 'A', stepPathKey(['A']), 'succeeded', 300);
    insert.run(2, 1, null, 'A', stepPathKey(['A']), 'succeeded', 500);
    insert.run(2, 2, 1, 'b', stepPathKey(['A', 'b']), 'failed', 9);
    db.close();
    const store = open();
    assert.equal(sqlOf(store).pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.deepEqual(strip(store.stepStats(SCRIPT)), [{ path: ['A'], count: 2, mean: 400, sd: round(Math.SQRT2 * 100), min: 300, max: 500, last: [300, 500] }]);
  });
});

describe('stats: a run session judges its steps against the runs before it', () => {
  it('emits and stores an outlier warning for a slow step, and hands out expectations at start', async function () {
    // The slow run's Work step is held open by the test: after STEP_START it waits for a gate
    // that the test opens `hold` ms after it saw the step start (the stepStarted event), so
    // the step lasts at least that long by construction. `hold` comes from the baseline:
    // twice its mean plus 2.2 s is slower by > 1 s and > 50 % (the "slower" rule) and above
    // the 1 s floor, however slow the baseline runs were on a loaded machine. The floor keeps
    // load jitter of the millisecond step (Quick) quiet.
    const FLOOR = 1000;
    const store = open();
    const script = path.join(folder.path, 'job.sh');
    fs.writeFileSync(script, '#!/bin/sh\necho STEP_START:Work\nif [ -n "$GATE" ]; then while [ ! -e "$GATE" ]; do sleep 0.02; done; else sleep 0.1; fi\necho STEP_COMPLETE:Work\necho STEP_START:Quick\necho STEP_COMPLETE:Quick\n', { mode: 0o755 });
    const runOnce = async (env: Record<string, string> = {}, holdMs = 0) => {
      const session = new RunSession(store, { script, env, outlierMinSlowdownMs: FLOOR });
      const events: RunEvent[] = [];
      let seenAt = 0;
      let openedAt = 0;
      session.onEvent((e) => {
        events.push(e);
        if (env.GATE && e.type === 'stepStarted' && e.name === 'Work') {
          seenAt = Date.now();
          setTimeout(() => {
            openedAt = Date.now();
            fs.writeFileSync(env.GATE!, '');
          }, holdMs);
        }
      });
      await session.start();
      const result = await session.done;
      return { events, record: store.getRun(result.runId)!, seenAt, openedAt };
    };
    const first = await runOnce();
    const started = first.events.find((e) => e.type === 'runStarted')!;
    assert.equal(started.type === 'runStarted' && started.expectations, null, 'no history yet');
    for (let i = 0; i < 2; i++) await runOnce();
    const baseline = store.stepStats(script);
    const workMean = baseline.find((s) => s.path.join('/') === 'Work')!.meanMs;
    const slow = await runOnce({ GATE: path.join(folder.path, 'gate') }, Math.ceil(2 * workMean + FLOOR + 1200));
    const start = slow.events[0]!;
    assert.ok(start.type === 'runStarted' && start.expectations && start.expectations.basedOnRuns === 3);
    assert.deepEqual(start.expectations.steps.map((s) => s.name), ['Work', 'Quick']);
    const work = slow.record.steps[0]!;
    // Held across the gate: timestamps the test controls, compared for order only.
    assert.ok(work.startedAt <= slow.seenAt && work.endedAt! >= slow.openedAt && slow.openedAt > slow.seenAt);
    const warnings = slow.events.filter((e): e is WarningEvent => e.type === 'warning');
    const quick = slow.record.steps[1]!;
    const quickMean = baseline.find((s) => s.path.join('/') === 'Quick')!.meanMs;
    // Only Work — unless load made Quick itself slower than the floor, which it then must not hide.
    if (quick.durationMs! - quickMean < FLOOR) {
      assert.equal(warnings.length, 1, JSON.stringify(warnings));
      assert.deepEqual(quick.warnings, []);
    }
    assert.equal(warnings[0]!.stepId, work.id);
    // Right after the step's own finish event.
    const finishedAt = slow.events.findIndex((e) => e.type === 'stepFinished' && e.stepId === work.id);
    assert.equal(slow.events[finishedAt + 1], warnings[0]);
    assert.equal(work.warnings.length, 1);
    assert.equal(work.warnings[0]!.type, 'outlier');
    // Which rule fires (and so the severity) depends on the baseline's spread; the rules
    // themselves are unit-tested in stats.outliers.
    assert.match(work.warnings[0]!.severity, /^(warning|critical)$/);
    assert.ok(work.warnings[0]!.message.startsWith(`${formatDuration(work.durationMs)} (`), work.warnings[0]!.message);
    assert.match(work.warnings[0]!.message, / mean\)$/);
    // The slow duration is part of the baseline now.
    assert.equal(store.stepStats(script)[0]!.count, 4);
  });

  it('does not judge before the minimum number of samples (option)', async () => {
    const store = open();
    const script = path.join(folder.path, 'few.sh');
    fs.writeFileSync(script, '#!/bin/sh\necho STEP_START:Work\nsleep "${SLOW:-0.05}"\necho STEP_COMPLETE:Work\n', { mode: 0o755 });
    for (let i = 0; i < 3; i++) {
      const session = new RunSession(store, { script });
      await session.start();
      await session.done;
    }
    const session = new RunSession(store, { script, env: { SLOW: '1' }, outlierMinSamples: 4 });
    const warnings: RunEvent[] = [];
    session.onEvent((e) => e.type === 'warning' && warnings.push(e));
    await session.start();
    await session.done;
    assert.deepEqual(warnings, []);
  });
});
