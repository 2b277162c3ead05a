// What a user sees of the marker intelligence in a real VS Code (code-server) in headless
// Chromium: typing `STEP` in an examples/ script pops up the marker completions, a typo is
// underlined, and after two runs hovering a STEP_START line shows the step's history and a
// CodeLens shows its statistics. Saves test-results/completion.png and test-results/hover.png.
// Works on a temporary copy of examples/ (runs write into out/), never saves the edits.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ui from '../vscode/ui.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('StepFlow editor intelligence in VS Code (code-server + Chromium)', function () {
  this.timeout(240_000);
  let workbench;
  let home;
  let folder;

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-ui-home-'));
    folder = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-ui-ws-')), 'examples');
    fs.cpSync(path.join(root, 'examples'), folder, { recursive: true });
    // Two runs of the script give its steps a history (mean and σ).
    for (let i = 0; i < 2; i++) {
      const run = spawnSync(process.execPath, [path.join(root, 'bin', 'stepflow.js'), 'run', path.join(folder, 'shell_example.sh'), '--json'], {
        env: { ...process.env, STEPFLOW_HOME: home },
        encoding: 'utf8',
      });
      assert.equal(run.status, 0, run.stderr);
    }
    workbench = await ui.openWorkbench({
      folder,
      extensionDevelopmentPath: root,
      env: { STEPFLOW_HOME: home },
      viewport: { width: 1400, height: 900 },
    });
  });

  after(async () => {
    await workbench?.close();
    fs.rmSync(home, { recursive: true, force: true });
    if (folder) fs.rmSync(path.dirname(folder), { recursive: true, force: true });
  });

  it('offers the markers when typing STEP, and underlines a misspelt keyword', async () => {
    const { page } = workbench;
    await ui.openFile(page, 'shell_example.sh');
    // The sidecar is up once its CodeLens shows.
    await ui.codeLenses(page, 'Run with StepFlow').first().waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('STEP', { delay: 60 });
    const suggest = page.locator('.monaco-editor .suggest-widget.visible');
    await suggest.waitFor({ state: 'visible', timeout: 30_000 });
    await suggest.locator('.monaco-list-row', { hasText: 'STEP_START' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    const rows = await suggest.locator('.monaco-list-row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') || e.textContent || ''));
    assert.ok(rows.some((r) => r.includes('STEP_COMPLETE')), JSON.stringify(rows));
    const file = await ui.screenshot(page, 'completion');
    assert.ok(fs.statSync(file).size > 10_000, 'a real screenshot');

    // Accept the pair snippet's neighbour: a typo instead, to see the underline.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+End');
    await page.keyboard.type('echo "STEP_STRAT:Demo"');
    await page.locator('.monaco-editor .squiggly-warning').first().waitFor({ state: 'attached', timeout: 30_000 });
  });

  it('shows the step history in a hover and a CodeLens on STEP_START lines after two runs', async () => {
    const { page } = workbench;
    await page.keyboard.press('Control+Home');
    // History lenses have no command: plain text, not links.
    const lens = page.locator('.monaco-editor .codelens-decoration', { hasText: 'avg' }).first();
    await lens.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(await lens.textContent(), /avg .+ ± .+ · last ✓ .+ · 2 runs/);
    const line = page.locator('.view-lines .view-line', { hasText: 'STEP_START:Environment Setup' }).first();
    await line.waitFor({ state: 'visible', timeout: 30_000 });
    const word = line.locator('span', { hasText: 'Environment' }).last();
    await word.hover();
    const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'successful runs' }).first();
    await hover.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await hover.textContent(), /Environment Setup[\s\S]*2 successful runs[\s\S]*Last run: ✓ succeeded/);
    const file = await ui.screenshot(page, 'hover');
    assert.ok(fs.statSync(file).size > 10_000, 'a real screenshot');
  });
});
