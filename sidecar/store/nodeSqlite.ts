// The store's Database (driver.ts) over Node's built-in `node:sqlite`, for runtimes that
// better-sqlite3 was not built for: VS Code's Electron run as Node (ELECTRON_RUN_AS_NODE=1)
// and any Node ≥ 22.13 whose ABI differs from the addon's. It gives node:sqlite the
// behaviour the store relies on from better-sqlite3: rows as plain objects with BLOBs as
// Buffers, pluck(), transaction() with savepoints when nested, pragma(), and errors that
// carry SQLite's code as `SQLITE_BUSY`, `SQLITE_FULL`… so errors.ts maps them the same.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Database, RunResult, Statement, Transaction } from './driver';

// node:sqlite's own types (not in the @types/node this project pins: it supports Node 20).
interface NodeStatementSync {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): Record<string, unknown> | undefined;
  all(...params: unknown[]): Array<Record<string, unknown>>;
  iterate(...params: unknown[]): IterableIterator<Record<string, unknown>>;
}
interface NodeDatabaseSync {
  prepare(sql: string): NodeStatementSync;
  exec(sql: string): void;
  function(name: string, options: { deterministic?: boolean; varargs?: boolean }, fn: (...args: unknown[]) => unknown): void;
  close(): void;
}
interface NodeSqliteModule {
  DatabaseSync: new (path: string, options?: { readOnly?: boolean; open?: boolean }) => NodeDatabaseSync;
}

let loaded: NodeSqliteModule | Error | undefined;

/** node:sqlite, or an Error saying why this runtime has none (too old, or a build without it). Tried once. */
export function nodeSqliteOrError(): NodeSqliteModule | Error {
  if (loaded === undefined) {
    try {
      loaded = loadNodeSqlite();
    } catch (err) {
      loaded = err instanceof Error ? err : new Error(String(err));
    }
  }
  return loaded;
}

function loadNodeSqlite(): NodeSqliteModule {
  // Loading it prints "ExperimentalWarning: SQLite is an experimental feature" once, on the
  // CLI's terminal and the language server's output channel alike. That warning is about
  // Node, not about the user's run, so it alone is held back while the module loads.
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const text = typeof warning === 'string' ? warning : warning.message;
    if (type === 'ExperimentalWarning' && /SQLite/i.test(text)) return;
    return (emitWarning as (...a: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  let sqlite: NodeSqliteModule;
  try {
    sqlite = require('node:sqlite') as NodeSqliteModule;
  } catch (err) {
    const flagged = (err as { code?: string }).code === 'ERR_UNKNOWN_BUILTIN_MODULE' && /^22\.([5-9]|1[0-2])\./.test(process.versions.node);
    throw new Error(
      flagged
        ? `node:sqlite needs Node ≥ 22.13 (Node ${process.versions.node} has it only behind --experimental-sqlite, without the SQL functions and iteration StepFlow uses)`
        : `this runtime (Node ${process.versions.node}) has no node:sqlite; it needs Node ≥ 22.13`,
    );
  } finally {
    process.emitWarning = emitWarning;
  }
  // 22.5–22.12 behind the flag lack function() and iterate(): the log search needs both.
  const probe = sqlite.DatabaseSync.prototype as unknown as Record<string, unknown>;
  if (typeof probe.function !== 'function') {
    throw new Error(`node:sqlite of Node ${process.versions.node} lacks SQL functions; StepFlow needs Node ≥ 22.13`);
  }
  return sqlite;
}

/** SQLite's primary result codes by number (sqlite3.h), named as better-sqlite3 names them. */
const PRIMARY_CODES: Record<number, string> = {
  1: 'SQLITE_ERROR',
  2: 'SQLITE_INTERNAL',
  3: 'SQLITE_PERM',
  4: 'SQLITE_ABORT',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  7: 'SQLITE_NOMEM',
  8: 'SQLITE_READONLY',
  9: 'SQLITE_INTERRUPT',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  12: 'SQLITE_NOTFOUND',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  15: 'SQLITE_PROTOCOL',
  16: 'SQLITE_EMPTY',
  17: 'SQLITE_SCHEMA',
  18: 'SQLITE_TOOBIG',
  19: 'SQLITE_CONSTRAINT',
  20: 'SQLITE_MISMATCH',
  21: 'SQLITE_MISUSE',
  22: 'SQLITE_NOLFS',
  23: 'SQLITE_AUTH',
  24: 'SQLITE_FORMAT',
  25: 'SQLITE_RANGE',
  26: 'SQLITE_NOTADB',
};

/** An error of SQLite's, with `code` as better-sqlite3 gives it (the primary code's name). */
export class SqliteError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** SQLite's extended result code, as node:sqlite reported it. */
    readonly errcode: number,
  ) {
    super(message);
    this.name = 'SqliteError';
  }
}

