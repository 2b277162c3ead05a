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
