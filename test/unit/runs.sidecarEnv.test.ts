// What the extension sets for the sidecar process alone (extension/sidecarClient.ts: its
// runtime's ELECTRON_RUN_AS_NODE, its SQLite driver, listed in STEPFLOW_SIDECAR_ENV) is not
// passed on to the scripts it runs: a `code --wait` in a script must start VS Code, not a
// Node, and a nested `stepflow run` must pick its own driver. Everything else is.
import { strict as assert } from 'node:assert';
import { runCli, writeScript } from '../support/cli';
import { tempFolderPerTest } from '../support/tempFolder';

const folder = tempFolderPerTest('stepflow-sidecar-env-');

describe('runs: the sidecar\'s own environment stays with the sidecar', () => {
  it('a script inherits the environment without the variables STEPFLOW_SIDECAR_ENV lists, nor that list', async () => {
    const script = writeScript(
      folder.path,
      'env.sh',
      '#!/bin/sh\necho "run-as-node=${ELECTRON_RUN_AS_NODE:-unset} driver=${STEPFLOW_SQLITE_DRIVER:-unset} list=${STEPFLOW_SIDECAR_ENV:-unset} mine=${MY_SETTING:-unset}"\n',
    );
    const result = await runCli(['run', script], {
      home: folder.path,
      env: { ELECTRON_RUN_AS_NODE: '1', STEPFLOW_SQLITE_DRIVER: 'better-sqlite3', STEPFLOW_SIDECAR_ENV: 'ELECTRON_RUN_AS_NODE,STEPFLOW_SQLITE_DRIVER', MY_SETTING: 'kept' },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /run-as-node=unset driver=unset list=unset mine=kept/);
  });

  it('without the list nothing is taken out', async () => {
    const script = writeScript(folder.path, 'env.sh', '#!/bin/sh\necho "driver=${STEPFLOW_SQLITE_DRIVER:-unset}"\n');
    const result = await runCli(['run', script], { home: folder.path, env: { STEPFLOW_SQLITE_DRIVER: 'better-sqlite3' } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /driver=better-sqlite3/);
  });
});
