// What every CLI command needs: the database, opened the same way the extension opens it.
import * as path from 'node:path';
import { Store } from '../store/store';
import { defaultDatabasePath } from '../store/database';
import type { ParsedArgs } from './args';
import { stringOption } from './args';

/** `--db PATH`, else `$STEPFLOW_HOME/stepflow.db`, else `~/.stepflow/stepflow.db`. */
export function openCliStore(args: ParsedArgs): Store {
  const file = stringOption(args, 'db') ?? defaultDatabasePath(process.env);
  const store = new Store(path.resolve(file));
  store.markInterrupted();
  return store;
}

/** Retention after each CLI run: `$STEPFLOW_MAX_RUNS`, default 1000 finished runs. */
export function keptRuns(env: NodeJS.ProcessEnv): number {
  const value = Number(env.STEPFLOW_MAX_RUNS);
  return Number.isInteger(value) && value > 0 ? value : 1000;
}
