// What the store tells a person when SQLite refuses (sidecar/store/errors.ts), provoked for
// real: a database out of room, one opened read-only, one whose pages are damaged, a folder
// that cannot be created. Written from the `store` mutation survivors (docs/testing.md
// "Mutation testing"). Real SQLite files in a temporary folder.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { openDatabase } from '../../sidecar/store/database';
import { Store, StoreError } from '../../sidecar/store/store';
import { UserError } from '../../sidecar/util/errors';
import { tempFolderWithStores } from '../support/tempFolder';

const folder = tempFolderWithStores('stepflow-errors-');
const file = () => path.join(folder.path, 'stepflow.db');
const newRun = (store: Store, id: string) => store.createRun({ id, script: '/w/build.sh', args: [], cwd: '/w', profile: null, startedAt: 1_000 });

function storeError(err: unknown): StoreError {
  assert.ok(err instanceof StoreError, `a StoreError, got ${String(err)}`);
  return err;
}

describe('store: errors a person reads', () => {
  it('a database out of room reports FULL in one line naming the file, and cuts the log with a note on the run', () => {
    const db = openDatabase(file());
    const reported: StoreError[] = [];
    const store = new Store(db, { logDir: null, flushIntervalMs: 60_000, onError: (err) => reported.push(err) });
    folder.closeAfterTest(store);
    newRun(store, 'r');
    store.flush();
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    store.appendOutput('r', 'stdout', 1, 1, Buffer.from('x'.repeat(100_000) + '\n'), 1_001);
    store.flush();
    assert.equal(reported.length, 1);
    const err = reported[0]!;
    assert.equal(err.code, 'FULL');
    assert.equal(err.message, `cannot write to database ${file()}: the disk is full (database or disk is full) — run r: output truncated at line 1`);
    assert.ok(err instanceof UserError, 'printed as one line, without a stack');
    assert.equal((err.cause as { code?: string }).code, 'SQLITE_FULL', 'the SQLite error is kept as the cause');
    assert.deepEqual(store.readLog('r', 1, 1), []);
    const run = store.getRun('r')!;
    assert.match(JSON.stringify(run), /disk full: output truncated at line 1/);
  });

  it('a log file the disk has no room for (ENOSPC) reports FULL in one line, and cuts the log with a note', () => {
    const reported: StoreError[] = [];
    const store = new Store(file(), { inlineLogBytes: 10, flushIntervalMs: 60_000, onError: (err) => reported.push(err) });
    folder.closeAfterTest(store);
    newRun(store, 'r');
    store.flush();
    // The run's log file (`<db>-logs/<rid>.log`; the first run of a new database is rid 1)
    // is /dev/full, where every write fails with ENOSPC.
    fs.mkdirSync(`${file()}-logs`, { recursive: true });
    fs.symlinkSync('/dev/full', path.join(`${file()}-logs`, '1.log'));
    store.appendOutput('r', 'stdout', 1, 1, Buffer.from('z'.repeat(5_000) + '\n'), 1_001);
    store.flush();
    assert.deepEqual(
      reported.map((e) => [e.code, e.message]),
      [['FULL', `cannot write to database ${file()}: the disk is full — run r: output truncated at line 1`]],
    );
    assert.match(JSON.stringify(store.getRun('r')), /disk full: output truncated at line 1/);
  });

  it('a write to a database opened read-only fails as READONLY', () => {
    const writer = new Store(file());
    newRun(writer, 'before');
    writer.close();
    const store = new Store(openDatabase(file(), { readOnly: true }), { flushIntervalMs: 60_000 });
    folder.closeAfterTest(store);
    assert.equal(store.getRun('before')!.id, 'before');
    newRun(store, 'after');
    let caught: unknown;
    assert.throws(() => store.flush(), (err: unknown) => ((caught = err), true));
    const err = storeError(caught);
    assert.equal(err.code, 'READONLY');
    assert.match(err.message, new RegExp(`^cannot write to database ${file().replace(/[.\\]/g, '\\$&')}: the database is read-only \\(`));
    assert.ok(!err.message.includes('\n'));
    // Closing flushes once more and says the same; the connection is closed all the same.
    assert.throws(() => store.close(), (e: unknown) => storeError(e).code === 'READONLY');
    store.close(); // idempotent
  });

  it('a database whose pages are damaged is reported as damaged, not as a crash', () => {
    const writer = new Store(file(), { logDir: null });
    newRun(writer, 'r');
    writer.appendOutput('r', 'stdout', 1, 1, Buffer.from('y'.repeat(50_000) + '\n'), 1_001);
    writer.close();
    const bytes = fs.readFileSync(file());
    const pageSize = bytes.readUInt16BE(16) === 1 ? 65536 : bytes.readUInt16BE(16);
    // Every page after the first (the header and schema page) becomes garbage.
    for (let at = pageSize; at < bytes.length; at++) bytes[at] = 0xa5;
    fs.writeFileSync(file(), bytes);
    let caught: unknown;
    try {
      const store = new Store(file());
      folder.closeAfterTest(store);
      store.readLog('r', 1, 1);
      store.listRuns();
    } catch (err) {
      caught = err;
    }
    const err = storeError(caught);
    assert.equal(err.code, 'CORRUPT');
    assert.match(err.message, /the database file is damaged \(/);
    assert.ok(err.message.includes(file()), err.message);
  });

  it('a folder that cannot be created is reported with the file system\'s reason, as CANTOPEN', () => {
    fs.writeFileSync(path.join(folder.path, 'plain-file'), '');
    const target = path.join(folder.path, 'plain-file', 'sub', 'stepflow.db');
    let caught: unknown;
    try {
      folder.closeAfterTest(new Store(target));
    } catch (err) {
      caught = err;
    }
    const err = storeError(caught);
    assert.equal(err.code, 'CANTOPEN');
    assert.match(err.message, new RegExp(`^cannot create the folder of database ${target.replace(/[.\\]/g, '\\$&')}: ENOTDIR`));
  });

  it('says in words why a database cannot be opened: not a database, no such place, locked', () => {
    const garbage = path.join(folder.path, 'garbage.db');
    fs.writeFileSync(garbage, 'this is not a database, just some text that is long enough to be read'.repeat(100));
    const link = path.join(folder.path, 'link.db');
    fs.symlinkSync(path.join(folder.path, 'missing', 'x.db'), link); // SQLite cannot create the file it points to
    const locked = path.join(folder.path, 'locked.db');
    const other = openDatabase(locked);
    other.pragma('journal_mode = WAL');
    other.exec('BEGIN IMMEDIATE; CREATE TABLE t (x);');
    const failure = (target: string, options = {}) => {
      try {
        folder.closeAfterTest(new Store(target, options));
      } catch (err) {
        return storeError(err);
      }
      assert.fail(`${target} opened`);
    };
    try {
      const notADb = failure(garbage);
      assert.deepEqual([notADb.code, notADb.message], ['NOTADB', `cannot open database ${garbage}: the file is not a database (file is not a database)`]);
      const cantOpen = failure(link);
      assert.deepEqual([cantOpen.code, cantOpen.message], ['CANTOPEN', `cannot open database ${link}: cannot open the database file (unable to open database file)`]);
      const busy = failure(locked, { busyTimeoutMs: 50 });
      assert.deepEqual([busy.code, busy.message], ['LOCKED', `cannot open database ${locked}: the database is locked by another process (database is locked)`]);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('a folder the user may not create in is "permission denied", as CANTOPEN (a real process run as nobody)', async function () {
    fs.chmodSync(folder.path, 0o755); // root's folder: nobody may read it, not write it
    const target = path.join(folder.path, 'sub', 'stepflow.db');
    // The sources must be readable by nobody: not so in a private (0700) checkout or sandbox.
    const script = `let Store; try { ({ Store } = require(${JSON.stringify(path.resolve(__dirname, '../../sidecar/store/store'))})); } catch { console.log('{"unreadable":true}'); process.exit(0); }
      try { new Store(process.argv[1]); console.log('opened'); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
    const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-r', require.resolve('tsx/cjs'), '-e', script, target], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    assert.equal(code, 0, stderr);
    if (JSON.parse(stdout).unreadable) this.skip();
    assert.deepEqual(JSON.parse(stdout), { code: 'CANTOPEN', message: `cannot create the folder of database ${target}: permission denied` });
    assert.equal(fs.existsSync(path.join(folder.path, 'sub')), false);
  });

  it('keeps only the first line of a message that has several', () => {
    const err = new StoreError('first line\nsecond line', 'IO');
    assert.equal(err.message, 'first line');
    assert.equal(err.name, 'StoreError');
    assert.equal(err.code, 'IO');
    assert.equal('cause' in err, false, 'no cause when none was given');
  });
});
