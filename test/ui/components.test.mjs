// The Lit components in headless Chromium over a fake data source, under the same strict CSP
// as the real hosts: hostile step names and log lines render as text, a 1,000,000-line log
// opens at once and scrolls to its end, live events move the list and the detail, and the
// artifact/copy/compare actions reach the data source, a step's duration trend is drawn (hostile
// names as text), and a running run shows its progress and time left.
import { strict as assert } from 'node:assert';
import path from 'node:path';
import { bundleFake, openFakeHostPage } from './fakeHostPage.mjs';
import { RESULTS_DIR } from '../vscode/ui.mjs';

// The fake data source (three stored runs, step statistics, and the window hooks the tests
// drive and read) is componentsFake.ts, typed against StepflowDataSource.
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-t3st'; style-src 'self' 'nonce-t3st'; font-src 'self'; connect-src 'none'; img-src 'none'">
<link rel="stylesheet" href="/codicon.css" nonce="t3st">
<style nonce="t3st">html, body { height: 100%; margin: 0; } body { background: #1f1f1f; } sf-history-app { height: 100vh; }</style>
</head><body><sf-history-app></sf-history-app><script type="module" nonce="t3st" src="/fake.js"></script></body></html>`;

/** Every element in the document and in all shadow roots. */
function allElements() {
  const out = [];
  const walk = (node) => {
    for (const el of node.querySelectorAll('*')) {
      out.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return out.map((el) => `${el.tagName.toLowerCase()}:${el.textContent}`);
}

describe('history components (Chromium, fake data source)', function () {
  this.timeout(60_000);
  let browser;
  let page;
  let problems = [];

  before(async () => {
    ({ browser, page, problems } = await openFakeHostPage({ html: PAGE, fake: await bundleFake('componentsFake.ts'), viewport: { width: 1280, height: 800 } }));
    await page.locator('sf-run-list .row').nth(2).waitFor();
  });

  after(() => browser?.close());

  it('renders hostile script names, step names, errors and log lines as text', async () => {
    await page.locator('sf-run-list .row[data-run-id="hostile0001"]').click();
    await page.locator('sf-timeline .name', { hasText: '<img src=x onerror="window.__pwned=1">' }).waitFor();
    assert.equal(await page.locator('sf-run-detail h2').innerText(), '<img src=x onerror="window.__pwned=1">.sh');
    await page.locator('sf-step-table .detail', { hasText: '<b>bold</b></script><script>window.__pwned=2</script>' }).waitFor();
    await page.locator('sf-timeline .name', { hasText: '</script><script>window.__pwned=3</script>' }).waitFor();
    await page.locator('sf-run-detail nav button[data-tab="log"]').click();
    const viewer = page.locator('sf-log-viewer');
    await viewer.locator('.line[data-line="3"]').waitFor();
    assert.equal(await viewer.locator('.line[data-line="1"] .text').innerText(), '<img src=x onerror="window.__pwned=1">');
    assert.equal(await viewer.locator('.line[data-line="1"] .text span.f1').count(), 1, 'the red ANSI colour is a class');
    assert.equal(await viewer.locator('.line[data-line="2"] .text').innerText(), '</script><script>window.__pwned=4</script>');
    await page.locator('sf-run-detail nav button[data-tab="artifacts"]').click();
    await page.locator('sf-artifacts .name', { hasText: '<img src=x onerror="window.__pwned=1">' }).waitFor();
    await page.locator('sf-artifacts button[data-artifact="0"]').click();
    await page.waitForFunction(() => window.__opened?.index === 0);

    const tags = await page.evaluate(allElements);
    assert.ok(!tags.some((t) => t.startsWith('img:')), 'no <img> element was created');
    assert.equal(tags.filter((t) => t.startsWith('script:')).length, 1, 'only the page’s own script');
    assert.ok(!tags.some((t) => t === 'b:bold' || t === 'b:not bold'), 'no <b> from the data');
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
  });

  it('opens a 1,000,000-line log at once, reading and rendering only what is visible', async () => {
    await page.locator('sf-run-list .row[data-run-id="big00000001"]').click();
    await page.locator('sf-run-detail h2', { hasText: 'big.sh' }).waitFor();
    const readsBefore = await page.evaluate(() => window.__reads);
    const t0 = Date.now();
    await page.locator('sf-run-detail nav button[data-tab="log"]').click();
    const viewer = page.locator('sf-log-viewer');
    await viewer.locator('.line[data-line="1"] .text', { hasText: 'line 1 warn' }).waitFor();
    const firstPaintMs = Date.now() - t0;
    console.log(`      first paint of a 1,000,000-line log: ${firstPaintMs} ms (incl. test driver round trips)`);
    const rendered = await viewer.locator('.line').count();
    assert.ok(rendered > 10 && rendered < 120, `${rendered} lines in the DOM`);
    assert.ok((await page.evaluate(() => window.__reads)) - readsBefore <= 2, 'one page of lines read');
    assert.match(await viewer.locator('.toolbar').innerText(), /1,000,000 lines/);

    await viewer.locator('.scroller').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await viewer.locator('.line[data-line="1000000"] .text', { hasText: 'line 1000000 warn' }).waitFor();
    await viewer.locator('.scroller').evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
    await viewer.locator('.line .text', { hasText: /^line 5\d{5} warn$/ }).first().waitFor();
    assert.ok((await viewer.locator('.line').count()) < 120);
  });

  it('copies the lines of a step, and shows durations against the usual time', async () => {
    const viewer = page.locator('sf-log-viewer');
    await viewer.locator('.line[data-line="1000000"]').count(); // still on the big run
    await viewer.locator('.scroller').evaluate((el) => (el.scrollTop = 0));
    await viewer.locator('.line[data-line="5"] .num').click();
    await viewer.locator('.line[data-line="7"] .num').click({ modifiers: ['Shift'] });
    await viewer.locator('button[aria-label="Copy"]').click();
    await page.waitForFunction(() => typeof window.__copied === 'string');
    assert.equal(await page.evaluate(() => window.__copied), 'line 5 warn\nline 6 warn\nline 7 warn');

    await page.locator('sf-run-detail nav button[data-tab="timeline"]').click();
    const row = page.locator('sf-step-table tr', { hasText: 'Generate' });
    await row.locator('td.much-slower').waitFor(); // 3.0 s against 2.0 s ± 100 ms
    assert.match(await row.innerText(), /2\.0 s ± 100 ms/);
  });

  it('draws a step’s duration trend: one point per last duration, the mean ± σ band, this run highlighted', async () => {
    const trend = page.locator('sf-trend');
    const chart = trend.locator('svg[role="img"]');
    await chart.waitFor();
    assert.equal(await chart.getAttribute('data-points'), '12');
    assert.equal(await chart.locator('circle.point').count(), 12, 'one point per duration of the last 12');
    assert.equal(await chart.locator('polyline.line').count(), 1, 'joined by a line');
    assert.equal(await chart.locator('rect.band').count(), 1, 'the mean ± σ band');
    assert.ok(Number(await chart.locator('rect.band').getAttribute('height')) > 0);
    assert.equal(await chart.locator('line.mean').count(), 1);
    assert.equal(await chart.locator('circle.current').count(), 1, "this run's own 3.0 s");
    const label = await chart.getAttribute('aria-label');
    assert.match(label, /Generate/);
    assert.match(label, /mean 2\.0 s ± 100 ms/);
    assert.match(label, /this run 3\.0 s/);
    // The y axis reads in durations, from 0 up past the slowest (3.0 s).
    const ticks = await chart.locator('text.label').evaluateAll((els) => els.map((el) => el.textContent));
    assert.ok(ticks.includes('0 ms') && ticks.includes('3.0 s'), ticks.join(' | '));
    // Points go up with the durations: the 2.3 s one (7th) sits above the 1.8 s one (8th).
    const ys = await chart.locator('circle.point').evaluateAll((els) => els.map((el) => Number(el.getAttribute('cy'))));
    assert.ok(ys[6] < ys[7]);
    assert.equal(await page.locator('sf-step-table tr[aria-selected="true"]', { hasText: 'Generate' }).count(), 1, 'the charted step is marked');
    await page.locator('sf-run-detail .body').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.screenshot({ path: path.join(RESULTS_DIR, 'trend.png') });
  });

  it('renders hostile step names in the trend as text, and switches steps from the table or the list', async () => {
    await page.locator('sf-run-list .row[data-run-id="hostile0001"]').click();
    await page.locator('sf-run-detail h2', { hasText: '.sh' }).waitFor();
    await page.locator('sf-run-detail nav button[data-tab="timeline"]').click();
    const chart = page.locator('sf-trend svg[role="img"]');
    // The default: the first step with at least two durations.
    await page.locator('sf-trend svg[data-points="3"]').waitFor();
    assert.match(await chart.getAttribute('aria-label'), /<img src=x onerror="window\.__pwned=1">/);
    assert.match(await chart.locator('title').first().textContent(), /<img src=x onerror="window\.__pwned=1">/);
    const options = await page.locator('sf-trend select option').allInnerTexts();
    assert.deepEqual(options, ['<img src=x onerror="window.__pwned=1">', '</script><script>window.__pwned=3</script>']);

    // A click on the second step's row charts that step; the list follows.
    await page.locator('sf-step-table tr[data-step-id="2"] td').first().click();
    await page.locator('sf-trend svg[data-points="4"]').waitFor();
    assert.match(await chart.getAttribute('aria-label'), /<\/script><script>window\.__pwned=3<\/script>/);
    assert.equal(await page.locator('sf-trend select').evaluate((el) => el.selectedOptions[0].textContent), '</script><script>window.__pwned=3</script>');
    // And the list switches back.
    await page.locator('sf-trend select').selectOption({ index: 0 });
    await page.locator('sf-trend svg[data-points="3"]').waitFor();
    assert.equal(await page.locator('sf-step-table tr[aria-selected="true"]').getAttribute('data-step-id'), '1');

    const tags = await page.evaluate(allElements);
    assert.ok(!tags.some((t) => t.startsWith('img:')), 'no <img> element was created');
    assert.equal(tags.filter((t) => t.startsWith('script:')).length, 1, 'only the page’s own script');
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
  });

  it('says so when a run’s steps have no duration history yet', async () => {
    await page.evaluate(() => {
      window.__liveRuns = { ...window.__liveRuns, fresh000001: { id: 'fresh000001', script: '/w/fresh.sh', args: [], cwd: '/w', profile: null, status: 'succeeded',
        exitCode: 0, signal: null, startedAt: new Date().toISOString(), endedAt: new Date().toISOString(), durationMs: 5, lineCount: 1, error: null, warnings: [],
        meta: {}, artifacts: [], steps: [{ id: 1, name: 'New', status: 'succeeded', startedAt: Date.now(), endedAt: Date.now(), durationMs: 5, error: null,
          warnings: [], meta: {}, firstLine: 1, lastLine: 1, children: [] }] } };
    });
    await page.evaluate(() => document.querySelector('sf-history-app').controller.select('fresh000001'));
    await page.locator('sf-run-detail h2', { hasText: 'fresh.sh' }).waitFor();
    await page.locator('sf-trend .empty', { hasText: 'No duration history' }).waitFor();
    assert.equal(await page.locator('sf-trend svg').count(), 0);
    await page.locator('sf-run-list .row[data-run-id="big00000001"]').click();
    await page.locator('sf-run-detail h2', { hasText: 'big.sh' }).waitFor();
  });

  it('compares a run with the previous run of its script, step by step', async () => {
    await page.locator('sf-run-detail nav button[data-tab="compare"]').click();
    const table = page.locator('sf-compare table');
    await table.waitFor();
    const text = await table.innerText();
    assert.match(text, /Generate\s+2\.0 s\s+3\.0 s\s+\+1\.0 s/);
  });

  it('shows the progress and time left of a running run, re-estimated every second, until it finishes', async () => {
    const now = Date.now();
    await page.evaluate((t) => {
      const step = (id, name, status, startedAt, durationMs) => ({ id, name, status, startedAt, endedAt: durationMs === null ? null : startedAt + durationMs, durationMs,
        error: null, warnings: [], meta: {}, firstLine: id, lastLine: durationMs === null ? null : id, children: [] });
      // Compile took its usual 2 s, Test (usually 8 s) has run for 1 s: 7 s left of 10 s, 30 % done.
      window.__liveRuns = { ...window.__liveRuns, eta00000001: { id: 'eta00000001', script: '/w/eta.sh', args: [], cwd: '/w', profile: null, status: 'running',
        exitCode: null, signal: null, startedAt: new Date(t - 3000).toISOString(), endedAt: null, durationMs: null, lineCount: 2, error: null, warnings: [],
        meta: {}, artifacts: [], steps: [step(1, 'Compile', 'succeeded', t - 3000, 2000), step(2, 'Test', 'running', t - 1000, null)] } };
      window.__expectations.eta00000001 = { basedOnRuns: 5, meanRunMs: 10000, overheadMs: 0, steps: [
        { name: 'Compile', meanMs: 2000, samples: 5, children: [] }, { name: 'Test', meanMs: 8000, samples: 5, children: [] }] };
      // Its runStarted (without expectations: it started before the view opened) puts it on top of the list.
      window.__live([{ type: 'runStarted', runId: 'eta00000001', script: '/w/eta.sh', args: [], cwd: '/w', profile: null, startedAt: t - 3000 }]);
    }, now);
    await page.locator('sf-run-list .row[data-run-id="eta00000001"]').click();
    const progress = page.locator('sf-run-detail sf-run-progress');
    const text = progress.locator('.text');
    await text.waitFor();
    assert.deepEqual(await page.evaluate(() => window.__expectationRequests.filter((id) => id === 'eta00000001')), ['eta00000001'], 'asked the data source once');
    // "30 % · ≈ 7 s left" at once; the test driver may take a moment, so read what it says.
    const parse = (t) => {
      const m = /^(\d+) % · ≈ (\d+) s left$/.exec(t);
      assert.ok(m, t);
      return { left: Number(m[2]), percent: Number(m[1]) };
    };
    const first = await text.innerText();
    const before = parse(first);
    // Checked against the run's own timestamps, not the wall: the text was rendered somewhere
    // between \`now\` and this read, so 3 s (plus that lag) of the usual 10 s had passed. A
    // loaded machine widens the lag, never the rule: time left and percentage add up to 10 s.
    const lagSeconds = (Date.now() - now) / 1000;
    assert.ok(before.left <= 7 && before.left >= Math.floor(7 - lagSeconds) - 1, `${first} (rendered within ${lagSeconds} s)`);
    assert.ok(Math.abs(before.percent + before.left * 10 - 100) <= 10, `${first}: time left and percentage of a 10 s run disagree`);
    const bar = progress.locator('[role="progressbar"]');
    assert.equal(Number(await bar.getAttribute('aria-valuenow')), before.percent);
    // The timer re-estimates: the time left counts down without any event arriving.
    await page.waitForFunction((before) => {
      const el = document.querySelector('sf-history-app')?.shadowRoot?.querySelector('sf-run-detail')?.shadowRoot?.querySelector('sf-run-progress')?.shadowRoot?.querySelector('.text');
      return el && el.textContent !== before;
    }, first, { timeout: 0 }); // bounded by the test's own timeout, not a guess at the load
    const after = parse(await text.innerText());
    assert.ok(after.left < before.left && after.percent > before.percent, JSON.stringify({ before, after }));

    await page.evaluate((t) => {
      window.__live([
        { type: 'stepFinished', runId: 'eta00000001', stepId: 2, status: 'succeeded', endedAt: t + 100, durationMs: 1100, error: null, line: 2 },
        { type: 'runFinished', runId: 'eta00000001', status: 'succeeded', exitCode: 0, signal: null, endedAt: t + 200, durationMs: 3200, lineCount: 2, error: null },
      ]);
    }, Date.now());
    await page.locator('sf-run-detail .facts', { hasText: 'Succeeded' }).waitFor();
    await progress.locator('.progress').waitFor({ state: 'detached' });
  });

  it('follows live events: a new run appears, its steps and output arrive, it finishes', async () => {
    const now = Date.now();
    await page.evaluate((t) => {
      // What the host answers for the running run (its live state), like the real hosts do.
      window.__liveRuns = { live0000001: { id: 'live0000001', script: '/w/live.sh', args: [], cwd: '/w', profile: 'debug', status: 'running', exitCode: null,
        signal: null, startedAt: new Date(t).toISOString(), endedAt: null, durationMs: null, lineCount: 0, error: null, warnings: [], meta: {}, artifacts: [],
        steps: [{ id: 1, name: 'Compile <live>', status: 'running', startedAt: t + 5, endedAt: null, durationMs: null, error: null, warnings: [], meta: {},
          firstLine: 1, lastLine: null, children: [] }] } };
      window.__live([
        { type: 'runStarted', runId: 'live0000001', script: '/w/live.sh', args: [], cwd: '/w', profile: 'debug', startedAt: t },
        { type: 'stepStarted', runId: 'live0000001', stepId: 1, parentId: null, name: 'Compile <live>', startedAt: t + 5, line: 1 },
      ]);
    }, now);
    const row = page.locator('sf-run-list .row[data-run-id="live0000001"]');
    await row.locator('sf-icon.running[spin]').waitFor();
    await row.click();
    await page.locator('sf-run-detail .facts', { hasText: 'Running' }).waitFor();
    await page.locator('sf-timeline .bar.running').waitFor();
    await page.locator('sf-run-detail nav button[data-tab="log"]').click();
    await page.evaluate((t) => {
      window.__live([{ type: 'output', runId: 'live0000001', stream: 'stdout', firstLine: 1, lineCount: 2, text: 'STEP_START:Compile <live>\n\u001b[32mbuilding\u001b[0m <b>x</b>\n', at: t + 6 }]);
    }, now);
    await page.locator('sf-log-viewer .line[data-line="2"] .text', { hasText: 'building <b>x</b>' }).waitFor();
    await page.evaluate((t) => {
      window.__live([
        { type: 'stepFinished', runId: 'live0000001', stepId: 1, status: 'succeeded', endedAt: t + 900, durationMs: 895, error: null, line: 2 },
        { type: 'runFinished', runId: 'live0000001', status: 'succeeded', exitCode: 0, signal: null, endedAt: t + 1000, durationMs: 1000, lineCount: 2, error: null },
      ]);
    }, now);
    await page.locator('sf-run-detail .facts', { hasText: 'Succeeded' }).waitFor();
    await row.locator('sf-icon.succeeded').waitFor();
    await page.locator('sf-run-detail nav button[data-tab="timeline"]').click();
    await page.screenshot({ path: path.join(RESULTS_DIR, 'components.png') });
  });

  it('ran without page errors or CSP violations', () => {
    assert.deepEqual(problems, []);
  });
});
