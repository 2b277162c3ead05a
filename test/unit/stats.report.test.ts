// Run reports: the HTML opened in a real Chromium (Debian's, through playwright-core) with
// hostile step names, messages and log lines — they must show as text, with no script, no
// external URL and no request at all — and the Markdown summary's escaping.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { Store } from '../../sidecar/store/store';
import { loadReportData, type ReportData } from '../../sidecar/report/reportData';
import { renderHtmlReport } from '../../sidecar/report/html';
import { renderMarkdownReport, escapeMarkdown } from '../../sidecar/report/markdown';
import { detectOutlier } from '../../sidecar/stats/outliers';

const ROOT = path.resolve(__dirname, '..', '..');
const CHROMIUM = process.env.STEPFLOW_CHROMIUM || '/usr/bin/chromium';

const HOSTILE = {
  img: '<img src=x onerror="window.__pwned=1">',
  style: '</style><style>body{display:none}</style>',
  script: '</title><script>window.__pwned=2</script>',
  attr: '"><svg onload="window.__pwned=3">',
  link: '[click](https://evil.example/x) ![i](http://evil.example/i.png)',
  css: 'url(https://evil.example/bg.png)',
  md: '| **bold** `code` <b>html</b> &amp;',
};

/** A script with three ordinary runs, then one with a slow (outlier) step, a failure and artifacts. */
function writeHistory(store: Store): string {
  const script = `/work/${HOSTILE.img}.sh`;
  let t = 1_780_000_000_000;
  const baseline = [1000, 1100, 1050];
  const runOnce = (id: string, compileMs: number, fail: boolean): void => {
    t += 3_600_000;
    store.createRun({ id, script, args: [HOSTILE.attr], cwd: '/work', profile: 'release', startedAt: t });
    let line = 0;
    const out = (text: string, stream: 'stdout' | 'stderr' = 'stdout') => {
      line++;
      store.appendOutput(id, stream, line, 1, Buffer.from(`${text}\n`), t);
    };
    out('starting');
    store.enqueue({ type: 'stepStarted', runId: id, stepId: 1, parentId: null, name: 'Setup', startedAt: t, line: 1 });
    store.enqueue({ type: 'stepFinished', runId: id, stepId: 1, status: 'succeeded', endedAt: t + 200, durationMs: 200, error: null, line: 1 });
    store.enqueue({ type: 'stepStarted', runId: id, stepId: 2, parentId: null, name: HOSTILE.style, startedAt: t + 200, line: 2 });
    store.enqueue({ type: 'stepStarted', runId: id, stepId: 3, parentId: 2, name: HOSTILE.img, startedAt: t + 200, line: 2 });
    out(`compiling ${HOSTILE.script}`);
    const end = t + 200 + compileMs;
    store.enqueue({ type: 'stepFinished', runId: id, stepId: 3, status: 'succeeded', endedAt: end, durationMs: compileMs, error: null, line: 2 });
    store.enqueue({ type: 'stepFinished', runId: id, stepId: 2, status: 'succeeded', endedAt: end, durationMs: compileMs, error: null, line: 2 });
    store.enqueue({ type: 'artifact', runId: id, stepId: 3, path: `/work/out/${HOSTILE.css}`, description: HOSTILE.link, at: end });
    store.enqueue({ type: 'stepStarted', runId: id, stepId: 4, parentId: null, name: HOSTILE.md, startedAt: end, line: 3 });
    for (let i = 0; i < 50; i++) out(i === 49 ? `\x1b[31mFAIL\x1b[0m ${HOSTILE.script} \`\`\`\`` : `test ${i} ok`, i === 49 ? 'stderr' : 'stdout');
    store.enqueue({
      type: 'stepFinished',
      runId: id,
      stepId: 4,
      status: fail ? 'failed' : 'succeeded',
      endedAt: end + 500,
      durationMs: 500,
      error: fail ? { message: `2 tests failed ${HOSTILE.img}`, file: `src/${HOSTILE.attr}.ts`, line: 12 } : null,
      line: line,
    });
    store.enqueue({ type: 'warning', runId: id, stepId: 4, warning: { type: 'marker', severity: 'warning', message: HOSTILE.script, file: null, line: null }, at: end });
    store.enqueue({
      type: 'runFinished',
      runId: id,
      status: fail ? 'failed' : 'succeeded',
      exitCode: fail ? 1 : 0,
      signal: null,
      endedAt: end + 600,
      durationMs: end + 600 - t,
      lineCount: line,
      error: fail ? { message: 'exit code 1', file: null, line: null } : null,
    });
    store.flush();
  };
  baseline.forEach((ms, i) => runOnce(`base${i}`, ms, false));
  // The fourth run: the compile step is an outlier (the session adds it the same way).
  const stats = store.stepStats(script).find((s) => s.name === HOSTILE.img)!;
  const warning = detectOutlier(4000, stats)!;
  assert.equal(warning.severity, 'critical');
  t += 3_600_000;
  runOnce('slowrun', 4000, true);
  store.enqueue({ type: 'warning', runId: 'slowrun', stepId: 3, warning, at: t });
  store.flush();
  return script;
}

