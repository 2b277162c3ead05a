// One error type for everything the store wants a person to read: the database cannot be
// opened, is not a database, is locked, is from a newer StepFlow, or a run id prefix is
// ambiguous. It is a UserError, so the CLI and the language server print its one-line
// message and never a stack trace.
import { UserError } from '../util/errors';

export type StoreErrorCode =
  | 'CANTOPEN'
  | 'NOTADB'
  | 'CORRUPT'
  | 'LOCKED'
  | 'READONLY'
  | 'FULL'
  | 'SCHEMA_TOO_NEW'
  | 'AMBIGUOUS_ID'
  | 'IO'
  | 'UNKNOWN';

export class StoreError extends UserError {
  constructor(
    message: string,
    readonly code: StoreErrorCode,
    cause?: unknown,
  ) {
    super(message.split('\n', 1)[0] ?? message, 1);
    this.name = 'StoreError';
    if (cause !== undefined) this.cause = cause;
  }
}

const SQLITE_CODES: ReadonlyArray<[RegExp, StoreErrorCode, string]> = [
  [/^SQLITE_CANTOPEN/, 'CANTOPEN', 'cannot open the database file'],
  [/^SQLITE_NOTADB/, 'NOTADB', 'the file is not a database'],
  [/^SQLITE_CORRUPT/, 'CORRUPT', 'the database file is damaged'],
  [/^SQLITE_(BUSY|LOCKED)/, 'LOCKED', 'the database is locked by another process'],
  [/^SQLITE_READONLY/, 'READONLY', 'the database is read-only'],
  [/^SQLITE_FULL/, 'FULL', 'the disk is full'],
  [/^SQLITE_IOERR/, 'IO', 'an I/O error occurred'],
  [/^SQLITE_PERM/, 'CANTOPEN', 'permission denied'],
  [/^SQLITE_AUTH/, 'CANTOPEN', 'permission denied'],
];

/** Turns a better-sqlite3 / fs error into a one-line StoreError naming the file. */
export function toStoreError(err: unknown, file: string, doing = 'open'): StoreError {
  if (err instanceof StoreError) return err;
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  const detail = err instanceof Error ? err.message.split('\n', 1)[0] : String(err);
  for (const [pattern, storeCode, text] of SQLITE_CODES) {
    if (pattern.test(code)) return new StoreError(`cannot ${doing} database ${file}: ${text} (${detail})`, storeCode, err);
  }
  if (code === 'EACCES' || code === 'EPERM') return new StoreError(`cannot ${doing} database ${file}: permission denied`, 'CANTOPEN', err);
  if (code === 'ENOTDIR' || code === 'EISDIR' || code === 'ENOENT' || code === 'EEXIST') return new StoreError(`cannot ${doing} database ${file}: ${detail}`, 'CANTOPEN', err);
  if (code === 'ENOSPC') return new StoreError(`cannot ${doing} database ${file}: the disk is full`, 'FULL', err);
  return new StoreError(`cannot ${doing} database ${file}: ${detail}`, code.startsWith('E') ? 'IO' : 'UNKNOWN', err);
}
