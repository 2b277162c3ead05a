// Opening the one SQLite database the CLI, every sidecar and every VS Code window share
// (docs/spec.md §3). WAL so readers never block the writer and several processes can
// write; short write transactions plus busy_timeout make them queue instead of failing.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { requestedDriver, type Database, type SqliteDriverName } from './driver';
import { StoreError, toStoreError } from './errors';
import { NodeSqliteDatabase, nodeSqliteOrError } from './nodeSqlite';

export type { Database, SqliteDriverName } from './driver';
export { StoreError } from './errors';

export interface OpenOptions {
  /** How long a writer waits for another process's write transaction (ms). */
  busyTimeoutMs?: number;
  /**
   * Open for reading only: nothing is created, no pragma that writes is issued, and every
   * write fails (SQLITE_READONLY). For databases StepFlow may not write (a read-only
   * mount, an immutable or foreign-owned file, `--read-only`). The file must exist.
   */
  readOnly?: boolean;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** `$STEPFLOW_HOME/stepflow.db`, else `~/.stepflow/stepflow.db`. */
export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STEPFLOW_HOME) return path.join(env.STEPFLOW_HOME, 'stepflow.db');
  const home = env.HOME || env.USERPROFILE || os.homedir();
  return path.join(home, '.stepflow', 'stepflow.db');
}

/** True for SQLite's in-memory and temporary databases, which have no file next to them. */
export function isMemoryPath(file: string): boolean {
  return file === '' || file === ':memory:' || file.startsWith('file::memory:');
}

/**
 * Opens (creating if needed) the database and applies the connection pragmas. Any failure
 * becomes a one-line StoreError that names the file.
 */
export function openDatabase(file: string, options: OpenOptions = {}): Database {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const memory = isMemoryPath(file);
  if (options.readOnly && !memory) return openReadOnly(file, busyTimeoutMs);
  if (!memory) {
    try {
      // 0700 only for folders we create: ~/.stepflow holds logs that may contain secrets.
      // An existing folder (say --db /tmp/x.db) keeps its permissions.
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    } catch (err) {
      throw toStoreError(err, file, 'create the folder of');
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
      throw new StoreError(`cannot open database ${file}: it is a directory`, 'CANTOPEN');
    }
  }
  let db: Database | undefined;
  try {
    const driver = sqliteDriver();
    db = driver === 'node:sqlite' ? NodeSqliteDatabase.open(memory ? ':memory:' : file) : new (betterSqlite3())(file, { timeout: busyTimeoutMs });
    applyPragmas(db, busyTimeoutMs, memory);
    return db;
  } catch (err) {
    try {
      db?.close();
    } catch {
      // already broken; the original error is the one worth reporting
    }
    throw toStoreError(err, file);
  }
}

function applyPragmas(db: Database, busyTimeoutMs: number, memory: boolean): void {
  // Before anything that may wait on another process's lock.
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  // The first real read: throws SQLITE_NOTADB here for a file that is not a database.
  const pageCount = db.pragma('page_count', { simple: true }) as number;
  if (pageCount === 0) {
    // Only possible before the first table exists: lets prune() hand freed pages back to
    // the file system with `incremental_vacuum` instead of a full VACUUM.
    db.pragma('auto_vacuum = INCREMENTAL');
  }
  if (!memory) {
    const mode = String(db.pragma('journal_mode = WAL', { simple: true })).toLowerCase();
    if (mode !== 'wal') {
      throw new StoreError(`cannot open database ${db.name}: WAL mode is not available there (journal_mode=${mode}); use a local disk`, 'CANTOPEN');
    }
  }
  // NORMAL in WAL mode: a commit is atomic and survives a crash of the process; only an OS
  // crash or power loss may roll back the last transactions. That is right for logs.
  db.pragma('synchronous = NORMAL');
  // KiB: 2 MB per connection. Reads go through mmap_size below; 500 concurrent runs measured
  // 10–20 MB less peak RSS than with 16 MB, at the same ingest speed (docs/performance.md).
  db.pragma('cache_size = -2000');
  db.pragma('temp_store = MEMORY');
  db.pragma('mmap_size = 268435456'); // 256 MiB of the file read through the page cache
  db.pragma('foreign_keys = ON');
  // A big burst grows the WAL; after the next checkpoint it is cut back to this size.
  db.pragma('journal_size_limit = 67108864');
}

/**
 * Why this process cannot write the database at `file` — a read-only file system, an
 * immutable file, no permission on the file or on its folder (where SQLite keeps the -wal
 * and -shm files) — or undefined when it can. Checked with the real open/access calls, so
 * it is right for root too (root may write a 0444 file, not a read-only mount).
 */
export function readOnlyReason(file: string): string | undefined {
  if (isMemoryPath(file)) return undefined;
  const problem = (err: unknown): string | undefined => {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EROFS') return 'it is on a read-only file system';
    if (code === 'EPERM') return 'the file or its folder is immutable';
    if (code === 'EACCES') return 'no permission to write it';
    return undefined; // ENOENT and the like: not a matter of read-only
  };
  if (fs.existsSync(file)) {
    try {
      fs.closeSync(fs.openSync(file, fs.constants.O_RDWR));
    } catch (err) {
      const reason = problem(err);
      if (reason) return reason;
    }
  }
  // The folder: SQLite creates the -wal and -shm files (and a new database) there.
  let dir = path.dirname(file);
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    const reason = problem(err);
    if (reason) return reason.replace('the file or its folder', 'its folder').replace('no permission to write it', 'no permission to write its folder');
  }
  return undefined;
}

