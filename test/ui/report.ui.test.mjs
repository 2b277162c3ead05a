// "StepFlow: Export Run Report" as a user meets it in a real VS Code (code-server + Chromium):
// a run from the CodeLens, the command from the palette, the run picked, the save dialog
// proposing the OS temp folder (not the workspace, where the report would show in git
// status), and the report opened rendered in a preview — its headings and step table, not
// HTML source. Screenshot: test-results/report-rendered.png.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ui from '../vscode/ui.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const SCRIPT = `#!/usr/bin/env bash
echo "STEP_START:Build"
echo "compiling"
echo "STEP_START:Compile"
echo "STEP_WARNING:3 deprecated calls"
echo "STEP_COMPLETE:Compile"
echo "STEP_COMPLETE:Build"
echo "STEP_START:Tests"
echo "12 passed"
echo "STEP_COMPLETE:Tests"
`;

describe('Export Run Report in VS Code (code-server + Chromium)', function () {
  this.timeout(180_000);
  let workbench;
  let home;
  let workspace;
  let tmp;

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-report-home-'));
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-report-ws-'));
    // The extension host's temp folder, so the test knows (and cleans) where the report goes.
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-report-tmp-'));
    fs.writeFileSync(path.join(workspace, 'release.sh'), SCRIPT, { mode: 0o755 });
    workbench = await ui.openWorkbench({
      folder: workspace,
      extensionDevelopmentPath: root,
      env: { STEPFLOW_HOME: home, TMPDIR: tmp },
      viewport: { width: 1400, height: 900 },
    });
  });

  after(async () => {
    await workbench?.close();
    for (const dir of [home, workspace, tmp]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('proposes the temp folder and opens the HTML report rendered', async () => {
    const { page } = workbench;
    await ui.openFile(page, 'release.sh');
    await ui.clickCodeLens(page, 'Run with StepFlow');
    await ui.waitForTreeRows(page, 'Runs', { text: 'Tests', timeoutMs: 60_000 });
    // The run is finished once its row no longer says running.
    await page.locator('.pane .monaco-list-row', { hasText: 'release.sh' }).filter({ hasNotText: 'running' }).first().waitFor({ timeout: 60_000 });

    await ui.runCommand(page, 'StepFlow: Export Run Report');
    const pick = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'release.sh' }).first();
    await pick.waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');

    // code-server's save dialog is a quick input holding the proposed path.
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await page.waitForFunction(
      (dir) => [...document.querySelectorAll('.quick-input-widget .quick-input-box input')].some((i) => i.value.endsWith('.html') && i.value.includes(dir)),
      path.basename(tmp),
      { timeout: 15_000 },
    );
    const proposed = await input.inputValue();
    assert.ok(proposed.includes(path.basename(tmp)), `proposed in the temp folder: ${proposed}`);
    assert.ok(!proposed.includes(path.basename(workspace)), `not in the workspace: ${proposed}`);
    assert.match(path.basename(proposed), /^stepflow-release-sh-[\w-]+\.html$/);
    await page.keyboard.press('Enter');

    // The preview tab, rendered: the report's own elements inside the webview.
    await page.locator('.tab', { hasText: /^Report: stepflow-release-sh-/ }).first().waitFor({ timeout: 30_000 });
    const report = ui.webviewFrame(page);
    await report.locator('header.head h1', { hasText: 'release.sh' }).waitFor({ timeout: 30_000 });
    for (const step of ['Build', 'Compile', 'Tests']) await report.locator('main', { hasText: step }).first().waitFor();
    await report.locator('main', { hasText: '3 deprecated calls' }).first().waitFor();
    assert.equal(await report.locator('script').count(), 0);
    // Not the source: no text editor shows the file's markup.
    assert.equal(await page.locator('.monaco-editor .view-line', { hasText: '<!doctype html>' }).count(), 0);
    const written = fs.readdirSync(tmp).filter((f) => /^stepflow-release-sh-.*\.html$/.test(f));
    assert.equal(written.length, 1, `written to the temp folder: ${fs.readdirSync(tmp)}`);
    assert.deepEqual(fs.readdirSync(workspace).filter((f) => f.endsWith('.html')), [], 'nothing written into the workspace');
    const file = await ui.screenshot(page, 'report-rendered');
    assert.ok(fs.statSync(file).size > 10_000, 'a real screenshot');
  });
});
