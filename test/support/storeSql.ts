// Raw SQL beside a Store, for tests only. The Store owns its connection (its handle is
// private); a test that asserts on rows or pragmas opens the connection itself, hands it to
// the Store (which then owns and closes it) and keeps it here to look through it. Pragmas
// that belong to one connection (busy_timeout, foreign_keys) and TEMP triggers need exactly
// the Store's connection; counting rows would work from any connection to the file.
import { openDatabase, type Database } from '../../sidecar/store/database';
import { Store, type StoreOptions } from '../../sidecar/store/store';

const handles = new WeakMap<Store, Database>();

/** `new Store(file, options)`, with its connection kept for sqlOf(). */
export function openStore(file: string, options: StoreOptions = {}): Store {
  const db = openDatabase(file, options.busyTimeoutMs !== undefined ? { busyTimeoutMs: options.busyTimeoutMs } : {});
  const store = new Store(db, options);
  handles.set(store, db);
  return store;
}

/** The connection of a store opened with openStore(). */
export function sqlOf(store: Store): Database {
  const db = handles.get(store);
  if (!db) throw new Error('open the store with openStore() (test/support/storeSql.ts) to use SQL on its connection');
  return db;
}