/**
 * A read-only connection. A WAL database needs its -shm (and -wal) file to be read; where
 * they do not exist and cannot be created (a read-only mount, a database copied in without
 * them) SQLite refuses to open it, so the pages are then read into memory instead: nobody
 * can write that file here, so the copy cannot go stale in a way that matters to a reader.
 */
function openReadOnly(file: string, busyTimeoutMs: number): Database {
  if (!fs.existsSync(file)) throw new StoreError(`cannot open database ${file}: it does not exist (and it is opened read-only)`, 'CANTOPEN');
  if (fs.statSync(file).isDirectory()) throw new StoreError(`cannot open database ${file}: it is a directory`, 'CANTOPEN');
  let db: Database | undefined;
  const driver = sqliteDriver();
  try {
    db = driver === 'node:sqlite' ? NodeSqliteDatabase.open(file, { readOnly: true }) : new (betterSqlite3())(file, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
    applyReadOnlyPragmas(db, busyTimeoutMs);
    return db;
  } catch (err) {
    try {
      db?.close();
    } catch {
      // already broken
    }
    const code = String((err as { code?: unknown }).code ?? '');
    // CANTOPEN/READONLY: no -shm can be made here; IOERR/FULL: no room for it (a full disk).
    if (!/^SQLITE_(CANTOPEN|READONLY|IOERR|FULL)/.test(code) || walHasFrames(file)) throw toStoreError(err, file);
  }
  // WAL mode without a -wal file (or an empty one): every committed page is in the main file. Bytes 18 and
  // 19 say "WAL"; the in-memory copy reads as a rollback-journal database instead.
  try {
    const bytes = fs.readFileSync(file);
    if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) bytes[18] = bytes[19] = 1;
    if (driver === 'node:sqlite') return NodeSqliteDatabase.copyOf(bytes, file, (copy) => applyReadOnlyPragmas(copy, busyTimeoutMs));
    db = new (betterSqlite3())(bytes, { readonly: true, timeout: busyTimeoutMs }) as Database;
    applyReadOnlyPragmas(db, busyTimeoutMs);
    return namedAs(db, file);
  } catch (err) {
    try {
      db?.close();
    } catch {
      // already broken
    }
    throw toStoreError(err, file);
  }
}

/** True when the database's -wal file holds pages (committed ones may be only there). */
function walHasFrames(file: string): boolean {
  try {
    return fs.statSync(`${file}-wal`).size > 0;
  } catch {
    return false;
  }
}

function applyReadOnlyPragmas(db: Database, busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  db.pragma('page_count', { simple: true }); // the first read: NOTADB, CANTOPEN surface here
  db.pragma('query_only = ON');
  db.pragma('cache_size = -2000');
  db.pragma('temp_store = MEMORY');
  db.pragma('mmap_size = 268435456');
  db.pragma('foreign_keys = ON');
}

/**
 * An in-memory copy that still answers to the file's name (and is not "memory"), so the
 * store finds the log files beside it and messages name the real database.
 */
function namedAs(db: Database, file: string): Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'name') return file;
      if (prop === 'memory') return false;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

// ── which driver (driver.ts) ───────────────────────────────────────────────────────────

type BetterSqlite3Constructor = new (file: string | Buffer, options?: BetterSqlite3.Options) => BetterSqlite3.Database;
let betterSqlite3Loaded: BetterSqlite3Constructor | Error | undefined;

/**
 * better-sqlite3, or the Error that says why it does not load in this runtime: a native
 * addon built for another Node ABI (VS Code's Electron, a newer Node), or not installed.
 * Tried once per process, with an in-memory database, since the addon itself is only
 * loaded by the first `new Database()`.
 */
function loadBetterSqlite3(): BetterSqlite3Constructor | Error {
  if (betterSqlite3Loaded === undefined) {
    try {
      const Driver = require('better-sqlite3') as BetterSqlite3Constructor;
      new Driver(':memory:').close();
      betterSqlite3Loaded = Driver;
    } catch (err) {
      betterSqlite3Loaded = err instanceof Error ? err : new Error(String(err));
    }
  }
  return betterSqlite3Loaded;
}

function betterSqlite3(): BetterSqlite3Constructor {
  const loaded = loadBetterSqlite3();
  if (loaded instanceof Error) throw new StoreError(`better-sqlite3 does not load in this runtime (Node ${process.versions.node}): ${loaded.message.split('\n', 1)[0]}`, 'CANTOPEN', loaded);
  return loaded;
}

/**
 * The driver this process stores through: the one $STEPFLOW_SQLITE_DRIVER names, else
 * better-sqlite3 where it loads, else node:sqlite.
 */
export function sqliteDriver(env: NodeJS.ProcessEnv = process.env): SqliteDriverName {
  let requested: SqliteDriverName | undefined;
  try {
    requested = requestedDriver(env);
  } catch (err) {
    throw new StoreError((err as Error).message, 'CANTOPEN');
  }
  if (requested) return requested;
  const better = loadBetterSqlite3();
  if (!(better instanceof Error)) return 'better-sqlite3';
  const builtIn = nodeSqliteOrError();
  if (builtIn instanceof Error) {
    throw new StoreError(
      `no SQLite driver works in this runtime (Node ${process.versions.node}): better-sqlite3 does not load (${better.message.split('\n', 1)[0]}) and ${builtIn.message}`,
      'CANTOPEN',
      better,
    );
  }
  return 'node:sqlite';
}

/** The driver a connection opened by openDatabase() uses. */
export function driverOf(db: Database): SqliteDriverName {
  return db instanceof NodeSqliteDatabase ? 'node:sqlite' : 'better-sqlite3';
}
