// First use, as a new user meets it in code-server + Chromium: the "Get Started with StepFlow"
// walkthrough, each step completing on the real event — markers inserted in the open script
// (below its shebang), a run started, a failed run opened at its failing step, the history
// opened, two runs compared. Saves test-results/walkthrough.png.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ui from '../vscode/ui.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WALKTHROUGH = 'stepflow.stepflow#gettingStarted';

// A script whose nested step fails: the third walkthrough step completes when the view opens
// the run at "Check".
const SCRIPT = [
  '#!/usr/bin/env bash',
  'echo "STEP_START:Prepare"',
  'echo "STEP_START:Check"',
  'echo "STEP_ERROR:something broke"',
  'echo "STEP_COMPLETE:Prepare"',
  'exit 1',
  '',
].join('\n');

describe('Get Started walkthrough (code-server + Chromium)', function () {
  this.timeout(240_000);
  let workbench;
  let home;
  let workspace;

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-walkthrough-home-'));
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-walkthrough-ws-'));
    fs.writeFileSync(path.join(workspace, 'build.sh'), SCRIPT, { mode: 0o755 });
    workbench = await ui.openWorkbench({
      folder: workspace,
      extensionDevelopmentPath: root,
      env: { STEPFLOW_HOME: home },
      viewport: { width: 1400, height: 900 },
    });
  });

  after(async () => {
    await workbench?.close();
    for (const dir of [home, workspace]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const step = (page, id) => page.locator(`.getting-started-step[data-step-id="${WALKTHROUGH}#${id}"]`);
  const waitChecked = (page, id) => step(page, id).and(page.locator('[aria-checked="true"]')).waitFor({ timeout: 60_000 });
  /** Opens (or brings back) the walkthrough's editor. */
  const showWalkthrough = async (page) => {
    await ui.runCommand(page, 'Welcome: Open Walkthrough...');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Get Started with StepFlow' }).first().click();
    await step(page, 'addMarker').waitFor({ timeout: 30_000 });
  };
  /** Expands a walkthrough step and clicks its button. */
  const clickStepButton = async (page, id, button) => {
    await step(page, id).click();
    await page.locator('.getting-started-step.expanded').getByRole('button', { name: button }).click();
  };

  it('completes each step on the real event, from adding markers to comparing two runs', async () => {
    const { page } = workbench;
    await ui.openFile(page, 'build.sh');
    // The extension is active once its CodeLens is there.
    await ui.codeLenses(page, 'Run with StepFlow').first().waitFor({ timeout: 60_000 });

    await showWalkthrough(page);
    for (const id of ['addMarker', 'run', 'failingStep', 'history', 'compare']) {
      assert.equal(await step(page, id).getAttribute('aria-checked'), 'false', `${id} starts unchecked`);
    }

    // 1. The pair goes below the shebang, in the script opened beside the walkthrough.
    await clickStepButton(page, 'addMarker', 'Insert Step Markers');
    await waitChecked(page, 'addMarker');
    const editorLines = page.locator('.monaco-editor .view-line');
    await page.locator('.monaco-editor .view-line', { hasText: 'STEP_COMPLETE:Build' }).waitFor();
    // Monaco reuses line elements: their order on screen is their `top`, not the DOM order.
    const text = (await editorLines.evaluateAll((els) => els.map((e) => [parseFloat(e.style.top), e.textContent])))
      .sort((a, b) => a[0] - b[0])
      .map(([, line]) => line.replace(/\u00a0/g, ' '));
    assert.equal(text[0], '#!/usr/bin/env bash', JSON.stringify(text));
    assert.equal(text[1], 'echo "STEP_START:Build"');
    assert.equal(text[3], 'echo "STEP_COMPLETE:Build"');

    // 2 and 3. Run the script beside the walkthrough: it fails at Check, and the view opens it there.
    await clickStepButton(page, 'run', 'Run the Open Script');
    await waitChecked(page, 'run');
    await waitChecked(page, 'failingStep');

    // 4. The history.
    await clickStepButton(page, 'history', 'Show History');
    // The panel may open over the walkthrough (in the group that had focus): bring it back.
    await ui.webviewFrame(page).locator('sf-run-list .row').first().waitFor({ timeout: 60_000 });
    await showWalkthrough(page);
    await waitChecked(page, 'history');
    assert.equal(await step(page, 'compare').getAttribute('aria-checked'), 'false', 'opening the history compares nothing');

    // 5. A second run, then the Compare tab of the newest run in the panel.
    // build.sh is still open beside the walkthrough.
    await ui.clickCodeLens(page, 'Run with StepFlow');
    await ui.runCommand(page, 'StepFlow: Show History');
    const view = ui.webviewFrame(page);
    const rows = view.locator('sf-run-list .row');
    await rows.nth(1).waitFor({ timeout: 60_000 });
    await rows.nth(0).click();
    await view.locator('sf-run-detail nav button[data-tab="compare"]').click();
    await view.locator('sf-compare table').waitFor();

    await showWalkthrough(page);
    await waitChecked(page, 'compare');
    await ui.screenshot(page, 'walkthrough');
  });
});
