// The words the store uses for failures that cannot be provoked for real on this machine
// (an I/O error of the disk, SQLite's permission and authorisation refusals, EPERM, a file
// system error the store has no words for, something thrown that is not an Error). Each is
// the error the driver or Node really throws — better-sqlite3's own SqliteError with SQLite's
// code, a Node system error made by a real failing call where one can be — handed to the
// function that words it for the person (sidecar/store/errors.ts). The failures that can be
// provoked for real are in store.errors.test.ts. Written from the `store` mutation survivors
// (docs/testing.md "Mutation testing").
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { StoreError, toStoreError } from '../../sidecar/store/errors';
import { UserError } from '../../sidecar/util/errors';

const FILE = '/data/stepflow.db';
const sqlite = (message: string, code: string) => new BetterSqlite3.SqliteError(message, code);

/** The error a real call throws. */
function thrownBy(call: () => unknown): NodeJS.ErrnoException {
  try {
    call();
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
  throw new Error('the call did not fail');
}

function worded(err: unknown, doing?: string): [string, string] {
  const out = doing === undefined ? toStoreError(err, FILE) : toStoreError(err, FILE, doing);
  assert.ok(out instanceof StoreError && out instanceof UserError, 'one line for a person, no stack');
  if (err !== undefined) assert.equal(out.cause, err, 'the original error is kept as the cause');
  return [out.code, out.message];
}

describe('store: the words for failures of the disk and of permissions', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-words-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('an I/O error of the disk is IO, in words, with SQLite\'s own reason', () => {
    assert.deepEqual(worded(sqlite('disk I/O error', 'SQLITE_IOERR_WRITE'), 'write to'), ['IO', `cannot write to database ${FILE}: an I/O error occurred (disk I/O error)`]);
    assert.deepEqual(worded(sqlite('disk I/O error', 'SQLITE_IOERR')), ['IO', `cannot open database ${FILE}: an I/O error occurred (disk I/O error)`]);
  });

  it('SQLite refusing access (PERM, AUTH) is "permission denied", as CANTOPEN', () => {
    assert.deepEqual(worded(sqlite('access permission denied', 'SQLITE_PERM')), ['CANTOPEN', `cannot open database ${FILE}: permission denied (access permission denied)`]);
    assert.deepEqual(worded(sqlite('authorization denied', 'SQLITE_AUTH'), 'read'), ['CANTOPEN', `cannot read database ${FILE}: permission denied (authorization denied)`]);
  });

  it('the file system refusing an operation (EPERM) is "permission denied", as CANTOPEN', () => {
    const eperm = Object.assign(new Error("EPERM: operation not permitted, open '/data/stepflow.db'"), { code: 'EPERM', errno: -1, syscall: 'open' });
    assert.deepEqual(worded(eperm), ['CANTOPEN', `cannot open database ${FILE}: permission denied`]);
  });

  it('a folder, a missing path or an existing file where the store needs the other is CANTOPEN with the file system\'s reason', () => {
    const file = path.join(dir, 'file');
    fs.writeFileSync(file, '');
    const cases: Array<[string, NodeJS.ErrnoException]> = [
      ['EISDIR', thrownBy(() => fs.writeFileSync(dir, 'x'))],
      ['ENOENT', thrownBy(() => fs.statSync(path.join(dir, 'missing')))],
      ['EEXIST', thrownBy(() => fs.mkdirSync(file))],
      ['ENOTDIR', thrownBy(() => fs.mkdirSync(path.join(file, 'sub')))],
    ];
    for (const [code, err] of cases) {
      assert.equal(err.code, code);
      assert.deepEqual(worded(err), ['CANTOPEN', `cannot open database ${FILE}: ${err.message}`], code);
    }
  });

  it('a file system error it has no words for is IO with the system\'s message', () => {
    const link = path.join(dir, 'loop');
    fs.symlinkSync(link, link);
    const eloop = thrownBy(() => fs.readFileSync(link));
    assert.equal(eloop.code, 'ELOOP');
    assert.deepEqual(worded(eloop), ['IO', `cannot open database ${FILE}: ${eloop.message}`]);
  });

  it('an error without a code, or something thrown that is not an Error, is UNKNOWN with what it said', () => {
    assert.deepEqual(worded(new Error('bug\nat somewhere')), ['UNKNOWN', `cannot open database ${FILE}: bug`]);
    assert.deepEqual(worded('a string'), ['UNKNOWN', `cannot open database ${FILE}: a string`]);
    assert.deepEqual(worded({ code: 17 }), ['UNKNOWN', `cannot open database ${FILE}: [object Object]`]);
    assert.deepEqual(worded(null), ['UNKNOWN', `cannot open database ${FILE}: null`]);
  });

  it('a StoreError is passed on as it is, not worded twice', () => {
    const first = toStoreError(sqlite('database is locked', 'SQLITE_BUSY'), FILE, 'write to');
    assert.equal(toStoreError(first, '/other.db', 'read'), first);
    assert.equal(first.message, `cannot write to database ${FILE}: the database is locked by another process (database is locked)`);
  });
});
