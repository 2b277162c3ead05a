// Store behaviours a user relies on that no other test pinned down: metadata
// merged within one flush, line counts that only grow, history search taking `%` and `_`
// literally, and what a run record keeps of errors, failures and steps. Real SQLite files
// in a temporary folder.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { Store, StoreError } from '../../sidecar/store/store';
import { tempFolderWithStores } from '../support/tempFolder';

const folder = tempFolderWithStores('stepflow-gaps-');
function open(): Store {
  return folder.closeAfterTest(new Store(path.join(folder.path, 'stepflow.db')));
}
function newRun(store: Store, id: string, extra: Partial<{ script: string; args: string[]; profile: string | null; startedAt: number }> = {}): void {
  store.createRun({ id, script: extra.script ?? '/w/build.sh', args: extra.args ?? [], cwd: '/w', profile: extra.profile ?? null, startedAt: extra.startedAt ?? 1_000 });
}
const started = (runId: string, stepId: number, name: string, parentId: number | null = null, at = 1_000, line = 1) =>
  ({ type: 'stepStarted', runId, stepId, parentId, name, startedAt: at, line }) as const;
const finishedStep = (runId: string, stepId: number, status: 'succeeded' | 'failed' = 'succeeded', at = 1_500) =>
  ({ type: 'stepFinished', runId, stepId, status, endedAt: at, durationMs: at - 1_000, error: status === 'failed' ? { message: `step ${stepId} failed`, file: 'a.sh', line: 3, column: null } : null, line: 9 }) as const;
const runFinished = (runId: string, lineCount: number, error: { message: string; file: null; line: null; column: null } | null = null) =>
  ({ type: 'runFinished', runId, status: 'succeeded', exitCode: 0, signal: null, endedAt: 3_000, durationMs: 2_000, lineCount, error }) as const;

describe('store: metadata', () => {
  it('keeps two different META keys of the same step written in one flush', () => {
    const store = open();
    newRun(store, 'r');
    store.enqueue(started('r', 1, 'Build'));
    store.enqueue({ type: 'meta', runId: 'r', stepId: 1, key: 'DESCRIPTION', value: 'compiles', at: 1_001 });
    store.enqueue({ type: 'meta', runId: 'r', stepId: 1, key: 'PROGRESS', value: '10', at: 1_002 });
    store.enqueue({ type: 'meta', runId: 'r', stepId: 1, key: 'PROGRESS', value: '40', at: 1_003 });
    store.flush();
    assert.deepEqual(store.getRun('r')!.steps[0]!.meta, { DESCRIPTION: 'compiles', PROGRESS: '40' });
  });

  it('keeps run-level and step-level META apart, and merges later flushes into what is stored', () => {
    const store = open();
    newRun(store, 'r');
    store.enqueue({ type: 'meta', runId: 'r', stepId: null, key: 'OWNER', value: 'ci', at: 1_000 });
    store.enqueue({ type: 'meta', runId: 'r', stepId: null, key: 'ESTIMATED_DURATION', value: '30', at: 1_000 });
    store.enqueue(started('r', 1, 'Build'));
    store.enqueue({ type: 'meta', runId: 'r', stepId: 1, key: 'PROGRESS', value: '5', at: 1_001 });
    store.flush();
    store.enqueue({ type: 'meta', runId: 'r', stepId: 1, key: 'DESCRIPTION', value: 'later', at: 1_100 });
    store.enqueue({ type: 'meta', runId: 'r', stepId: null, key: 'OWNER', value: 'me', at: 1_100 });
    store.flush();
    const run = store.getRun('r')!;
    assert.deepEqual(run.meta, { OWNER: 'me', ESTIMATED_DURATION: '30' });
    assert.deepEqual(run.steps[0]!.meta, { PROGRESS: '5', DESCRIPTION: 'later' });
  });

  it('keeps META of two steps of the same run in one flush apart', () => {
    const store = open();
    newRun(store, 'r');
    store.enqueue(started('r', 1, 'A'));
    store.enqueue({ type: 'meta', runId: 'r', stepId: 1, key: 'K', value: 'a', at: 1_001 });
    store.enqueue(finishedStep('r', 1));
    store.enqueue(started('r', 2, 'B'));
    store.enqueue({ type: 'meta', runId: 'r', stepId: 2, key: 'K', value: 'b', at: 1_002 });
    store.flush();
    assert.deepEqual(store.getRun('r')!.steps.map((s) => s.meta), [{ K: 'a' }, { K: 'b' }]);
  });
});

