// What every CLI command needs: the database, opened the same way the extension opens it —
// or read-only, for a command that only reads, when StepFlow may not write it (a read-only
// mount, an immutable file, a database copied in for a CI job) or `--read-only` says so.
import * as path from 'node:path';
import { Store, StoreError } from '../store/store';
import { defaultDatabasePath, openDatabase, readOnlyReason } from '../store/database';
import type { ParsedArgs } from './args';
import { stringOption } from './args';

/** Commands that work on a database they may only read (`stats --rebuild` asks for writing itself). */
export const READING_COMMANDS: ReadonlySet<string> = new Set(['history', 'search', 'show', 'stats', 'report', 'serve']);

// Kept on globalThis: `serve` runs from a bundle of its own (dist/sidecar-serve.js) with its
// own copy of this module, and must see what the dispatcher in dist/sidecar.js set.
const CURRENT = Symbol.for('stepflow.cli.command');
type Current = { command: string; readOnly: boolean };
const currentCommand = (): Current => ((globalThis as Record<symbol, Current | undefined>)[CURRENT] ??= { command: 'this command', readOnly: false });

/** Set by the dispatcher before a command runs: its name, and whether `--read-only` was given. */
export function setCliCommand(command: string, readOnly = false): void {
  (globalThis as Record<symbol, Current | undefined>)[CURRENT] = { command, readOnly };
}

/**
 * `--db PATH`, else `$STEPFLOW_HOME/stepflow.db`, else `~/.stepflow/stepflow.db`. A command
 * that only reads opens a database it cannot write read-only (and leaves runs of dead
 * processes as they are: marking them interrupted is a write); a command that writes gets
 * one clear line instead of an SQLite error half-way through.
 */
export function openCliStore(args: ParsedArgs, access: 'read' | 'write' = READING_COMMANDS.has(currentCommand().command) ? 'read' : 'write'): Store {
  const current = currentCommand();
  const file = path.resolve(stringOption(args, 'db') ?? defaultDatabasePath(process.env));
  const reason = current.readOnly ? undefined : readOnlyReason(file);
  if (current.readOnly || reason) {
    if (access === 'write') throw new StoreError(`the database ${file} is read-only${reason ? ` (${reason})` : ''}; ${current.command} needs to write`, 'READONLY');
    return openReadOnlyStore(file);
  }
  let store: Store;
  try {
    store = new Store(file);
  } catch (err) {
    // Read-only in a way the checks above could not see (say, a file system that refuses
    // writes only when they happen), or a full disk (no room for the -shm file SQLite
    // creates on open, or for a migration): a reading command still gets its answer.
    if (access === 'read' && err instanceof StoreError && ['READONLY', 'FULL', 'IO'].includes(err.code)) return openReadOnlyStore(file);
    if (err instanceof StoreError && err.code === 'READONLY') throw new StoreError(`the database ${file} is read-only; ${currentCommand().command} needs to write`, 'READONLY', err);
    throw err;
  }
  try {
    store.markInterrupted();
  } catch (err) {
    // Marking runs of dead processes is a write: a reader goes on without it when the
    // database refuses writes (read-only, disk full, locked for longer than the busy timeout).
    if (!(access === 'read' && err instanceof StoreError && ['READONLY', 'FULL', 'LOCKED'].includes(err.code))) {
      store.close();
      throw err;
    }
  }
  return store;
}

function openReadOnlyStore(file: string): Store {
  const db = openDatabase(file, { readOnly: true });
  try {
    return new Store(db, { logDir: `${file}-logs` });
  } catch (err) {
    // Store closes the connection itself when it fails. A schema older than this StepFlow
    // would need an upgrade, which is a write.
    if (err instanceof StoreError && err.code === 'READONLY') {
      throw new StoreError(`the database ${file} is read-only and was written by an older StepFlow: it cannot be upgraded here; open it once with write access`, 'READONLY', err);
    }
    throw err;
  }
}

/** Retention after each CLI run: `$STEPFLOW_MAX_RUNS`, default 1000 finished runs. */
export function keptRuns(env: NodeJS.ProcessEnv): number {
  const value = Number(env.STEPFLOW_MAX_RUNS);
  return Number.isInteger(value) && value > 0 ? value : 1000;
}
