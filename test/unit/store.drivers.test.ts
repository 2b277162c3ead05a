// One database, two SQLite drivers (sidecar/store/driver.ts): what `stepflow run` stores on
// VS Code's own runtime through node:sqlite, the CLI reads through better-sqlite3, and the
// other way round — same schema, same WAL, same file, same log files. The node:sqlite side
// is a real `stepflow` process on Node 22 (test/support/node22.cjs); the better-sqlite3
// side is this process (Node 20, the addon's ABI) and its own CLI runs.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { driverOf, openDatabase, sqliteDriver } from '../../sidecar/store/database';
import { Store } from '../../sidecar/store/store';
import type { RunRecord } from '../../sidecar/protocol/model';
import { runCli, writeScript } from '../support/cli';
import { tempFolderPerTest } from '../support/tempFolder';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { requireNode22 } = require('../support/node22.cjs') as { requireNode22: () => string };

const folder = tempFolderPerTest('stepflow-drivers-');

/** Two steps, a failure at a file:line, an artifact, and more output than stays inline (it spills to <db>-logs/). */
const SCRIPT = `#!/bin/bash
echo "STEP_START:Build"
for i in $(seq 1 4000); do echo "build line $i ................................................................"; done
echo "needle-in-the-log"
echo "STEP_COMPLETE:Build"
echo "STEP_START:Test"
echo "ARTIFACT:report.html:Coverage"
echo "STEP_ERROR:src/app.ts:12: expected 200, got 500"
echo "STEP_COMPLETE:Test"
exit 3
`;

function cli(args: string[], driver: 'node:sqlite' | 'better-sqlite3') {
  const node = driver === 'node:sqlite' ? requireNode22() : process.execPath;
  return runCli(args, { home: folder.path, node, env: { STEPFLOW_SQLITE_DRIVER: driver } });
}

async function recordRun(db: string, driver: 'node:sqlite' | 'better-sqlite3'): Promise<RunRecord> {
  const script = writeScript(folder.path, 'build.sh', SCRIPT);
  const result = await cli(['run', script, '--json', '--db', db], driver);
  assert.equal(result.code, 3, result.stderr);
  assert.doesNotMatch(result.stderr, /ExperimentalWarning/, 'node:sqlite loads without a warning on the terminal');
  return JSON.parse(result.stdout) as RunRecord;
}

/** What a person sees of a run, without the fields that differ between two runs. */
function shape(run: RunRecord) {
  return {
    status: run.status,
    exitCode: run.exitCode,
    lineCount: run.lineCount,
    steps: run.steps.map((s) => ({ name: s.name, status: s.status, error: s.error?.message })),
    artifacts: run.artifacts.map((a) => path.basename(a.path)),
  };
}

describe('store: the two SQLite drivers share one database', function () {
  this.timeout(120_000);

  it('this process stores through better-sqlite3, and STEPFLOW_SQLITE_DRIVER can ask for it', () => {
    assert.equal(sqliteDriver({}), 'better-sqlite3');
    assert.equal(sqliteDriver({ STEPFLOW_SQLITE_DRIVER: 'better-sqlite3' }), 'better-sqlite3');
    assert.equal(sqliteDriver({ STEPFLOW_SQLITE_DRIVER: 'node:sqlite' }), 'node:sqlite');
    assert.throws(() => sqliteDriver({ STEPFLOW_SQLITE_DRIVER: 'sqlite3' }), /STEPFLOW_SQLITE_DRIVER=sqlite3 names no SQLite driver/);
  });

  it('a run stored through node:sqlite (Node 22) is read through better-sqlite3: record, log beyond the inline part, search, statistics, WAL', async () => {
    const db = path.join(folder.path, 'stepflow.db');
    const written = await recordRun(db, 'node:sqlite');
    assert.ok(fs.existsSync(`${db}-logs`), 'the big log went to the log folder');

    const conn = openDatabase(db);
    assert.equal(driverOf(conn), 'better-sqlite3');
    assert.equal(conn.pragma('journal_mode', { simple: true }), 'wal');
    const store = new Store(conn);
    try {
      const read = store.getRun(written.id)!;
      assert.deepEqual(shape(read), shape(written));
      assert.deepEqual(shape(read), {
        status: 'failed',
        exitCode: 3,
        lineCount: 4007,
        steps: [
          { name: 'Build', status: 'succeeded', error: undefined },
          { name: 'Test', status: 'failed', error: 'expected 200, got 500' },
        ],
        artifacts: ['report.html'],
      });
      assert.equal(store.readLog(written.id, 4002, 1)[0]!.text, 'needle-in-the-log', 'a line from the part kept in <db>-logs/');
      assert.deepEqual(
        store.searchLogs('NEEDLE-in').map((hit) => [hit.runId, hit.line]),
        [[written.id, 4002]],
      );
      assert.deepEqual(
        store.stepStats().map((s) => [s.path, s.count]),
        [[['Build'], 1]],
      );
    } finally {
      store.close();
    }
  });

  it('a run stored through better-sqlite3 is read through node:sqlite, and both go on writing the same file', async () => {
    const db = path.join(folder.path, 'stepflow.db');
    const first = await recordRun(db, 'better-sqlite3');
    const shown = await cli(['show', first.id, '--json', '--db', db], 'node:sqlite');
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(JSON.parse(shown.stdout), first, 'node:sqlite reads the very record better-sqlite3 stored');

    const second = await recordRun(db, 'node:sqlite');
    const stats = await cli(['stats', '--json', '--db', db], 'better-sqlite3');
    assert.equal(stats.code, 0, stats.stderr);
    const build = (JSON.parse(stats.stdout) as Array<{ path: string[]; count: number }>).find((s) => s.path.join('/') === 'Build');
    assert.equal(build?.count, 2, 'each driver added its run to the same statistics');

    const history = await cli(['history', '--json', '--db', db], 'node:sqlite');
    assert.equal(history.code, 0, history.stderr);
    assert.deepEqual(
      (JSON.parse(history.stdout) as Array<{ id: string }>).map((r) => r.id),
      [second.id, first.id],
    );
  });
});
