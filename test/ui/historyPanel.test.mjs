// The history panel inside a real VS Code (code-server + Chromium): runs recorded by the CLI
// beforehand, "StepFlow: Show History" from the command palette, the runs listed in the
// webview, one opened with its timeline and log, a screenshot (test-results/history-panel.png),
// the panel restored with its selection after a window reload (webview serializer), and a
// log search listing the matching line with its step, opened in the log at that line
// (test-results/history-search.png).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ui from '../vscode/ui.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('history panel in VS Code (code-server + Chromium)', function () {
  this.timeout(180_000);
  let workbench;
  let home;
  let workspace;

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-panel-home-'));
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-panel-ws-'));
    fs.cpSync(path.join(root, 'examples'), workspace, { recursive: true, filter: (src) => !src.includes(`${path.sep}out`) });
    const env = { ...process.env, STEPFLOW_HOME: home };
    for (const script of ['nested_failing.sh', 'shell_example.sh']) {
      const r = spawnSync(process.execPath, [path.join(root, 'bin', 'stepflow.js'), 'run', path.join(workspace, script), '--json'], { env, encoding: 'utf8' });
      assert.ok(r.stdout.includes('"status"'), r.stderr);
    }
    workbench = await ui.openWorkbench({
      folder: workspace,
      extensionDevelopmentPath: root,
      env: { STEPFLOW_HOME: home },
      viewport: { width: 1440, height: 900 },
    });
  });

  after(async () => {
    await workbench?.close();
    for (const dir of [home, workspace]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('opens from the command palette, lists the runs and shows one with its steps and log', async () => {
    const { page } = workbench;
    // The extension's contributions are registered once its activity bar entry is there.
    await page.locator('.activitybar .action-item a.action-label[aria-label*="StepFlow"]').first().waitFor({ timeout: 60_000 });
    await ui.runCommand(page, 'StepFlow: Show History');
    const view = ui.webviewFrame(page);
    const rows = view.locator('sf-run-list .row');
    await rows.nth(1).waitFor({ timeout: 60_000 });
    assert.equal(await rows.count(), 2);
    assert.match(await rows.nth(0).innerText(), /shell_example\.sh/);
    assert.match(await rows.nth(1).innerText(), /nested_failing\.sh/);
    await rows.nth(0).click();
    for (const step of ['Environment Setup', 'Build', 'Compile', 'Tests', 'Package']) {
      await view.locator('sf-timeline .name', { hasText: step }).first().waitFor();
    }
    await view.locator('sf-run-detail .facts', { hasText: 'Succeeded' }).waitFor();
    await view.locator('sf-run-detail nav button[data-tab="artifacts"] .badge', { hasText: /[1-9]/ }).waitFor();
    await ui.screenshot(page, 'history-panel');

    await view.locator('sf-run-detail nav button[data-tab="log"]').click();
    await view.locator('sf-log-viewer .line[data-line="1"]').waitFor();
    assert.ok((await view.locator('sf-log-viewer .line').count()) > 5);
  });

  it('comes back after a window reload with the same run selected', async () => {
    const { page } = workbench;
    // Through VS Code's own reload, which saves the workbench state (the open panel and the
    // webview's state) before it goes, as a user's reload does.
    const reloaded = page.waitForEvent('load', { timeout: 60_000 });
    await ui.runCommand(page, 'Developer: Reload Window');
    await reloaded;
    await ui.waitForWorkbench(page);
    const view = ui.webviewFrame(page);
    await view.locator('sf-run-detail h2', { hasText: 'shell_example.sh' }).waitFor({ timeout: 60_000 });
    await view.locator('sf-run-detail nav button[data-tab="log"][aria-selected="true"]').waitFor();
  });
  it('searches the logs: the matching line with its step, and a click opens the log there', async () => {
    const { page } = workbench;
    const view = ui.webviewFrame(page);
    const input = view.locator('sf-filters input[type="search"]');
    await input.fill('got 500');
    await input.press('Enter');
    // The open run (shell_example.sh, no such line) gives way to the matching lines.
    const hit = view.locator('sf-search-results .hit');
    await hit.first().waitFor({ timeout: 30_000 });
    assert.equal(await hit.count(), 1);
    assert.equal(await hit.locator('.step').innerText(), 'Tests › integration');
    assert.equal(await hit.locator('.text mark').innerText(), 'got 500');
    await ui.screenshot(page, 'history-search');
    const line = await hit.getAttribute('data-line');
    await hit.click();
    await view.locator(`sf-log-viewer .line.focus[data-line="${line}"]`, { hasText: 'expected 200, got 500' }).waitFor();
    await view.locator('sf-run-detail h2', { hasText: 'nested_failing.sh' }).waitFor();
  });
});
