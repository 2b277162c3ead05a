// The step summary file of a run whose owner died: the process that finds the run interrupted
// removes the run's summary folder unread (its secrets died with the owner), and the run has
// no summary (docs/spec.md §1 "Step summary").
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store } from '../../sidecar/store/store';
import { StepSummaryFile } from '../../sidecar/runs/stepSummary';
import { tempFolderPerTest } from '../support/tempFolder';

describe('step summary: a run found interrupted', () => {
  let dir: string;
  tempFolderPerTest('stepflow-summary-store-', { beforeTest: (folder) => (dir = folder) });

  it('loses its summary folder, unread, and keeps another run’s', () => {
    const store = new Store(path.join(dir, 'stepflow.db'));
    // PIDs are below 2^22 on Linux: this one cannot be alive.
    const deadPid = 4_194_400;
    store.createRun({ id: 'crashed', script: '/abs/x.sh', args: [], cwd: '/abs', profile: null, startedAt: 1, ownerPid: deadPid });
    store.createRun({ id: 'alive', script: '/abs/y.sh', args: [], cwd: '/abs', profile: null, startedAt: 2, ownerPid: process.pid });
    store.flush();
    const crashed = StepSummaryFile.create(store.logDir, 'crashed');
    const alive = StepSummaryFile.create(store.logDir, 'alive');
    fs.appendFileSync(crashed.path, 'token=unmasked-because-the-owner-died\n');
    const next = new Store(store.file);
    try {
      assert.deepEqual(next.markInterrupted(), ['crashed']);
      assert.equal(next.getRun('crashed')!.summary, null);
    } finally {
      next.close();
      store.close();
    }
    assert.equal(fs.existsSync(path.dirname(crashed.path)), false);
    assert.equal(fs.existsSync(alive.path), true);
  });
});