describe('store: line counts', () => {
  it('does not let a smaller final line count overwrite the stored one', () => {
    const store = open();
    newRun(store, 'r');
    store.appendOutput('r', 'stdout', 1, 5, Buffer.from('1\n2\n3\n4\n5\n'), 1_100);
    store.flush();
    store.enqueue(runFinished('r', 3));
    store.flush();
    assert.equal(store.getRun('r')!.lineCount, 5);
    assert.equal(store.listRuns()[0]!.lineCount, 5);
  });

  it('takes a larger final line count', () => {
    const store = open();
    newRun(store, 'r');
    store.appendOutput('r', 'stdout', 1, 2, Buffer.from('1\n2\n'), 1_100);
    store.enqueue(runFinished('r', 7));
    store.flush();
    assert.equal(store.getRun('r')!.lineCount, 7);
  });

  it('does not lower the step count when a later flush reports fewer steps', () => {
    const store = open();
    newRun(store, 'r');
    store.enqueue(started('r', 1, 'A'));
    store.enqueue(started('r', 2, 'B', 1));
    store.flush();
    store.enqueue(finishedStep('r', 2));
    store.enqueue(finishedStep('r', 1));
    store.enqueue(runFinished('r', 0));
    store.flush();
    assert.equal(store.listRuns()[0]!.stepCount, 2);
  });
});

describe('store: history search takes `%`, `_` and `\\` literally', () => {
  function seeded(): Store {
    const store = open();
    newRun(store, 'pct', { script: '/w/100%-done.sh', startedAt: 1_003 });
    newRun(store, 'under', { script: '/w/build_all.sh', startedAt: 1_002 });
    newRun(store, 'slash', { script: '/w/plain.sh', args: ['C:\\temp'], startedAt: 1_001 });
    newRun(store, 'plain', { script: '/w/plainest.sh', startedAt: 1_000 });
    store.appendOutput('plain', 'stdout', 1, 1, Buffer.from('nothing special here\n'), 1_000);
    store.flush();
    return store;
  }
  const ids = (store: Store, search: string) => store.listRuns({ search }).map((r) => r.id);

  it('`%` matches only runs that contain a percent sign', () => {
    assert.deepEqual(ids(seeded(), '%'), ['pct']);
  });

  it('`_` matches only runs that contain an underscore', () => {
    assert.deepEqual(ids(seeded(), '_'), ['under']);
  });

  it('`\\` matches only runs that contain a backslash', () => {
    assert.deepEqual(ids(seeded(), '\\'), ['slash']);
  });

  it('`100%` and `d_a` are searched as written', () => {
    const store = seeded();
    assert.deepEqual(ids(store, '100%'), ['pct']);
    assert.deepEqual(ids(store, 'd_a'), ['under']);
    assert.deepEqual(ids(store, 'b%d'), []);
    assert.deepEqual(ids(store, 'u_l'), []);
  });

  it('finds runs by id prefix, profile, step name and log text', () => {
    const store = seeded();
    newRun(store, 'prof', { profile: 'nightly', startedAt: 900 });
    store.enqueue(started('prof', 1, 'Package It'));
    store.flush();
    assert.deepEqual(ids(store, 'nightly'), ['prof']);
    assert.deepEqual(ids(store, 'package it'), ['prof']);
    assert.deepEqual(ids(store, 'SPECIAL'), ['plain']);
    assert.deepEqual(ids(store, 'und'), ['under']);
  });
});

