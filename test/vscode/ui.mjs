// Helpers for UI tests that drive the real VS Code workbench (code-server) in headless Chromium,
// the way a user sees it. Selectors are the ones that work in VS Code 1.100 and in the newest
// release tested (docs/testing.md, "Testing in a real VS Code"); $STEPFLOW_CODE_SERVER (or
// openWorkbench's codeServer) picks which of the two.
//
//   import * as ui from './test/vscode/ui.mjs';
//   const wb = await ui.openWorkbench({ folder: '/abs/ws', extensionDevelopmentPath: repoRoot });
//   await ui.openFile(wb.page, 'shell_example.sh');
//   await ui.clickCodeLens(wb.page, 'Run with StepFlow');
//   await ui.expandView(wb.page, 'StepFlow Runs');
//   const rows = await ui.waitForTreeRows(wb.page, 'StepFlow Runs', { min: 1 });
//   await ui.screenshot(wb.page, 'runs-view');      // → test-results/runs-view.png
//   await wb.close();
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allowExtensionDevelopment, launchChromium, remoteUri, startCodeServer, workbenchUrl } from './codeServer.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// The newest VS Code's screenshots go beside the minimum's instead of over them.
export const RESULTS_DIR = path.join(ROOT, 'test-results', ...(process.env.STEPFLOW_CODE_SERVER === 'newest' ? ['newest'] : []));

