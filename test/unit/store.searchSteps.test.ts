// Log search names each matching line's step (sidecar/store/logReader.ts): the innermost step
// whose line range holds it, a running step without an end, and nothing outside every step.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { Store } from '../../sidecar/store/store';
import { tempFolderWithStores } from '../support/tempFolder';

describe('store: log search names the step of each line', () => {
  const folder = tempFolderWithStores('stepflow-search-steps-');
  let store: Store;
  beforeEach(() => (store = folder.closeAfterTest(new Store(path.join(folder.path, 'stepflow.db')))));

  it('finds the innermost step, a still-open step, and no step before the first', () => {
    const runId = 'r1';
    const t = 1_700_000_000_000;
    store.createRun({ id: runId, script: '/abs/build.sh', args: [], cwd: '/abs', profile: null, startedAt: t, ownerPid: process.pid });
    const lines = [
      'hit before any step', // 1
      'STEP_START:Build', // 2
      'hit in Build', // 3
      'STEP_START:Compile', // 4
      'hit in Compile', // 5
      'STEP_COMPLETE:Compile', // 6
      'hit in Build again', // 7
      'STEP_COMPLETE:Build', // 8
      'STEP_START:Deploy', // 9
      'hit in running Deploy', // 10
    ];
    lines.forEach((text, k) => store.appendOutput(runId, 'stdout', k + 1, 1, Buffer.from(text + '\n'), t + k));
    store.enqueue({ type: 'stepStarted', runId, stepId: 1, parentId: null, name: 'Build', startedAt: t + 2, line: 2 });
    store.enqueue({ type: 'stepStarted', runId, stepId: 2, parentId: 1, name: 'Compile', startedAt: t + 4, line: 4 });
    store.enqueue({ type: 'stepFinished', runId, stepId: 2, status: 'succeeded', endedAt: t + 6, durationMs: 2, error: null, line: 6 });
    store.enqueue({ type: 'stepFinished', runId, stepId: 1, status: 'succeeded', endedAt: t + 8, durationMs: 6, error: null, line: 8 });
    store.enqueue({ type: 'stepStarted', runId, stepId: 3, parentId: null, name: 'Deploy', startedAt: t + 9, line: 9 });
    store.flush();
    const hits = store.searchLogs('hit').map((h) => [h.line, h.step]);
    assert.deepEqual(hits, [
      [1, undefined],
      [3, ['Build']],
      [5, ['Build', 'Compile']],
      [7, ['Build']],
      [10, ['Deploy']],
    ]);
    assert.equal('step' in store.searchLogs('before any')[0]!, false, 'no step key outside every step');
  });
});
