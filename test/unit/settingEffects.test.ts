// Every `stepflow.*` setting says how it takes effect without a window reload
// (extension/settingEffects.ts): the list there and package.json's contributes.configuration
// hold the same settings, so a new setting cannot be forgotten.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SETTING_EFFECTS, changedSettings } from '../../extension/settingEffects';

describe('settings: each one takes effect without a reload', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    contributes: { configuration: Array<{ properties: Record<string, unknown> }> };
  };
  const contributed = pkg.contributes.configuration.flatMap((c) => Object.keys(c.properties)).sort();

  it('lists exactly the settings package.json contributes', () => {
    assert.deepEqual(Object.keys(SETTING_EFFECTS).sort(), contributed);
  });

  it('restarts the sidecar only for what it reads at start, and reloads the view for runsShown', () => {
    const all = changedSettings(() => true);
    assert.deepEqual(all.restart.sort(), ['stepflow.run.adoptGraceSeconds', 'stepflow.runtime.mode', 'stepflow.runtime.nodePath', 'stepflow.storage.databasePath']);
    assert.deepEqual(all.reload, ['stepflow.view.runsShown']);
    assert.deepEqual(changedSettings((s) => s === 'stepflow.run.profiles'), { restart: [], reload: [], 'next use': ['stepflow.run.profiles'] });
  });
});
