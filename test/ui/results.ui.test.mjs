// Results a user can trust, in the history panel (Lit components in headless Chromium over a fake data source,
// under the hosts' strict CSP): a step closed with STEP_COMPLETE over a failed child shows
// failed in the timeline and the step table ("1 child step failed"), the made-up "exit code 3"
// banner is folded away, "vs usual" says "much slower" only beside an outlier warning (a
// 42 ms slowdown with no warning is "as usual"), and a cancelled run is neutral, not red.
// Saves test-results/panel-failed-nested.png.
import { strict as assert } from 'node:assert';
import path from 'node:path';
import { openFakeHostPage } from './fakeHostPage.mjs';
import { RESULTS_DIR } from '../vscode/ui.mjs';


const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-t3st'; style-src 'self' 'nonce-t3st'; font-src 'self'; connect-src 'none'; img-src 'none'">
<link rel="stylesheet" href="/codicon.css" nonce="t3st">
<style nonce="t3st">html, body { height: 100%; margin: 0; } body { background: #1f1f1f; } sf-history-app { height: 100vh; }</style>
</head><body><sf-history-app></sf-history-app><script type="module" nonce="t3st" src="/fake.js"></script></body></html>`;

const FAKE = `
import { mountHistory } from '/webview.js';
const T = Date.now() - 600_000;
const iso = (ms) => new Date(ms).toISOString();
const step = (id, name, start, dur, extra = {}) => ({ id, name, status: 'succeeded', startedAt: T + start, endedAt: T + start + dur, durationMs: dur,
  error: null, warnings: [], meta: {}, firstLine: id, lastLine: id + 1, children: [], ...extra });
const run = (id, script, steps, extra = {}) => ({ id, script, args: [], cwd: '/w', profile: null, status: 'succeeded', exitCode: 0, signal: null,
  startedAt: iso(T), endedAt: iso(T + 4000), durationMs: 4000, lineCount: 10, error: null, warnings: [], meta: {}, steps, artifacts: [], ...extra });
const outlier = { type: 'outlier', severity: 'critical', message: '2.4 s (12.0σ above 1.0 s mean)', file: null, line: null };
const runs = {
  nested00001: run('nested00001', '/w/nested_failing.sh', [
    step(1, 'Tests', 0, 1100, { children: [
      step(2, 'unit', 0, 551),
      step(3, 'integration', 551, 529, { status: 'failed', error: { message: "integration test 'upload' failed", file: 'nested_failing.sh', line: 16 } }),
    ] }),
    step(4, 'Compile', 1100, 2400, { warnings: [outlier] }),
  ], { status: 'failed', exitCode: 3, error: { message: 'exit code 3', file: null, line: null } }),
  cancel00001: run('cancel00001', '/w/slow.sh', [step(1, 'Wait', 0, 800, { status: 'cancelled' })],
    { status: 'cancelled', exitCode: null, signal: 'SIGTERM', error: { message: 'cancelled', file: null, line: null }, startedAt: iso(T - 60000) }),
};
const summary = (r) => ({ id: r.id, script: r.script, args: r.args, profile: r.profile, status: r.status, exitCode: r.exitCode,
  startedAt: Date.parse(r.startedAt), endedAt: r.endedAt && Date.parse(r.endedAt), durationMs: r.durationMs, lineCount: r.lineCount, stepCount: r.steps.length, failedStep: null });
const stat = (path, lastDurationsMs) => {
  const n = lastDurationsMs.length;
  const meanMs = lastDurationsMs.reduce((a, b) => a + b, 0) / n;
  const stdDevMs = Math.sqrt(lastDurationsMs.reduce((a, d) => a + (d - meanMs) ** 2, 0) / (n - 1));
  return { script: '/w/nested_failing.sh', path, name: path.at(-1), count: n, meanMs, stdDevMs, minMs: Math.min(...lastDurationsMs), maxMs: Math.max(...lastDurationsMs), lastDurationsMs };
};
// The statistics include this run's succeeded durations, as the store's do.
const STATS = [
  stat(['Tests'], [1050, 1090, 1070, 1100]),
  stat(['Tests', 'unit'], [505, 509, 513, 504, 514, 509, 507, 511, 551]),
  stat(['Compile'], [1000, 1020, 980, 990, 1010, 2400]),
];
const source = {
  artifactAction: 'open',
  async listRuns() { return { runs: Object.values(runs).map(summary), nextCursor: null }; },
  async getRun(id) { return runs[id] ? structuredClone(runs[id]) : null; },
  async readLog() { return []; },
  async searchLogs() { return []; },
  async stepStats(script) { return script === '/w/nested_failing.sh' ? structuredClone(STATS) : []; },
  async runExpectations() { return null; },
  subscribe() { return () => {}; },
  async openArtifact() {},
  async copyText() {},
  loadState() { return undefined; },
  saveState() {},
};
mountHistory(source);
`;

describe('results in the history panel (Chromium, fake data source)', function () {
  this.timeout(60_000);
  let browser;
  let page;
  let problems = [];

  before(async () => {
    ({ browser, page, problems } = await openFakeHostPage({ html: PAGE, fake: FAKE, viewport: { width: 1280, height: 800 } }));
    await page.locator('sf-run-list .row').nth(1).waitFor();
  });

  after(() => browser?.close());

  it('shows a parent closed over a failed child as failed, in the timeline and the step table', async () => {
    await page.locator('sf-run-list .row[data-run-id="nested00001"]').click();
    const tests = page.locator('sf-timeline .name[data-step-id="1"]');
    await tests.waitFor();
    assert.equal(await tests.getAttribute('data-status'), 'failed');
    assert.match(await tests.getAttribute('title'), /1 child step failed/);
    assert.equal(await tests.locator('sf-icon').getAttribute('name'), 'error');
    assert.equal(await page.locator('sf-timeline .name[data-step-id="2"]').getAttribute('data-status'), 'succeeded');
    // The bar is red too.
    assert.equal(await page.locator('sf-timeline .bar.failed').count(), 2);

    const row = page.locator('sf-step-table tr[data-step-id="1"]');
    await row.locator('.child-failed', { hasText: '1 child step failed' }).waitFor();
    assert.equal(await row.locator('sf-icon.failed').first().getAttribute('name'), 'error');
    assert.equal((await row.locator('td.verdict').innerText()).trim(), '', 'no "as usual" beside a failure');
    // "exit code 3" is not a banner of its own: the failed step says it.
    assert.equal(await page.locator('sf-run-detail .banner', { hasText: 'exit code 3' }).count(), 0);
    assert.match(await page.locator('sf-run-detail div.facts').innerText(), /exit 3/);
  });

  it('says "much slower" only beside the outlier warning, and the usual time excludes this run', async () => {
    const compile = page.locator('sf-step-table tr[data-step-id="4"]');
    await compile.locator('td.verdict.much-slower', { hasText: 'much slower (+140 %)' }).waitFor();
    assert.match(await compile.locator('td.usual-time').innerText(), /^1\.0 s ± 16 ms$/);
    // unit: 551 ms after a steady 509 ms — 9σ, but 42 ms: no warning, so "as usual".
    const unit = page.locator('sf-step-table tr[data-step-id="2"]');
    assert.equal((await unit.locator('td.verdict').innerText()).trim(), 'as usual');
    assert.match(await unit.locator('td.usual-time').innerText(), /^509 ms ± 4 ms$/);
    await page.screenshot({ path: path.join(RESULTS_DIR, 'panel-failed-nested.png') });
  });

  it('shows a cancelled run neutral, not as an error', async () => {
    const row = page.locator('sf-run-list .row[data-run-id="cancel00001"]');
    const icon = row.locator('sf-icon').first();
    assert.equal(await icon.getAttribute('name'), 'circle-slash');
    const colour = await icon.evaluate((el) => getComputedStyle(el).color);
    const failedColour = await page.locator('sf-run-list .row[data-run-id="nested00001"] sf-icon').first().evaluate((el) => getComputedStyle(el).color);
    assert.notEqual(colour, failedColour);
    await row.click();
    await page.locator('sf-run-detail h2', { hasText: 'slow.sh' }).waitFor();
    assert.equal(await page.locator('sf-run-detail .banner', { hasText: 'cancelled' }).count(), 0, 'no red "cancelled" banner');
  });

  it('ran without page errors or CSP violations', () => {
    assert.deepEqual(problems, []);
  });
});
