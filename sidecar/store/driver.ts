// The storage driver: the part of a SQLite binding the store uses, and the choice of binding.
// Two bindings implement it (docs/architecture.md, "Two SQLite drivers"):
// - better-sqlite3, a native addon built for one Node ABI: the CLI's and the service's driver
//   wherever it loads. Its Database object *is* this interface (a subset of its API), so
//   that path costs nothing extra;
// - Node's built-in `node:sqlite` (nodeSqlite.ts, an adapter), for a runtime the addon was
//   not built for — VS Code's own Electron (ELECTRON_RUN_AS_NODE=1) above all.
// Both open the same file with the same pragmas and schema, so either reads what the other
// wrote. Nothing outside sidecar/store/ sees which one is in use.

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

/** A prepared statement. Rows are plain objects; BLOBs are Buffers. */
export interface Statement {
  run(...params: unknown[]): RunResult;
  /** The first row, or undefined. */
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  /** From now on a row is its first column's value. */
  pluck(): this;
}

/** `db.transaction(fn)`: call it for a deferred transaction, `.immediate()` to take the write lock first. */
export interface Transaction<T> {
  (): T;
  immediate(): T;
}

export interface Database {
  /** The file it was opened with (':memory:' for an in-memory database). */
  readonly name: string;
  readonly memory: boolean;
  readonly readonly: boolean;
  prepare(sql: string): Statement;
  exec(sql: string): this;
  /** `PRAGMA <source>`: every row, or with `simple` the first column of the first row. */
  pragma(source: string, options?: { simple?: boolean }): unknown;
  /** Commits when fn returns, rolls back when it throws; nested calls are savepoints. */
  transaction<T>(fn: () => T): Transaction<T>;
  /** A SQL function written in JavaScript (BLOB arguments arrive as Buffers). */
  function(name: string, options: { deterministic?: boolean }, fn: (...args: unknown[]) => unknown): this;
  close(): this;
}

export type SqliteDriverName = 'better-sqlite3' | 'node:sqlite';
export const SQLITE_DRIVERS: readonly SqliteDriverName[] = ['better-sqlite3', 'node:sqlite'];

/** Names the driver for tests and for VS Code's runtime: `better-sqlite3`, `node:sqlite`, or unset (auto). */
export const DRIVER_ENV = 'STEPFLOW_SQLITE_DRIVER';

/**
 * The driver the environment asks for, or undefined for "better-sqlite3 if it loads, else
 * node:sqlite". A value that names neither is an error rather than a silent default.
 */
export function requestedDriver(env: NodeJS.ProcessEnv = process.env): SqliteDriverName | undefined {
  const value = env[DRIVER_ENV]?.trim();
  if (!value || value === 'auto') return undefined;
  if ((SQLITE_DRIVERS as readonly string[]).includes(value)) return value as SqliteDriverName;
  throw new Error(`${DRIVER_ENV}=${value} names no SQLite driver; use ${SQLITE_DRIVERS.join(', ')} or auto`);
}
