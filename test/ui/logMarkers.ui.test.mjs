// The panel's log viewer shows marker lines as what they mean — "▶ Build" headers, ✓/✗ for a
// step's end, META dimmed — with the raw line dimmed after them, in Chromium under the
// webview's strict CSP, over a fake data source: hostile step names stay text, find still
// highlights inside the raw line, a 200,000-line log stays virtualised, and "Raw markers"
// shows the lines as printed. Screenshot: test-results/log-viewer-styled-markers.png.
import { strict as assert } from 'node:assert';
import { openFakeHostPage } from './fakeHostPage.mjs';
import { screenshot } from '../vscode/ui.mjs';


const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-t3st'; style-src 'self' 'nonce-t3st'; font-src 'self'; connect-src 'none'; img-src 'none'">
<link rel="stylesheet" href="/codicon.css" nonce="t3st">
<style nonce="t3st">html, body { height: 100%; margin: 0; } body { background: #1f1f1f; } sf-history-app { height: 100vh; }</style>
</head><body><sf-history-app></sf-history-app><script type="module" nonce="t3st" src="/fake.js"></script></body></html>`;

// One run of 200,000 lines: the first twelve are a build with markers (one hostile name),
// after them every 1,000th line starts a step again, so markers are met far down the log.
const FAKE = `
import { mountHistory } from '/webview.js';
const T = Date.now() - 3_600_000;
const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const HEAD = [
  'STEP_START:Build',
  'META:PROGRESS:20',
  '  \\u001b[36mSTEP_START:Compile\\u001b[0m',
  '\\u001b[32mcompiled\\u001b[0m main.c',
  'STEP_COMPLETE:Compile',
  'STEP_START:' + HOSTILE,
  'STEP_WARNING:disk almost full',
  'STEP_ERROR:src/link.c:12: undefined reference to main',
  'STEP_COMPLETE:Build',
  'ARTIFACT:out/app:the binary',
  'echo STEP_START:not a marker',
  'done',
];
const LINES = 200000;
const text = (n) => n <= HEAD.length ? HEAD[n - 1] : n % 1000 === 0 ? 'STEP_START:Chunk ' + n : 'line ' + n;
const step = (id, name, first, last) => ({ id, name, status: 'succeeded', startedAt: T, endedAt: T + 1000, durationMs: 1000,
  error: null, warnings: [], meta: {}, firstLine: first, lastLine: last, children: [] });
const run = { id: 'markers0001', script: '/w/markers.sh', args: [], cwd: '/w', profile: null, status: 'succeeded', exitCode: 0, signal: null,
  startedAt: new Date(T).toISOString(), endedAt: new Date(T + 4000).toISOString(), durationMs: 4000, lineCount: LINES, error: null,
  warnings: [], meta: {}, steps: [step(1, 'Build', 1, 9)], artifacts: [] };
const source = {
  artifactAction: 'open',
  async listRuns() { return { runs: [{ id: run.id, script: run.script, args: [], profile: null, status: run.status, exitCode: 0,
    startedAt: T, endedAt: T + 4000, durationMs: 4000, lineCount: LINES, stepCount: 1, failedStep: null }], nextCursor: null }; },
  async getRun(id) { return id === run.id ? structuredClone(run) : null; },
  async readLog(id, from, max) {
    const out = [];
    for (let n = from; n < from + max && n <= LINES; n++) out.push({ line: n, stream: 'stdout', at: T, text: text(n) });
    return out;
  },
  async searchLogs({ text: needle }) {
    const hits = [];
    for (let n = 1; n <= HEAD.length; n++) if (text(n).includes(needle)) hits.push({ runId: run.id, line: n, stream: 'stdout', text: text(n) });
    return hits;
  },
  async stepStats() { return []; },
  async runExpectations() { return null; },
  subscribe() { return () => {}; },
  async openArtifact() {},
  async copyText(t) { window.__copied = t; },
  loadState() { return undefined; },
  saveState() {},
};
mountHistory(source);
`;

describe('log viewer: marker lines shown as what they mean (Chromium)', function () {
  this.timeout(90_000);
  let browser;
  let page;
  let viewer;
  let problems = [];
  const lineText = (n) => viewer.locator(`.line[data-line="${n}"] .text`);

  before(async () => {
    ({ browser, page, problems } = await openFakeHostPage({ html: PAGE, fake: FAKE, viewport: { width: 1100, height: 640 } }));
    await page.locator('sf-run-list .row[data-run-id="markers0001"]').click();
    await page.locator('sf-run-detail nav button[data-tab="log"]').click();
    viewer = page.locator('sf-log-viewer');
    await viewer.locator('.line[data-line="12"]').waitFor();
  });

  after(() => browser?.close());

  it('shows a step header, ✓/✗/⚠ and ◆ before the dimmed raw line, and dims META lines', async () => {
    const header = (n) => viewer.locator(`.line[data-line="${n}"] .marker`).innerText();
    const raw = (n) => viewer.locator(`.line[data-line="${n}"] .raw-marker`).innerText();
    assert.equal(await header(1), '▶ Build');
    assert.equal(await raw(1), 'STEP_START:Build');
    assert.equal(await header(3), '▶ Compile', 'indented and coloured markers count, as for the parser');
    assert.equal(await header(5), '✓ Compile');
    assert.equal(await header(7), '⚠ disk almost full');
    assert.equal(await header(8), '✗ undefined reference to main');
    assert.equal(await header(10), '◆ out/app (the binary)');
    assert.equal(await viewer.locator('.line[data-line="2"] .marker').count(), 0, 'META has no header');
    assert.equal(await raw(2), 'META:PROGRESS:20');
    for (const n of [4, 11, 12]) assert.equal(await viewer.locator(`.line[data-line="${n}"] .marker`).count(), 0, `line ${n} is output`);
    assert.equal(await lineText(4).innerText(), 'compiled main.c');
    await screenshot(page, 'log-viewer-styled-markers.png');
  });

  it('keeps a hostile step name text', async () => {
    assert.equal(await viewer.locator('.line[data-line="6"] .marker').innerText(), '▶ <img src=x onerror="window.__pwned=1">');
    assert.equal(await page.evaluate(() => document.querySelector('sf-history-app').shadowRoot.innerHTML.includes('<img')), false);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
  });

  it('finds text inside a marker line and highlights it in the raw part', async () => {
    await viewer.locator('input[aria-label="Find in log"]').fill('Compile');
    await viewer.locator('.line.hit[data-line="3"]').waitFor();
    assert.equal(await viewer.locator('.line[data-line="3"] .raw-marker mark').innerText(), 'Compile');
  });

  it('stays virtualised and styles markers far down a 200,000-line log', async () => {
    // 18 px rows: line 100,000 (a marker) a few rows below the top.
    await viewer.locator('.scroller').evaluate((el) => (el.scrollTop = 99_995 * 18));
    await viewer.locator('.line.marker-line.start[data-line="100000"] .marker', { hasText: '▶ Chunk 100000' }).waitFor();
    assert.equal(await lineText(100001).innerText(), 'line 100001');
    assert.ok((await viewer.locator('.line').count()) < 120, 'only the visible lines are in the DOM');
  });

  it('"Raw markers" shows the lines as printed, and back', async () => {
    await viewer.locator('.scroller').evaluate((el) => (el.scrollTop = 0));
    await viewer.locator('.line[data-line="1"]').waitFor();
    await viewer.locator('button[aria-label="Raw markers"]').click();
    await viewer.locator('button[aria-label="Raw markers"][aria-pressed="true"]').waitFor();
    assert.equal(await viewer.locator('.line[data-line="1"] .marker').count(), 0);
    assert.equal(await lineText(1).innerText(), 'STEP_START:Build');
    await viewer.locator('button[aria-label="Raw markers"]').click();
    await viewer.locator('.line[data-line="1"] .marker', { hasText: '▶ Build' }).waitFor();
    assert.deepEqual(problems, []);
  });
});
