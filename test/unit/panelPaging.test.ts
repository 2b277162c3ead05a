// The history panel's paging path, as the panel wires it (extension/historyPanel.ts), minus
// the JSON-RPC hop: the webview's HistoryController asks its data source for a page with a
// cursor, the host cuts the page with pageRuns (sidecar/protocol/history.ts) over the store's
// listRuns (what stepflow/listRuns answers). A real store in a temp folder; runs that share
// a start time straddle page ends, so the cursor's tie-break is exercised too.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { pageRuns, type HistoryQuery } from '../../sidecar/protocol/history';
import { Store } from '../../sidecar/store/store';
import type { StepflowDataSource } from '../../webview/dataSource';
import { HistoryController } from '../../webview/historyController';
import { tempFolderPerTest } from '../support/tempFolder';

const RUNS = 230;
const T = 1_700_000_000_000;

describe('history panel: the run list pages through the store', () => {
  let store: Store;
  tempFolderPerTest('stepflow-panel-paging-', {
    beforeTest: (dir) => {
      store = new Store(path.join(dir, 'stepflow.db'));
      // Three runs per start time; every fifth run failed.
      for (let i = 0; i < RUNS; i++) {
        const runId = `run${String(i).padStart(4, '0')}`;
        const startedAt = T + Math.floor(i / 3) * 1000;
        store.createRun({ id: runId, script: '/abs/build.sh', args: [], cwd: '/abs', profile: null, startedAt, ownerPid: process.pid });
        const failed = i % 5 === 0;
        store.enqueue({ type: 'runFinished', runId, status: failed ? 'failed' : 'succeeded', exitCode: failed ? 1 : 0, signal: null, endedAt: startedAt + 10, durationMs: 10, lineCount: 0, error: null });
      }
      store.flush();
    },
    afterTest: () => store.close(),
  });

  /** The data source the panel gives its webview, for the run list. */
  const panelSource = (asked: HistoryQuery[]): StepflowDataSource =>
    ({
      artifactAction: 'open',
      listRuns: (query: HistoryQuery) => {
        asked.push(query);
        return pageRuns(query, (q) => store.listRuns(q));
      },
      subscribe: () => () => undefined,
      loadState: () => undefined,
      saveState: () => undefined,
    }) as unknown as StepflowDataSource;

  it('loads every run exactly once, newest first, one page after the other, and stops at the last', async () => {
    const asked: HistoryQuery[] = [];
    const ctl = new HistoryController(panelSource(asked));
    await ctl.start();
    assert.equal(ctl.runs.length, 100, 'the first page');
    while (ctl.nextCursor) await ctl.loadMore();
    const ids = ctl.runs.map((r) => r.id);
    assert.equal(new Set(ids).size, RUNS, 'no run twice');
    assert.equal(ids.length, RUNS, 'no run left out');
    const starts = ctl.runs.map((r) => r.startedAt);
    assert.deepEqual(starts, [...starts].sort((a, b) => b - a), 'newest first');
    assert.deepEqual(asked.map((q) => q.cursor !== undefined), [false, true, true], 'three pages, each after the last one’s cursor');
    await ctl.loadMore(); // at the end: nothing more is asked
    assert.equal(asked.length, 3);
    ctl.dispose();
  });

  it('pages a filtered list the same way, and a reload starts again at the first page', async () => {
    const asked: HistoryQuery[] = [];
    const ctl = new HistoryController(panelSource(asked));
    await ctl.start();
    await ctl.setQuery({ status: ['failed'] });
    while (ctl.nextCursor) await ctl.loadMore();
    assert.equal(ctl.runs.length, RUNS / 5);
    assert.ok(ctl.runs.every((r) => r.status === 'failed'));
    await ctl.reload();
    assert.equal(ctl.runs.length, RUNS / 5, 'one page holds them all');
    assert.equal(asked.at(-1)!.cursor, undefined);
    assert.deepEqual(asked.at(-1)!.status, ['failed']);
    ctl.dispose();
  });
});
