// One fresh folder under the OS temp folder per test, removed (with whatever the test left in
// it) after the test. Call it inside a describe block — or at a file's top level, where
// mocha's hooks apply to every test — and read `.path` inside the tests.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface TempFolder {
  /** This test's folder (set in beforeEach). */
  readonly path: string;
}

/**
 * `beforeTest` runs right after the folder is created (open a store in it), `afterTest`
 * right before it is removed (close what was opened in it).
 */
export function tempFolderPerTest(prefix: string, hooks: { beforeTest?: (dir: string) => void; afterTest?: () => void } = {}): TempFolder {
  let current: string | undefined;
  beforeEach(() => {
    current = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    hooks.beforeTest?.(current);
  });
  afterEach(() => {
    try {
      hooks.afterTest?.();
    } finally {
      if (current) fs.rmSync(current, { recursive: true, force: true });
      current = undefined;
    }
  });
  return {
    get path(): string {
      if (!current) throw new Error('the temp folder exists only while a test runs');
      return current;
    },
  };
}

/** tempFolderPerTest for tests that open stores in the folder. */
export interface StoreFolder extends TempFolder {
  /** Closes `store` after this test, before the folder is removed; returns it. */
  closeAfterTest<T extends { close(): void }>(store: T): T;
}

/**
 * A fresh folder per test, and the stores (or anything else with a close()) a test opens in
 * it, closed after the test in the order they were opened, then the folder removed.
 */
export function tempFolderWithStores(prefix: string): StoreFolder {
  const opened: Array<{ close(): void }> = [];
  const folder = tempFolderPerTest(prefix, {
    afterTest: () => {
      for (const store of opened.splice(0)) store.close();
    },
  });
  return {
    get path(): string {
      return folder.path;
    },
    closeAfterTest(store) {
      opened.push(store);
      return store;
    },
  };
}
