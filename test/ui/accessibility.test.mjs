// The history components with a keyboard and a screen reader's eyes, in Chromium under the
// panel's strict CSP (fake data source, as components.test.mjs): the runs list, the detail's
// tabs, the step table and the log viewer are worked with arrows, Home/End and Enter alone,
// name what the keyboard is on, and show it; then axe-core audits the page and the dashboard
// of `stepflow serve` (dark and light): no serious or critical violations.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleFake, openFakeHostPage } from './fakeHostPage.mjs';
import { blocking, describeViolations, runAxe } from './axe.mjs';
import { startServe, stopServe } from './serveProcess.mjs';
import { launchChromium } from '../vscode/codeServer.mjs';
import { RESULTS_DIR } from '../vscode/ui.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>StepFlow History</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-t3st'; style-src 'self' 'nonce-t3st'; font-src 'self'; connect-src 'none'; img-src 'none'">
<link rel="stylesheet" href="/codicon.css" nonce="t3st">
<style nonce="t3st">html, body { height: 100%; margin: 0; } body { background: #1f1f1f; } sf-history-app { height: 100vh; }</style>
</head><body><sf-history-app></sf-history-app><script type="module" nonce="t3st" src="/fake.js"></script></body></html>`;

/** The element that has the focus, through shadow roots: "tag#id.class[data-…]". */
function focused() {
  let el = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  if (!el) return '';
  const data = [...el.attributes].filter((a) => a.name.startsWith('data-')).map((a) => `[${a.name}=${a.value}]`).join('');
  return `${el.tagName.toLowerCase()}${data}`;
}

async function assertNoBlocking(target, where) {
  const violations = await runAxe(target);
  const bad = blocking(violations);
  const rest = violations.filter((v) => !bad.includes(v));
  if (rest.length) console.log(`      ${where}: ${rest.length} moderate/minor finding(s):\n${describeViolations(rest).replace(/^/gm, '        ')}`);
  assert.equal(bad.length, 0, `${where}: serious or critical accessibility violations:\n${describeViolations(bad)}`);
}

describe('accessibility: the history components by keyboard (Chromium, fake data source)', function () {
  this.timeout(60_000);
  let browser;
  let page;
  let problems = [];

  before(async () => {
    ({ browser, page, problems } = await openFakeHostPage({ html: PAGE, fake: await bundleFake('componentsFake.ts') }));
    await page.locator('sf-run-list .row').nth(2).waitFor();
  });

  after(() => browser?.close());

  it('walks the runs list with arrows, Home and End, and opens a run with Enter', async () => {
    const list = page.locator('sf-run-list [role="listbox"]');
    await list.focus();
    await page.keyboard.press('End');
    // The keyboard's row is named to screen readers and outlined; nothing opened yet.
    await page.waitForFunction(() => document.querySelector('sf-history-app').shadowRoot.querySelector('sf-run-list').shadowRoot
      .querySelector('[role="listbox"]').getAttribute('aria-activedescendant') === 'run-row-2');
    assert.equal(await page.locator('sf-run-detail').count(), 0, 'moving does not open');
    const active = page.locator('sf-run-list #run-row-2');
    assert.equal(await active.getAttribute('data-run-id'), 'prev0000001');
    // Its accessible name: the words, not the icon and the abbreviations on screen.
    assert.equal(await page.getByRole('option', { name: /^big\.sh, succeeded, 4 seconds, started / }).count(), 2);
    assert.match(await active.locator('.sr-only').textContent(), /^big\.sh, succeeded, 4 seconds, started /);
    assert.notEqual(await active.evaluate((el) => getComputedStyle(el).borderTopColor), 'rgba(0, 0, 0, 0)', 'the focused row is outlined');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await page.locator('sf-run-detail h2', { hasText: 'big.sh' }).waitFor();
    assert.equal(await page.locator('sf-run-list .row[aria-selected="true"]').getAttribute('data-run-id'), 'big00000001');
    await page.keyboard.press('Home');
    await page.keyboard.press(' ');
    await page.locator('sf-run-list .row[aria-selected="true"][data-run-id="hostile0001"]').waitFor();
    assert.equal(await page.evaluate(focused), 'div', 'the list keeps the focus');
  });

  it('moves between the detail tabs with the arrows (the tab pattern)', async () => {
    await page.locator('sf-run-list .row[data-run-id="big00000001"]').click();
    await page.locator('sf-run-detail h2', { hasText: 'big.sh' }).waitFor();
    const tabs = page.locator('sf-run-detail [role="tab"]');
    assert.deepEqual(await tabs.evaluateAll((els) => els.map((t) => t.tabIndex)), [0, -1, -1, -1], 'one tab stop: the selected tab');
    await tabs.first().focus();
    await page.keyboard.press('ArrowRight');
    await page.locator('sf-run-detail [role="tab"][data-tab="log"][aria-selected="true"]').waitFor();
    assert.equal(await page.evaluate(focused), 'button[data-tab=log]');
    assert.equal(await page.locator('sf-run-detail [role="tabpanel"]').getAttribute('aria-labelledby'), 'tab-log');
    await page.keyboard.press('End');
    await page.locator('sf-run-detail [role="tab"][data-tab="compare"][aria-selected="true"]').waitFor();
    await page.keyboard.press('ArrowRight'); // wraps
    await page.locator('sf-run-detail [role="tab"][data-tab="timeline"][aria-selected="true"]').waitFor();
    await page.keyboard.press('ArrowLeft');
    await page.locator('sf-run-detail [role="tab"][data-tab="compare"][aria-selected="true"]').waitFor();
    await page.keyboard.press('Home');
    await page.locator('sf-run-detail [role="tab"][data-tab="timeline"][aria-selected="true"]').waitFor();
  });

  it('walks the step table with the arrows; Enter opens the step in the log', async () => {
    await page.locator('sf-run-list .row[data-run-id="hostile0001"]').click();
    const first = page.locator('sf-step-table tr[data-step-id="1"]');
    await first.waitFor();
    assert.equal(await first.getAttribute('tabindex'), '0');
    assert.match(await first.getAttribute('aria-label'), /, failed, 1\.2 seconds, 1 error, usually 1\.2 seconds$/);
    await first.focus();
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(focused), 'tr[data-step-id=2]');
    assert.equal(await page.locator('sf-step-table tr[data-step-id="2"]').getAttribute('tabindex'), '0', 'the tab stop moved along');
    await page.keyboard.press('Home');
    assert.equal(await page.evaluate(focused), 'tr[data-step-id=1]');
    await page.keyboard.press('End');
    assert.equal(await page.evaluate(focused), 'tr[data-step-id=2]');
    // Space charts the step's trend, Enter shows it in the log.
    await page.keyboard.press(' ');
    await page.locator('sf-step-table tr[data-step-id="2"][aria-selected="true"]').waitFor();
    await page.keyboard.press('Enter');
    await page.locator('sf-run-detail [role="tab"][data-tab="log"][aria-selected="true"]').waitFor();
    await page.locator('sf-log-viewer .line[aria-selected="true"]').first().waitFor();
  });

  it('walks the log line by line, selects with Shift, copies with Ctrl+C', async () => {
    await page.locator('sf-run-list .row[data-run-id="big00000001"]').click();
    await page.locator('sf-run-detail h2', { hasText: 'big.sh' }).waitFor();
    await page.locator('sf-run-detail [role="tab"][data-tab="log"]').click();
    const viewer = page.locator('sf-log-viewer');
    await viewer.locator('.line[data-line="1"] .text', { hasText: 'line 1 warn' }).waitFor();
    const log = viewer.locator('.scroller');
    assert.equal(await log.getAttribute('role'), 'listbox');
    assert.equal(await log.getAttribute('aria-label'), 'Log, 1,000,000 lines');
    await log.focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    assert.equal(await log.getAttribute('aria-activedescendant'), 'log-line-2');
    await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('Shift+ArrowDown');
    assert.deepEqual(await viewer.locator('.line[aria-selected="true"]').evaluateAll((els) => els.map((e) => e.dataset.line)), ['2', '3', '4']);
    assert.notEqual(await viewer.locator('.line.cursor').evaluate((el) => getComputedStyle(el).outlineStyle), 'none', 'the keyboard line is outlined');
    await page.evaluate(() => (window.__copied = undefined));
    await page.keyboard.press('Control+c');
    await page.waitForFunction(() => typeof window.__copied === 'string');
    assert.equal(await page.evaluate(() => window.__copied), 'line 2 warn\nline 3 warn\nline 4 warn');
    await page.keyboard.press('End');
    await viewer.locator('.line.cursor[data-line="1000000"]').waitFor();
    assert.equal(await log.getAttribute('aria-activedescendant'), 'log-line-1000000');
    await page.keyboard.press('Home');
    await viewer.locator('.line.cursor[data-line="1"]').waitFor();
    await page.keyboard.press('PageDown');
    const after = Number(await viewer.locator('.line.cursor').getAttribute('data-line'));
    assert.ok(after > 10, `Page Down moved a page (to line ${after})`);
    await page.keyboard.press('Escape');
    assert.equal(await viewer.locator('.line[aria-selected="true"]').count(), 0);
  });

  it('passes axe-core with no serious or critical violations (run detail, log, list)', async () => {
    await page.locator('sf-run-detail [role="tab"][data-tab="timeline"]').click();
    await page.locator('sf-step-table tr').first().waitFor();
    await assertNoBlocking(page, 'components, timeline tab');
    await page.locator('sf-run-detail [role="tab"][data-tab="log"]').click();
    await page.locator('sf-log-viewer .line').first().waitFor();
    await assertNoBlocking(page, 'components, log tab');
    await page.locator('sf-run-detail [role="tab"][data-tab="compare"]').click();
    await page.locator('sf-compare').waitFor();
    await assertNoBlocking(page, 'components, compare tab');
    assert.deepEqual(problems, []);
  });
});

describe('accessibility: the dashboard (stepflow serve + Chromium, axe-core)', function () {
  this.timeout(120_000);
  let home;
  let work;
  let serve;
  let browser;
  let page;
  const problems = [];

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-a11y-home-'));
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-a11y-work-'));
    fs.writeFileSync(path.join(work, 'build.sh'), [
      '#!/usr/bin/env bash',
      'echo "STEP_START:Compile"', 'printf "\\033[32mok\\033[0m compiled\\n"', 'echo "STEP_COMPLETE:Compile"',
      'echo "STEP_START:Test"', 'echo "STEP_WARNING:2 tests skipped"', 'echo "STEP_COMPLETE:Test"',
    ].join('\n'), { mode: 0o755 });
    fs.writeFileSync(path.join(work, 'fail.sh'), ['#!/usr/bin/env bash', 'echo "STEP_START:Check"', 'echo "STEP_ERROR:fail.sh:3: broken"', 'exit 1'].join('\n'), { mode: 0o755 });
    const env = { ...process.env, STEPFLOW_HOME: home };
    for (const script of ['build.sh', 'build.sh', 'fail.sh']) {
      spawnSync(process.execPath, [path.join(root, 'bin', 'stepflow.js'), 'run', path.join(work, script), '--json'], { env, cwd: work, encoding: 'utf8' });
    }
    let url;
    ({ serve, url } = await startServe({ env, cwd: work, problems }));
    browser = await launchChromium({ viewport: { width: 1280, height: 800 } });
    page = browser.page;
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.goto(url);
    await page.locator('sf-run-list .row').nth(2).waitFor();
  });

  after(async () => {
    await browser?.close();
    await stopServe(serve);
    for (const dir of [home, work]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const scheme of ['dark', 'light']) {
    it(`has no serious or critical violations in the ${scheme} scheme (list, run detail, log)`, async () => {
      await page.emulateMedia({ colorScheme: scheme });
      await page.locator('sf-run-list .row', { hasText: 'fail.sh' }).click();
      await page.locator('sf-run-detail [role="tab"][data-tab="timeline"]').click();
      await page.locator('sf-step-table tr').first().waitFor();
      await page.locator('sf-run-list [role="listbox"]').focus();
      await page.screenshot({ path: path.join(RESULTS_DIR, `dashboard-${scheme}.png`) });
      await assertNoBlocking(page, `dashboard (${scheme}), timeline tab`);
      await page.locator('sf-run-detail [role="tab"][data-tab="log"]').click();
      await page.locator('sf-log-viewer .line').first().waitFor();
      await assertNoBlocking(page, `dashboard (${scheme}), log tab`);
      await page.locator('sf-run-detail [role="tab"][data-tab="timeline"]').click();
      assert.deepEqual(problems, []);
    });
  }
});