/** node:sqlite's ERR_SQLITE_ERROR (a number in `errcode`) as a SqliteError; anything else unchanged. */
export function asSqliteError(err: unknown): unknown {
  if (typeof err !== 'object' || err === null) return err;
  const { code, errcode } = err as { code?: unknown; errcode?: unknown };
  if (code !== 'ERR_SQLITE_ERROR' || typeof errcode !== 'number') return err;
  const named = new SqliteError((err as Error).message, PRIMARY_CODES[errcode & 0xff] ?? 'SQLITE_ERROR', errcode);
  named.cause = err;
  return named;
}

function rethrow(err: unknown): never {
  throw asSqliteError(err);
}

/** A BLOB as the Buffer better-sqlite3 would give (a view, no copy). */
function asBuffer(value: unknown): unknown {
  return value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
}

/** node:sqlite's rows have no prototype; the store's callers (and deepEqual) expect plain objects. */
function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in row) out[key] = asBuffer(row[key]);
  return out;
}

function firstColumn(row: Record<string, unknown>): unknown {
  for (const key in row) return asBuffer(row[key]);
  return undefined;
}

class NodeStatement implements Statement {
  private shape: (row: Record<string, unknown>) => unknown = plainRow;

  constructor(private readonly statement: NodeStatementSync) {}

  run(...params: unknown[]): RunResult {
    try {
      return this.statement.run(...params);
    } catch (err) {
      return rethrow(err);
    }
  }

  get(...params: unknown[]): unknown {
    let row: Record<string, unknown> | undefined;
    try {
      row = this.statement.get(...params);
    } catch (err) {
      return rethrow(err);
    }
    return row === undefined ? undefined : this.shape(row);
  }

  all(...params: unknown[]): unknown[] {
    let rows: Array<Record<string, unknown>>;
    try {
      rows = this.statement.all(...params);
    } catch (err) {
      return rethrow(err);
    }
    return rows.map(this.shape);
  }

  *iterate(...params: unknown[]): IterableIterator<unknown> {
    let rows: IterableIterator<Record<string, unknown>>;
    try {
      rows = this.statement.iterate(...params);
    } catch (err) {
      return rethrow(err);
    }
    let finished = false;
    try {
      for (;;) {
        let next: IteratorResult<Record<string, unknown>>;
        try {
          next = rows.next();
        } catch (err) {
          finished = true;
          return rethrow(err);
        }
        if (next.done) {
          finished = true;
          return;
        }
        yield this.shape(next.value);
      }
    } finally {
      // A caller that stops early (a `break`) must reset the statement, as better-sqlite3's
      // iterator does: left stepping, it keeps the connection's read snapshot, and this
      // process would no longer see what other processes commit.
      if (!finished) rows.return?.();
    }
  }

  pluck(): this {
    this.shape = firstColumn;
    return this;
  }
}

export class NodeSqliteDatabase implements Database {
  readonly memory: boolean;
  /** Open transactions and savepoints (0: autocommit). */
  private depth = 0;

  private constructor(
    private readonly db: NodeDatabaseSync,
    readonly name: string,
    readonly readonly: boolean,
  ) {
    this.memory = name === ':memory:' || name === '';
  }

