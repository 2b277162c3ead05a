// A read that stops early — readLog of the first lines of a longer log leaves its statement
// loop with `break` — must not keep the connection's read snapshot: the Store would stop
// seeing runs other processes store (the tree's runs from a terminal, the live feed). Both
// SQLite drivers (npm test runs this file under each, docs/testing.md).
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { Store } from '../../sidecar/store/store';
import { tempFolderWithStores } from '../support/tempFolder';

const folder = tempFolderWithStores('stepflow-snapshot-');

describe('store: a read that stops early keeps no snapshot', () => {
  it('after reading one line of a three-chunk log, a run another connection stores next is seen', () => {
    const file = path.join(folder.path, 'stepflow.db');
    const reader = new Store(file, { maxChunkBytes: 8, flushIntervalMs: 60_000 });
    folder.closeAfterTest(reader);
    reader.createRun({ id: 'long', script: '/w/a.sh', args: [], cwd: '/w', profile: null, startedAt: 1 });
    for (let line = 1; line <= 3; line++) reader.appendOutput('long', 'stdout', line, 1, Buffer.from(`line ${line}\n`), line);
    reader.flush();
    assert.deepEqual(reader.readLog('long', 1, 1).map((l) => l.text), ['line 1']);

    const other = new Store(file, { flushIntervalMs: 60_000 });
    folder.closeAfterTest(other);
    other.createRun({ id: 'from-elsewhere', script: '/w/b.sh', args: [], cwd: '/w', profile: null, startedAt: 2 });
    other.flush();

    assert.equal(reader.getRun('from-elsewhere')?.script, '/w/b.sh');
    assert.deepEqual(reader.listRuns().map((r) => r.id), ['from-elsewhere', 'long']);
  });
});
