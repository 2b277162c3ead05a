// What a user sees: examples/ open in a real VS Code (code-server) in headless Chromium,
// a click on "▶ Run with StepFlow" above shell_example.sh, and the StepFlow view filling
// with the script's steps. Saves test-results/vscode-run.png.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ui from '../vscode/ui.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('StepFlow in VS Code (code-server + Chromium)', function () {
  this.timeout(180_000);
  let workbench;
  let home;

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-ui-home-'));
    workbench = await ui.openWorkbench({
      folder: path.join(root, 'examples'),
      extensionDevelopmentPath: root,
      env: { STEPFLOW_HOME: home },
      viewport: { width: 1400, height: 900 },
    });
  });

  after(async () => {
    await workbench?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('runs a script from its CodeLens and shows its steps live in the StepFlow view', async () => {
    const { page } = workbench;
    await ui.openFile(page, 'shell_example.sh');
    await ui.clickCodeLens(page, 'Run with StepFlow');
    // Starting a run reveals it: the StepFlow view opens by itself (no click on the activity bar).
    // The first step appears while the script still runs (it takes ~3 s in all).
    const early = await ui.waitForTreeRows(page, 'Runs', { text: 'Environment Setup', timeoutMs: 60_000 });
    assert.ok(early.some((label) => label.includes('shell_example.sh')), JSON.stringify(early));
    const rows = await ui.waitForTreeRows(page, 'Runs', { text: 'Package', timeoutMs: 60_000 });
    // The view follows the run, so by the last step the first ones may have scrolled out of
    // the (virtualised) list: every step must have been on screen at one of the two moments.
    const seen = [...early, ...rows];
    for (const step of ['Environment Setup', 'Build', 'Tests', 'Package']) {
      assert.ok(seen.some((label) => label.includes(step)), `row for ${step} in ${JSON.stringify(seen)}`);
    }
    const file = await ui.screenshot(page, 'vscode-run');
    assert.ok(fs.statSync(file).size > 10_000, 'a real screenshot');
  });
});