describe('stats: run reports', function () {
  this.timeout(60_000);
  let dir: string;
  let store: Store;
  let data: ReportData;
  let browser: Browser | undefined;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-report-'));
    store = new Store(path.join(dir, 'stepflow.db'), { flushIntervalMs: 60_000 });
    writeHistory(store);
    data = loadReportData(store, 'slowrun', Date.UTC(2026, 5, 1, 12, 0, 0));
  });
  after(async () => {
    await browser?.close();
    store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gathers the run, each step with its usual duration from the runs before, and failure excerpts', () => {
    const compile = data.steps.find((s) => s.step.name === HOSTILE.img)!;
    assert.equal(compile.depth, 1);
    assert.deepEqual(compile.path, [HOSTILE.style, HOSTILE.img]);
    assert.equal(compile.baseline!.count, 3, 'this run is taken out of the baseline');
    assert.equal(compile.baseline!.meanMs, 1050);
    assert.equal(Math.round(compile.baseline!.stdDevMs!), 50);
    assert.equal(data.excerpts.length, 1);
    const excerpt = data.excerpts[0]!;
    assert.equal(excerpt.title, HOSTILE.md);
    assert.equal(excerpt.lines.length, 40);
    assert.equal(excerpt.omittedBefore, 10);
    assert.equal(excerpt.lines.at(-1)!.text, `FAIL ${HOSTILE.script} \`\`\`\``, 'ANSI stripped');
  });

  it('renders self-contained HTML that shows hostile text as text in Chromium (screenshot: test-results/report.png)', async () => {
    const html = renderHtmlReport(data);
    assert.ok(!/<script/i.test(html), 'no script tag in the source');
    assert.ok(!/url\(/i.test(html.replace(/url\(https:\/\/evil\.example\/bg\.png\)/g, '')), 'no url() besides the hostile text');

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const file = path.join(dir, 'report.html');
    fs.writeFileSync(file, html);
    const url = `file://${file}`;
    // Every request but the report itself is recorded and refused.
    const requests: string[] = [];
    await page.route('**/*', (route) => {
      if (route.request().url() === url) return route.continue();
      requests.push(route.request().url());
      return route.abort();
    });
    await page.goto(url);
    const dom = await page.evaluate(() => {
      const all = [...document.querySelectorAll('*')];
      const attributes = all.flatMap((el) => [...el.attributes].map((a) => ({ tag: el.tagName, name: a.name, value: a.value })));
      return {
        scripts: document.querySelectorAll('script').length,
        styles: document.querySelectorAll('style').length,
        imgs: document.querySelectorAll('img, svg, iframe, object, embed, link, a').length,
        eventAttributes: attributes.filter((a) => a.name.startsWith('on')).map((a) => `${a.tag} ${a.name}`),
        urlAttributes: attributes.filter((a) => /^(src|href|srcset|action|xlink:href|background|poster)$/.test(a.name)).length,
        urlsInStyles: attributes.filter((a) => a.name === 'style' && /url\(|\/\//.test(a.value)).length,
        cssUrls: [...document.styleSheets].flatMap((s) => [...s.cssRules].map((r) => r.cssText)).filter((t) => /url\(|@import/.test(t)),
        text: document.body.innerText,
        title: document.title,
        bodyVisible: getComputedStyle(document.body).display !== 'none',
        pwned: (window as unknown as { __pwned?: number }).__pwned ?? null,
        sections: [...document.querySelectorAll('h2')].map((h) => h.textContent),
        bars: document.querySelectorAll('.timeline .bar').length,
        outlierBars: document.querySelectorAll('.bar.o-critical').length,
        csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? null,
      };
    });
    assert.equal(dom.scripts, 0);
    assert.equal(dom.styles, 1, 'the </style> step name did not open or close a style element');
    assert.equal(dom.imgs, 0);
    assert.deepEqual(dom.eventAttributes, []);
    assert.equal(dom.urlAttributes, 0);
    assert.equal(dom.urlsInStyles, 0);
    assert.deepEqual(dom.cssUrls, []);
    assert.equal(dom.pwned, null);
    assert.ok(dom.bodyVisible);
    assert.deepEqual(requests, [], 'no request besides the file itself');
    assert.match(dom.csp!, /default-src 'none'/);
    for (const text of Object.values(HOSTILE)) assert.ok(dom.text.includes(text), `shown as text: ${text}`);
    assert.match(dom.title, /failed/);
    assert.deepEqual(dom.sections.map((s) => s!.replace(/\s*\d+$/, '')), ['Summary', 'Timeline', 'Durations against the mean', 'Warnings', 'Artifacts', 'Failures']);
    assert.equal(dom.bars, 4);
    assert.equal(dom.outlierBars, 1);
    assert.match(dom.text, /4\.0 s \(59\.0σ above 1\.1 s mean\)/);
    assert.match(dom.text, /\+281 %/);

    fs.mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'test-results', 'report.png'), fullPage: true });
  });

  it('renders Markdown for a PR comment with hostile text escaped', () => {
    const md = renderMarkdownReport(data);
    assert.match(md, /^## ❌ StepFlow\\: /);
    // Log lines are code inside fences; everything else must hold no live HTML or link.
    const prose = md.replace(/\n(`{3,})text\n[\s\S]*?\n\1\n/g, '\n');
    assert.ok(md.length - prose.length > 300, 'the fenced excerpt was found');
    assert.ok(!/<(?!\/?(details|summary|b|sub)\b)/i.test(prose), 'no raw HTML besides the report’s own details/summary/b/sub');
    assert.ok(!prose.includes('](https://'), 'no live link from an artifact description');
    assert.ok(md.includes('&lt;img src\\=x onerror\\=&quot;window\\.\\_\\_pwned\\=1&quot;&gt;'));
    // Each row of the steps table keeps its five cells: the hostile "|" is escaped. The
    // table is found by its header, and has one row per step (so the check is never empty).
    const lines = md.split('\n');
    const header = lines.indexOf('| Step | Status | Duration | Mean ± σ (runs) | Δ |');
    assert.ok(header >= 0, 'the steps table');
    const end = lines.indexOf('', header);
    const rows = lines.slice(header + 2, end);
    assert.equal(rows.length, data.steps.length);
    assert.ok(rows.length >= 2);
    for (const row of rows) assert.equal(row.split(/(?<!\\)\|/).length, 7, row);
    assert.match(md, /\| \\\| \\\*\\\*bold\\\*\\\* \\`code\\` &lt;b&gt;html&lt;\/b&gt; &amp;amp; \| ❌ failed \|/);
    assert.match(md, /⚠️ critical/);
    assert.match(md, /### ⚠️ Warnings/);
    // The excerpt's fence is longer than the four backticks inside it.
    assert.match(md, /\n`````text\n[\s\S]*FAIL <\/title><script>[\s\S]*\n`````\n/);
    // <summary> is an HTML block: escaped for HTML (Markdown is not rendered there).
    assert.ok(md.includes('<details open><summary><b>| **bold** &#96;code&#96; &#60;b&#62;html&#60;/b&#62; &#38;amp;</b> — 2 tests failed &#60;img src=x onerror=&#34;window.__pwned=1&#34;&#62;</summary>'));
  });

  it('escapes every Markdown and HTML special character in inline text', () => {
    assert.equal(escapeMarkdown('a_b*c`d|e<f>&g\nh'), 'a\\_b\\*c\\`d\\|e&lt;f&gt;&amp;g h');
    assert.equal(escapeMarkdown('[x](javascript:alert(1))'), '\\[x\\]\\(javascript\\:alert\\(1\\)\\)');
  });
});