describe('store: listing', () => {
  it('clamps the limit to at least one run and ignores a malformed cursor', () => {
    const store = open();
    for (let i = 0; i < 3; i++) newRun(store, `r${i}`, { startedAt: 1_000 + i });
    store.flush();
    assert.deepEqual(store.listRuns({ limit: 0 }).map((r) => r.id), ['r2']);
    assert.deepEqual(store.listRuns({ limit: -5 }).map((r) => r.id), ['r2']);
    assert.deepEqual(store.listRuns({ limit: 1.9 }).map((r) => r.id), ['r2']);
    assert.deepEqual(store.listRuns({ cursor: 'garbage' }).map((r) => r.id), ['r2', 'r1', 'r0']);
    assert.deepEqual(store.listRuns({ status: [] }).map((r) => r.id), ['r2', 'r1', 'r0']);
  });

  it('shows a running run without an end or duration, and names its first failed step', () => {
    const store = open();
    newRun(store, 'r', { args: ['--x', 'y z'] });
    store.enqueue(started('r', 1, 'Lint'));
    store.enqueue(finishedStep('r', 1, 'failed'));
    store.enqueue(started('r', 2, 'Test'));
    store.enqueue(finishedStep('r', 2, 'failed'));
    store.flush();
    const [row] = store.listRuns();
    assert.deepEqual([row!.status, row!.endedAt, row!.durationMs, row!.failedStep, row!.args], ['running', null, null, 'Lint', ['--x', 'y z']]);
    const rec = store.getRun('r')!;
    assert.equal(rec.endedAt, null);
    assert.equal(rec.durationMs, null);
    assert.deepEqual(rec.steps[0]!.error, { message: 'step 1 failed', file: 'a.sh', line: 3, column: null });
  });

  it('names up to three candidates of an ambiguous id prefix, and says there are more', () => {
    const store = open();
    for (const id of ['dup-1', 'dup-2', 'dup-3', 'dup-4']) newRun(store, id);
    store.flush();
    assert.throws(() => store.getRun('dup'), (err: unknown) => err instanceof StoreError && err.code === 'AMBIGUOUS_ID' && /dup-1, dup-2, dup-3, …/.test(err.message));
  });
});

describe('store: run record', () => {
  it('keeps a run error reported during the run when the run finishes without one', () => {
    const store = open();
    newRun(store, 'r');
    store.enqueue({ type: 'runError', runId: 'r', error: { message: 'outside any step', file: 'b.sh', line: 2, column: 5 }, at: 1_100 });
    store.enqueue(runFinished('r', 0));
    store.flush();
    assert.deepEqual(store.getRun('r')!.error, { message: 'outside any step', file: 'b.sh', line: 2, column: 5 });
  });

  it('records a finish for a step started in an earlier flush, with its times, lines and error', () => {
    const store = open();
    newRun(store, 'r');
    store.enqueue(started('r', 1, 'Deploy', null, 1_000, 4));
    store.flush();
    assert.equal(store.getRun('r')!.steps[0]!.status, 'running');
    store.enqueue(finishedStep('r', 1, 'failed', 1_750));
    store.flush();
    const step = store.getRun('r')!.steps[0]!;
    assert.deepEqual([step.status, step.durationMs, step.firstLine, step.lastLine, step.endedAt], ['failed', 750, 4, 9, 1_750]);
    assert.equal(step.error?.message, 'step 1 failed');
  });

  it('attaches warnings and artifacts to their step, or to the run', () => {
    const store = open();
    newRun(store, 'r');
    store.enqueue(started('r', 1, 'Build'));
    store.enqueue({ type: 'warning', runId: 'r', stepId: 1, warning: { type: 'marker', severity: 'warning', message: 'careful', file: 'x.c', line: 4, column: 2 }, at: 1_100 });
    store.enqueue({ type: 'warning', runId: 'r', stepId: null, warning: { type: 'protocol', severity: 'warning', message: 'stray', file: null, line: null, column: null }, at: 1_100 });
    store.enqueue({ type: 'artifact', runId: 'r', stepId: 1, path: '/w/out.bin', description: 'binary', at: 1_200 });
    store.enqueue({ type: 'artifact', runId: 'r', stepId: null, path: '/w/log.txt', description: null, at: 1_200 });
    store.flush();
    const rec = store.getRun('r')!;
    assert.deepEqual(rec.steps[0]!.warnings, [{ type: 'marker', severity: 'warning', message: 'careful', file: 'x.c', line: 4, column: 2 }]);
    assert.deepEqual(rec.warnings, [{ type: 'protocol', severity: 'warning', message: 'stray', file: null, line: null, column: null }]);
    assert.deepEqual(rec.artifacts, [
      { path: '/w/out.bin', description: 'binary', step: 'Build', stepId: 1 },
      { path: '/w/log.txt', description: null, step: null, stepId: null },
    ]);
  });
});
