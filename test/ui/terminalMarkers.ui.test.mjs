// A run's terminal in a real VS Code (code-server in Chromium): marker lines read as what
// they mean — a bold cyan "▶ Build" header, a green "✓ Build", each followed by the raw line
// dimmed, META lines dimmed — and the terminal is named after the script and the run's start
// time; a STEP_ERROR reads as a red "✗ message". Screenshots:
// test-results/terminal-styled-markers.png and terminal-styled-markers-failed.png.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ui from '../vscode/ui.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** [r, g, b] of a CSS rgb()/rgba() colour. */
const rgb = (color = '') => (color.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);

describe('StepFlow terminal with styled markers (code-server + Chromium)', function () {
  this.timeout(180_000);
  let workbench;
  let home;

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-ui-home-'));
    workbench = await ui.openWorkbench({
      folder: path.join(root, 'test', 'vscode', 'workspace'),
      extensionDevelopmentPath: root,
      env: { STEPFLOW_HOME: home },
      // The DOM renderer keeps the terminal's text and styles in the page, where a test can read them.
      settings: { 'terminal.integrated.gpuAcceleration': 'off' },
      viewport: { width: 1400, height: 900 },
    });
  });

  after(async () => {
    await workbench?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  /** The styled spans of the terminal's rendered rows: text and xterm's style classes. */
  const terminalSpans = (page) =>
    page.locator('.terminal .xterm-rows span').evaluateAll((els) => els.map((e) => ({ text: e.textContent ?? '', classes: e.className, color: getComputedStyle(e).color, opacity: getComputedStyle(e).opacity })));

  it('shows STEP_START as a bold cyan header and STEP_COMPLETE in green, the raw lines and META dimmed', async () => {
    const { page } = workbench;
    await ui.openFile(page, 'markers.sh');
    await ui.clickCodeLens(page, 'Run with StepFlow');
    const rows = page.locator('.terminal .xterm-rows');
    await rows.filter({ hasText: '── run succeeded' }).first().waitFor({ timeout: 90_000 });

    const spans = await terminalSpans(page);
    const span = (text) => spans.find((s) => s.text.trim() === text);
    const header = span('▶ Build');
    assert.ok(header, JSON.stringify(spans));
    assert.match(header.classes, /xterm-bold/);
    // VS Code sets ANSI colours inline (the theme's, adjusted for contrast): compare hues.
    const [r, g, b] = rgb(header.color);
    assert.ok(g > r && b > r, `cyan: ${header.color}`);
    const [r2, g2, b2] = rgb(span('✓ Compile')?.color);
    assert.ok(g2 > r2 && g2 > b2, `green: ${span('✓ Compile')?.color}`);
    const [r4, g4, b4] = rgb(span('⚠ the binary is not stripped')?.color);
    assert.ok(r4 > b4 && g4 > b4, `yellow: ${span('⚠ the binary is not stripped')?.color}`);
    assert.match(span('STEP_START:Build')?.classes ?? '', /xterm-dim/, 'the raw marker dimmed');
    assert.match(span('META:PROGRESS:20')?.classes ?? '', /xterm-dim/, 'META dimmed');
    const [r3, g3, b3] = rgb(span('compiled')?.color);
    assert.ok(g3 > r3 && g3 > b3, "the script's own green stays");

    // The terminal's name: the script and when this run started.
    const names = await page.locator('.part.panel').evaluate((el) => el.innerText);
    assert.match(names, /StepFlow: markers\.sh · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    const file = await ui.screenshot(page, 'terminal-styled-markers');
    assert.ok(fs.statSync(file).size > 10_000, 'a real screenshot');
  });

  it('shows STEP_ERROR as a red ✗ line in a failed run’s terminal', async () => {
    const { page } = workbench;
    await ui.openFile(page, 'failing.sh');
    await ui.clickCodeLens(page, 'Run with StepFlow');
    await page.locator('.terminal .xterm-rows').filter({ hasText: '── run failed' }).first().waitFor({ timeout: 90_000 });
    const failed = (await terminalSpans(page)).find((s) => s.text.trim() === '✗ the check found a problem');
    assert.ok(failed, JSON.stringify(await terminalSpans(page)));
    const [r, g, b] = rgb(failed.color);
    assert.ok(r > g && r > b, `red: ${failed.color}`);
    await ui.screenshot(page, 'terminal-styled-markers-failed');
  });

  it('a click on a step row puts the editor on its STEP_START line, as the Testing view does', async () => {
    const { page } = workbench;
    await ui.treeRows(page, 'Runs').filter({ hasText: /^Build/ }).first().click();
    // markers.sh line 4 is `echo "STEP_START:Build"`; the status bar shows the cursor.
    await page.locator('.part.statusbar', { hasText: /Ln 4, Col \d+/ }).waitFor({ timeout: 30_000 });
  });
});