  /** Opens `file` (':memory:' for a database in memory); readOnly refuses every write. */
  static open(file: string, options: { readOnly?: boolean } = {}): NodeSqliteDatabase {
    const sqlite = nodeSqliteOrError();
    if (sqlite instanceof Error) throw sqlite;
    try {
      const db = new sqlite.DatabaseSync(file === '' ? ':memory:' : file, options.readOnly ? { readOnly: true } : {});
      return new NodeSqliteDatabase(db, file, options.readOnly === true);
    } catch (err) {
      return rethrow(err);
    }
  }

  /**
   * A read-only database over a copy of `bytes` that answers to the name `file` (for the
   * read-only fallback in database.ts: better-sqlite3 reads such bytes in memory, node:sqlite
   * cannot, so they go to a private temporary file, unlinked once open where the system
   * allows). `prepare` runs the connection's pragmas before the name is handed out.
   */
  static copyOf(bytes: Buffer, file: string, prepare: (db: NodeSqliteDatabase) => void): NodeSqliteDatabase {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-readonly-'));
    const copy = path.join(folder, path.basename(file));
    fs.writeFileSync(copy, bytes, { mode: 0o600 });
    let db: NodeSqliteDatabase | undefined;
    try {
      db = NodeSqliteDatabase.open(copy, { readOnly: true });
      prepare(db);
      return new NodeSqliteDatabase(db.db, file, true);
    } catch (err) {
      db?.close();
      throw err;
    } finally {
      // POSIX keeps an open file readable after its name is gone; elsewhere the copy stays in the temp folder.
      fs.rmSync(folder, { recursive: true, force: true, maxRetries: 0 });
    }
  }

  prepare(sql: string): Statement {
    try {
      return new NodeStatement(this.db.prepare(sql));
    } catch (err) {
      return rethrow(err);
    }
  }

  exec(sql: string): this {
    try {
      this.db.exec(sql);
    } catch (err) {
      rethrow(err);
    }
    return this;
  }

  pragma(source: string, options: { simple?: boolean } = {}): unknown {
    const statement = this.prepare(`PRAGMA ${source}`);
    if (!options.simple) return statement.all();
    return statement.pluck().get();
  }

  transaction<T>(fn: () => T): Transaction<T> {
    const run = (begin: string): T => (this.depth === 0 ? this.outermost(begin, fn) : this.savepoint(fn));
    return Object.assign(() => run('BEGIN'), { immediate: () => run('BEGIN IMMEDIATE') });
  }

  function(name: string, options: { deterministic?: boolean }, fn: (...args: unknown[]) => unknown): this {
    try {
      // varargs: the wrapper's own length (0) would otherwise register a function of no arguments.
      this.db.function(name, { deterministic: options.deterministic ?? false, varargs: true }, (...args) => fn(...args.map(asBuffer)));
    } catch (err) {
      rethrow(err);
    }
    return this;
  }

  close(): this {
    try {
      this.db.close();
    } catch (err) {
      // Closing twice is a no-op in better-sqlite3; node:sqlite says "database is not open".
      if ((err as { code?: string }).code !== 'ERR_INVALID_STATE') rethrow(err);
    }
    return this;
  }

  private outermost<T>(begin: string, fn: () => T): T {
    this.exec(begin);
    this.depth = 1;
    try {
      const result = fn();
      this.exec('COMMIT');
      return result;
    } catch (err) {
      // As better-sqlite3 does: roll back unless SQLite already did (a failed COMMIT under
      // SQLITE_FULL, say, may have ended the transaction itself).
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // no transaction was active any more
      }
      throw err;
    } finally {
      this.depth = 0;
    }
  }

  private savepoint<T>(fn: () => T): T {
    const name = `stepflow_${this.depth}`;
    this.exec(`SAVEPOINT ${name}`);
    this.depth += 1;
    try {
      const result = fn();
      this.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      try {
        this.db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
      } catch {
        // the whole transaction is gone already
      }
      throw err;
    } finally {
      this.depth -= 1;
    }
  }
}
