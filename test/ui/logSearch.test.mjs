// Log search in the history view shows the matching LINES, in a real Chromium against the
// built `stepflow serve` (the dashboard renders the same <sf-history-app> as the VS Code
// panel) with runs recorded by the CLI: each line with its run, step and line number, the
// match marked, hostile log text shown as text; a click opens that run's log at that line;
// the detail pane follows the filter (a new search closes the open run, a status filter
// narrows the lines). Screenshot: test-results/log-search.png.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../vscode/codeServer.mjs';
import { startServe, stopServe } from './serveProcess.mjs';
import { RESULTS_DIR } from '../vscode/ui.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'bin', 'stepflow.js');

// Line numbers matter: the test expects the hits at lines 1, 4, 6 and 7 (the log counts
// marker lines too). $FAIL makes the second run fail after its hits.
const SCRIPT = `#!/usr/bin/env bash
echo "needle before any step"
echo "STEP_START:Build"
echo "STEP_START:Compile"
echo '<img src=x onerror="window.__pwned=1"><b>needle</b> in markup'
echo "compiling"
printf 'coloured \\033[31mNEEDLE\\033[0m line\\n'
echo "needle at the end of Compile"
echo "STEP_COMPLETE:Compile"
echo "STEP_COMPLETE:Build"
if [ -n "$FAIL" ]; then echo "STEP_START:Deploy"; echo "STEP_ERROR:deploy failed"; exit 2; fi
`;

describe('log search shows matching lines (stepflow serve + Chromium)', function () {
  this.timeout(120_000);
  let home;
  let work;
  let serve;
  let browser;
  let page;
  const runIds = [];
  const problems = [];

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-search-home-'));
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-search-work-'));
    fs.writeFileSync(path.join(work, 'build.sh'), SCRIPT, { mode: 0o755 });
    fs.writeFileSync(path.join(work, 'other.sh'), '#!/usr/bin/env bash\necho "STEP_START:Quiet"\necho "nothing to find"\necho "STEP_COMPLETE:Quiet"\n', { mode: 0o755 });
    for (const [script, extra] of [['build.sh', {}], ['build.sh', { FAIL: '1' }], ['other.sh', {}]]) {
      const r = spawnSync(process.execPath, [cli, 'run', path.join(work, script), '--json'], { env: { ...process.env, STEPFLOW_HOME: home, ...extra }, cwd: work, encoding: 'utf8' });
      const json = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
      runIds.push(json.id);
    }
    let url;
    ({ serve, url } = await startServe({ env: { ...process.env, STEPFLOW_HOME: home }, cwd: work, problems }));
    browser = await launchChromium({ viewport: { width: 1440, height: 820 } });
    page = browser.page;
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(url);
  });

  after(async () => {
    await browser?.close();
    await stopServe(serve);
    for (const dir of [home, work]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const search = async (text) => {
    const input = page.locator('sf-filters input[type="search"]');
    await input.fill(text);
    await input.press('Enter');
  };
  const hits = () => page.locator('sf-search-results .hit');
  const hitRows = () =>
    hits().evaluateAll((els) =>
      els.map((e) => ({
        run: e.dataset.runId,
        line: Number(e.dataset.line),
        step: e.querySelector('.step').textContent,
        text: e.querySelector('.text').textContent,
        marked: [...e.querySelectorAll('.text mark')].map((m) => m.textContent),
      })),
    );

  it('lists each matching line with its run, step and line number, the match marked and markup shown as text', async () => {
    // A run is open before the search: the search replaces it with the matching lines.
    await page.locator(`sf-run-list .row[data-run-id="${runIds[2]}"]`).click();
    await page.locator('sf-run-detail').waitFor();
    await search('needle');
    await page.locator('sf-search-results h3', { hasText: '8 lines in 2 runs contain' }).waitFor();
    assert.equal(await page.locator('sf-run-detail').count(), 0, 'the open run gave way to the search results');
    const rows = await hitRows();
    for (const id of [runIds[0], runIds[1]]) {
      const mine = rows.filter((r) => r.run === id);
      assert.deepEqual(
        mine.map((r) => [r.line, r.step]),
        [[1, '—'], [4, 'Build › Compile'], [6, 'Build › Compile'], [7, 'Build › Compile']],
      );
      assert.equal(mine[1].text, '<img src=x onerror="window.__pwned=1"><b>needle</b> in markup', 'markup shown as text');
      assert.deepEqual(mine[1].marked, ['needle']);
      assert.equal(mine[2].text, 'coloured NEEDLE line', 'ANSI codes stripped');
      assert.deepEqual(mine[2].marked, ['NEEDLE'], 'case-insensitive, the original case kept');
    }
    assert.equal(await page.locator('sf-search-results img, sf-search-results b').count(), 0, 'no element from a log line');
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    await page.screenshot({ path: path.join(RESULTS_DIR, 'log-search.png') });
  });

  it('opens the run\'s log at the line of a clicked match, with a way back to the lines', async () => {
    const target = page.locator(`sf-search-results .hit[data-run-id="${runIds[0]}"][data-line="6"]`);
    assert.match(await target.getAttribute('aria-label'), /Open build\.sh log at line 6, step Build › Compile/);
    await target.click();
    const focused = page.locator('sf-log-viewer .line.focus[data-line="6"]');
    await focused.waitFor();
    assert.match(await focused.innerText(), /coloured NEEDLE line/);
    await page.screenshot({ path: path.join(RESULTS_DIR, 'log-search-jump.png') });
    await page.locator('sf-history-app .back button', { hasText: 'needle' }).click();
    await hits().first().waitFor();
    assert.equal(await hits().count(), 8);
  });

  it('follows the other filters: only the failed run\'s lines with Status: Failed', async () => {
    await page.locator('sf-filters select[aria-label="Status"]').selectOption('failed');
    await page.locator('sf-search-results h3', { hasText: '4 lines in 1 run contain' }).waitFor();
    const rows = await hitRows();
    assert.deepEqual([...new Set(rows.map((r) => r.run))], [runIds[1]]);
    assert.deepEqual(problems, []);
  });
});
