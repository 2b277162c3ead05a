// The disk fills up before a run's output was ever stored: the store's first write of that
// output fails. A real 2 MB tmpfs (so root, as in CI: it fails, never skips, when mount is
// not permitted), a real spool file beside the database, a filler file that takes the rest.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SPOOL_PREFIX } from '../../sidecar/runner/spool';
import { Store, type StoreError } from '../../sidecar/store/store';
import { fillDisk, mountSmallDisk, unmountSmallDisk } from '../support/smallDisk';

let dir: string;
let mnt: string;
let store: Store | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-diskfull-'));
  mnt = mountSmallDisk(dir);
});
afterEach(() => {
  try {
    store?.close();
  } catch {
    // the test has asserted what it wanted; a close that cannot flush is not this hook's business
  } finally {
    store = undefined;
    unmountSmallDisk(mnt);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('store: the disk is full at the first write of a run\'s output', () => {
  it('the spool file that write moved in goes back and is freed, so the run is stored with its end and a note where its output stops', () => {
    const db = path.join(mnt, 'stepflow.db');
    const reported: StoreError[] = [];
    // A small inline part: the first output goes to a file, i.e. the spool is moved in.
    store = new Store(db, { inlineLogBytes: 1024, flushIntervalMs: 60_000, onError: (err) => reported.push(err) });
    store.createRun({ id: 'r', script: '/w/chatty.sh', args: [], cwd: '/w', profile: null, startedAt: 1_000 });
    store.flush(); // the run's row; none of its output yet
    // What the script wrote into its spool (runner/spool.ts puts it beside the database).
    fs.mkdirSync(`${db}-logs`, { mode: 0o700 });
    const spoolDir = fs.mkdtempSync(path.join(`${db}-logs`, `${SPOOL_PREFIX}${process.pid}-`));
    const spool = path.join(spoolDir, 'output');
    const lines = 6_000;
    const bytes = Buffer.from(Array.from({ length: lines }, (_, i) => `line ${i}: output the disk has no room to store twice ......\n`).join(''));
    fs.writeFileSync(spool, bytes);
    fillDisk(path.join(mnt, 'filler'));

    store.appendOutput('r', 'stdout', 1, lines, bytes, 1_001, { file: spool, offset: 0 });
    store.flush(); // fails for lack of room, gives the output up, frees its bytes and writes the rest

    assert.deepEqual(
      reported.map((e) => [e.code, /output truncated at line 1\b/.test(e.message)]),
      [['FULL', true]],
      reported.map((e) => e.message).join('\n'),
    );
    // The rename into the run's own file was rolled back with the transaction, and the spool
    // cut back to where the stored log ends (nothing of it is stored).
    assert.deepEqual(fs.readdirSync(`${db}-logs`).filter((n) => /^\d+\.(out|err|log)$/.test(n)), [], 'no file of the run holds unreferenced output');
    assert.equal(fs.statSync(spool).size, 0, 'the spool bytes no row points at are freed');

    store.enqueue({ type: 'runFinished', runId: 'r', status: 'succeeded', exitCode: 0, signal: null, endedAt: 2_000, durationMs: 1_000, lineCount: lines, error: null });
    const run = store.getRun('r');
    assert.equal(run?.status, 'succeeded');
    assert.equal(run?.endedAt && Date.parse(run.endedAt), 2_000, 'the end is recorded');
    assert.match(run!.warnings.map((w) => w.message).join('\n'), /disk full: output truncated at line 1 /);
    assert.equal(reported.length, 1, reported.map((e) => e.message).join('\n'));
  });
});

describe('store: the disk fills up when little or nothing of a run is left to give up', () => {
  const reserveBytes = 256 * 1024;
  const endOf = (runId: string, lineCount: number) =>
    ({ type: 'runFinished', runId, status: 'succeeded', exitCode: 0, signal: null, endedAt: 2_000, durationMs: 1_000, lineCount, error: null }) as const;
  const output = (lines: number, from = 0) => Buffer.from(Array.from({ length: lines }, (_, i) => `line ${from + i}: some output of the script ......\n`).join(''));

  it('records the end of a run whose output was all stored before the disk filled, in the room kept in reserve', () => {
    const db = path.join(mnt, 'stepflow.db');
    const reported: StoreError[] = [];
    store = new Store(db, { flushIntervalMs: 60_000, onError: (err) => reported.push(err) });
    store.createRun({ id: 'r', script: '/w/quiet.sh', args: [], cwd: '/w', profile: null, startedAt: 1_000 });
    store.appendOutput('r', 'stdout', 1, 100, output(100), 1_001);
    store.enqueue({ type: 'stepStarted', runId: 'r', stepId: 1, parentId: null, name: 'Build', startedAt: 1_002, line: 1 });
    store.flush(); // everything the script printed is stored: no output is left to give up
    assert.equal(fs.statSync(`${db}-reserve`).size, reserveBytes, 'a writer keeps room in reserve');
    fillDisk(path.join(mnt, 'filler')); // something else takes the rest of the disk
    assert.equal(fs.statfsSync(mnt).bavail, 0);

    store.enqueue({ type: 'stepFinished', runId: 'r', stepId: 1, status: 'succeeded', endedAt: 1_900, durationMs: 898, error: null, line: 100 });
    store.enqueue(endOf('r', 100));
    store.flush();

    const run = store.getRun('r')!;
    assert.deepEqual([run.status, run.endedAt && Date.parse(run.endedAt), run.lineCount, run.steps.map((s) => s.status)], ['succeeded', 2_000, 100, ['succeeded']]);
    assert.deepEqual(reported.map((e) => e.code), ['FULL'], 'the user is told once that the disk is full');
    assert.match(reported[0]!.message, /disk is full.*room kept in reserve.*free some space/);
    assert.equal(fs.existsSync(`${db}-reserve`), false, 'the reserve was used');
  });

  it('records the end when the output it gives up frees less room than the end needs', () => {
    const db = path.join(mnt, 'stepflow.db');
    const reported: StoreError[] = [];
    store = new Store(db, { inlineLogBytes: 1024, flushIntervalMs: 60_000, onError: (err) => reported.push(err) });
    store.createRun({ id: 'r', script: '/w/chatty.sh', args: [], cwd: '/w', profile: null, startedAt: 1_000 });
    fs.mkdirSync(`${db}-logs`, { mode: 0o700, recursive: true });
    const spool = path.join(fs.mkdtempSync(path.join(`${db}-logs`, `${SPOOL_PREFIX}${process.pid}-`)), 'output');
    const stored = output(2_000);
    fs.writeFileSync(spool, stored);
    store.appendOutput('r', 'stdout', 1, 2_000, stored, 1_001, { file: spool, offset: 0 });
    store.flush(); // the spool is the run's log file now
    // The script prints one more line, and the disk is full: giving that line up frees no
    // more than its ~50 bytes, far less than the pages the end's transaction needs.
    const last = output(1, 2_000);
    const runFile = fs.readdirSync(`${db}-logs`).find((n) => /^\d+\.out$/.test(n));
    assert.ok(runFile, 'the store took the spool over as the run\'s file');
    fs.appendFileSync(path.join(`${db}-logs`, runFile), last); // where the script's descriptor now writes
    fillDisk(path.join(mnt, 'filler'));
    store.appendOutput('r', 'stdout', 2_001, 1, last, 1_500, { file: spool, offset: stored.length });
    store.enqueue(endOf('r', 2_001));
    store.flush();

    const run = store.getRun('r')!;
    assert.deepEqual([run.status, run.endedAt && Date.parse(run.endedAt)], ['succeeded', 2_000]);
    assert.match(run.warnings.map((w) => w.message).join('\n'), /disk full: output truncated at line 2001 /);
    assert.deepEqual(reported.map((e) => e.code), ['FULL'], reported.map((e) => e.message).join('\n'));
    assert.match(reported[0]!.message, /output truncated at line 2001\b/);
  });

  it('makes the reserve again once the disk has room, so the next run that meets a full disk is recorded too', () => {
    const db = path.join(mnt, 'stepflow.db');
    const reported: StoreError[] = [];
    store = new Store(db, { flushIntervalMs: 60_000, onError: (err) => reported.push(err) });
    const filler = path.join(mnt, 'filler');
    for (const id of ['first', 'second']) {
      store.createRun({ id, script: '/w/quiet.sh', args: [], cwd: '/w', profile: null, startedAt: 1_000 });
      store.appendOutput(id, 'stdout', 1, 10, output(10), 1_001);
      store.flush();
      assert.equal(fs.statSync(`${db}-reserve`).size, reserveBytes, `room in reserve before the disk fills (${id} run)`);
      fillDisk(filler);
      store.enqueue(endOf(id, 10));
      store.flush();
      assert.equal(store.getRun(id)?.status, 'succeeded', id);
      fs.rmSync(filler); // the user frees some space: the reserve is made again at the next write
    }
    assert.deepEqual(reported.map((e) => e.code), ['FULL', 'FULL']);
  });
});