const cssString = (s) => `"${String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/**
 * Starts code-server + Chromium and opens the workbench on a folder; resolves when it is ready.
 * With extensionDevelopmentPath the window is an Extension Development Host running that
 * extension (e.g. the repo root, whose package.json main is dist/extension.js).
 * @param {{ codeServer?: 'minimum'|'newest', folder?: string, extensionDevelopmentPath?: string | string[], settings?: object,
 *           env?: Record<string,string>, viewport?: {width:number,height:number}, timeoutMs?: number,
 *           log?: (line: string) => void }} opts
 */
export async function openWorkbench(opts = {}) {
  const server = await startCodeServer({ codeServer: opts.codeServer, workspace: opts.folder, settings: opts.settings, env: opts.env, log: opts.log });
  let browser;
  try {
    browser = await launchChromium({ viewport: opts.viewport });
    const { page } = browser;
    const consoleErrors = [];
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    // Extension host output (console.log in the extension) arrives here, as in the launcher.
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      if (opts.log) opts.log(`[${type}] ${Array.isArray(args) ? args.join(' ') : String(args)}`);
    });
    const devPaths = [opts.extensionDevelopmentPath ?? []].flat();
    const payload = [
      ...devPaths.map((p) => ['extensionDevelopmentPath', remoteUri(server.port, p)]),
      ['skipWelcome', 'true'],
      ['skipReleaseNotes', 'true'],
    ];
    if (devPaths.length) await allowExtensionDevelopment(page);
    await page.goto(workbenchUrl(server, { folder: opts.folder, payload }), { waitUntil: 'domcontentloaded', timeout: 180_000 }); // a loaded machine: see launcher.mjs
    await waitForWorkbench(page, opts.timeoutMs);
    const close = async () => {
      await browser.close();
      await server.stop();
    };
    return { server, browser, page, consoleErrors, close };
  } catch (err) {
    await browser?.close();
    await server.stop();
    throw err;
  }
}

/** Waits for the workbench to be up (and, with a folder, for the explorer to list it). */
export async function waitForWorkbench(page, timeoutMs = 60_000) {
  await page.locator('.monaco-workbench').first().waitFor({ state: 'visible', timeout: timeoutMs });
  // The activity bar / status bar render after the workbench shell; wait for one more landmark.
  await page.locator('.part.statusbar').first().waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Shows the Explorer (if another view container is showing). */
export async function showExplorer(page) {
  const explorer = page.locator('.explorer-folders-view');
  if (await explorer.isVisible().catch(() => false)) return;
  await page.keyboard.press('Control+Shift+E');
  await explorer.waitFor({ state: 'visible', timeout: 15_000 });
}

/**
 * Opens a file from the Explorer by clicking its row; `relPath` may go through folders
 * ('helpers/lib.sh' expands 'helpers' first). Resolves when its editor tab is active.
 */
export async function openFile(page, relPath, { timeoutMs = 30_000 } = {}) {
  await showExplorer(page);
  const parts = relPath.split(/[\\/]/).filter(Boolean);
  for (const [i, name] of parts.entries()) {
    const row = page.locator(`.explorer-folders-view .monaco-list-row[aria-label=${cssString(name)}]`).first();
    await row.waitFor({ state: 'visible', timeout: timeoutMs });
    if (i < parts.length - 1) {
      if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
    } else {
      await row.click();
    }
  }
  const name = parts.at(-1);
  await page
    .locator(`.tabs-container .tab.active[aria-label*=${cssString(name)}], .title .label-name:text-is(${cssString(name)})`)
    .first()
    .waitFor({ state: 'visible', timeout: timeoutMs });
  await page.locator('.editor-instance .monaco-editor').first().waitFor({ state: 'visible', timeout: timeoutMs });
}

/** The CodeLens links of the visible editor(s), optionally only those containing `text`. */
export function codeLenses(page, text) {
  const links = page.locator('.monaco-editor .codelens-decoration a');
  return text === undefined ? links : links.filter({ hasText: text });
}

/** Waits for a CodeLens link containing `text` and clicks it. */
export async function clickCodeLens(page, text, { timeoutMs = 30_000 } = {}) {
  const link = codeLenses(page, text).first();
  await link.waitFor({ state: 'visible', timeout: timeoutMs });
  await link.click();
}

/** Opens a view container from the activity bar by its title (e.g. 'StepFlow'); no-op when open. */
export async function openViewContainer(page, title, { timeoutMs = 15_000 } = {}) {
  const tab = page.locator(`.activitybar .action-item:has(> a.action-label[aria-label*=${cssString(title)}])`).first();
  await tab.waitFor({ state: 'visible', timeout: timeoutMs });
  // Clicking the selected one would close the side bar.
  if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.locator('a.action-label').click();
  await page.waitForFunction((el) => el.getAttribute('aria-selected') === 'true', await tab.elementHandle(), { timeout: timeoutMs });
}

/** A view's header (views start collapsed). */
export function viewHeader(page, viewName) {
  return page.locator(`.pane-header[aria-label*=${cssString(viewName)}]`).first();
}

/** Expands a view by clicking its header when it is not expanded yet. */
export async function expandView(page, viewName, { timeoutMs = 30_000 } = {}) {
  const header = viewHeader(page, viewName);
  await header.waitFor({ state: 'visible', timeout: timeoutMs });
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  await page.waitForFunction(
    (el) => el.getAttribute('aria-expanded') === 'true',
    await header.elementHandle(),
    { timeout: timeoutMs },
  );
}

/** The rows of a (tree) view. */
export function treeRows(page, viewName) {
  return page.locator(`.pane:has(.pane-header[aria-label*=${cssString(viewName)}]) .monaco-list-row`);
}

/**
 * Waits until a view shows at least `min` rows (and, with `text`, a row containing it);
 * resolves to the rows' aria-labels (falling back to their text).
 */
export async function waitForTreeRows(page, viewName, { min = 1, text, timeoutMs = 30_000 } = {}) {
  const rows = treeRows(page, viewName);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const labels = await rows.evaluateAll((els) => els.map((e) => (e.getAttribute('aria-label') || e.textContent || '').trim()));
    if (labels.length >= min && (!text || labels.some((l) => l.includes(text)))) return labels;
    if (Date.now() > deadline)
      throw new Error(`view "${viewName}": wanted ${min}+ rows${text ? ` with "${text}"` : ''}, have ${JSON.stringify(labels)}`);
    // Re-check when the DOM of the workbench changes, at the latest after 250 ms.
    await page
      .waitForFunction(
        (n) => document.querySelectorAll('.pane .monaco-list-row').length !== n,
        await page.locator('.pane .monaco-list-row').count(),
        { timeout: 250, polling: 'mutation' },
      )
      .catch(() => {});
  }
}

/** Runs a command from the Command Palette by its title (e.g. 'StepFlow: Run Script'). */
export async function runCommand(page, title, { timeoutMs = 15_000 } = {}) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  await input.fill(`>${title}`);
  const item = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  await item.waitFor({ state: 'visible', timeout: timeoutMs });
  await page.keyboard.press('Enter');
}

/** Waits for a notification toast containing `text`; resolves to its locator. */
export async function waitForToast(page, text, { timeoutMs = 30_000 } = {}) {
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  await toast.waitFor({ state: 'visible', timeout: timeoutMs });
  return toast;
}

/** The content frame of a webview (panel or editor): iframe.webview → #active-frame. */
export function webviewFrame(page, { index = 0 } = {}) {
  return page.frameLocator('iframe.webview').nth(index).frameLocator('#active-frame');
}

/** Saves a PNG of what the user sees into test-results/<name>.png; resolves to its path. */
export async function screenshot(page, name, { fullPage = false } = {}) {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, name.endsWith('.png') ? name : `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}
