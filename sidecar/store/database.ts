// Opening the one SQLite database the CLI, every sidecar and every VS Code window share
// (docs/spec.md §3). WAL so readers never block the writer and several processes can
// write; short write transactions plus busy_timeout make them queue instead of failing.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { StoreError, toStoreError } from './errors';

export type Database = BetterSqlite3.Database;
export { StoreError } from './errors';

export interface OpenOptions {
  /** How long a writer waits for another process's write transaction (ms). */
  busyTimeoutMs?: number;
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
    db = new BetterSqlite3(file, { timeout: busyTimeoutMs });
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
