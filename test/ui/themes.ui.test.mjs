// The history panel inside a real VS Code (code-server + Chromium) in a dark, a light and a
// high-contrast theme: the theme is switched in the workspace's settings, as a user may; the panel
// follows (VS Code hands the webview the theme's --vscode-* colours), a screenshot of each
// (test-results/panel-dark.png, panel-light.png, panel-hc.png, panel-hc-light.png) shows a
// failed run with the keyboard focus on a step row, and axe-core finds no serious or critical
// violation in the webview in any of them — colour contrast included, which only the real
// theme colours can tell.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ui from '../vscode/ui.mjs';
import { launchChromium, remoteUri, startCodeServer, workbenchUrl } from '../vscode/codeServer.mjs';
import { blocking, describeViolations, runAxe } from './axe.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// Each is reached by a change of the setting: a Dark Modern set before the window opened was
// not applied to the webview in time in code-server 4.100.3, a switch to it always is.
const THEMES = [
  { name: 'light', theme: 'Default Light Modern', bodyClass: 'vscode-light' },
  { name: 'hc', theme: 'Default High Contrast', bodyClass: 'vscode-high-contrast' },
  { name: 'hc-light', theme: 'Default High Contrast Light', bodyClass: 'vscode-high-contrast-light' },
  { name: 'dark', theme: 'Default Dark Modern', bodyClass: 'vscode-dark' },
];

/**
 * ui.openWorkbench with a patient first navigation: the workbench page took over 30 s to
 * load on the shared machine at load 25 (page.goto's default), three times in a row.
 */
async function openSlowWorkbench({ folder, env, settings }) {
  const server = await startCodeServer({ workspace: folder, settings, env });
  let browser;
  try {
    browser = await launchChromium({ viewport: { width: 1440, height: 900 } });
    const payload = [['extensionDevelopmentPath', remoteUri(server.port, root)], ['skipWelcome', 'true'], ['skipReleaseNotes', 'true']];
    await browser.page.goto(workbenchUrl(server, { folder, payload }), { waitUntil: 'domcontentloaded', timeout: 180_000 });
    await ui.waitForWorkbench(browser.page, 120_000);
  } catch (err) {
    await browser?.close();
    await server.stop();
    throw err;
  }
  return { server, page: browser.page, close: async () => { await browser.close(); await server.stop(); } };
}

describe('history panel in VS Code themes (code-server + Chromium, axe-core)', function () {
  this.timeout(420_000);
  let workbench;
  let home;
  let workspace;

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-themes-home-'));
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-themes-ws-'));
    fs.cpSync(path.join(root, 'examples'), workspace, { recursive: true, filter: (src) => !src.includes(`${path.sep}out`) });
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    const env = { ...process.env, STEPFLOW_HOME: home };
    for (const script of ['shell_example.sh', 'nested_failing.sh']) {
      const r = spawnSync(process.execPath, [path.join(root, 'bin', 'stepflow.js'), 'run', path.join(workspace, script), '--json'], { env, encoding: 'utf8' });
      assert.ok(r.stdout.includes('"status"'), r.stderr);
    }
    workbench = await openSlowWorkbench({ folder: workspace, env: { STEPFLOW_HOME: home } });
    const { page } = workbench;
    await page.locator('.activitybar .action-item a.action-label[aria-label*="StepFlow"]').first().waitFor({ timeout: 60_000 });
    await ui.runCommand(page, 'StepFlow: Show History');
    const view = ui.webviewFrame(page);
    // The panel can open before the sidecar answers its first list: Refresh, as a user would.
    const rows = view.locator('sf-run-list .row');
    for (let i = 0; i < 12 && (await rows.count()) < 1; i++) {
      await rows.first().waitFor({ timeout: 15_000 }).catch(() => view.locator('sf-filters button[aria-label="Refresh"]').click({ timeout: 15_000 }).catch(() => {}));
    }
    try {
      // The failed run recorded above when it is listed (a failure reads in every theme), else the newest.
      const failed = view.locator('sf-run-list .row', { hasText: 'nested_failing' });
      await ((await failed.count()) > 0 ? failed : rows).first().click();
      await view.locator('sf-step-table tr[data-step-id]').first().waitFor();
    } catch (err) {
      await ui.screenshot(page, 'panel-themes-failure');
      throw err;
    }
  });

  after(async () => {
    await workbench?.close();
    for (const dir of [home, workspace]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const { name, theme, bodyClass } of THEMES) {
    it(`reads well in ${theme}: screenshot panel-${name}.png, no serious or critical axe violations`, async () => {
      const { page } = workbench;
      // The workspace's .vscode/settings.json, which code-server watches (a changed user
      // settings.json and the Color Theme picker did not take effect in code-server 4.100.3).
      fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'workbench.colorTheme': theme }));
      const view = ui.webviewFrame(page);
      await view.locator(`body.${bodyClass}`).waitFor({ state: 'attached', timeout: 60_000 });
      // The keyboard on the step table's second row, so the screenshot shows the focus ring.
      await view.locator('sf-step-table tr[data-step-id]').first().focus();
      await view.locator('sf-step-table tr[data-step-id]').first().press('ArrowDown');
      await ui.screenshot(page, `panel-${name}`);
      const frame = await page.frameLocator('iframe.webview').first().locator('#active-frame').elementHandle().then((h) => h.contentFrame());
      const violations = await runAxe(frame);
      const bad = blocking(violations);
      const rest = violations.filter((v) => !bad.includes(v));
      if (rest.length) console.log(`      ${theme}: moderate/minor: ${rest.map((v) => `${v.id} (${v.nodes.length})`).join(', ')}`);
      assert.equal(bad.length, 0, `${theme}: serious or critical accessibility violations:\n${describeViolations(bad)}`);
    });
  }
});
