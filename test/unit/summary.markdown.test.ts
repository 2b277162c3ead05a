// The step summary's Markdown (sidecar/protocol/summaryMarkdown.ts) and its two renderings
// for the reports: structure is recognised, and nothing the script wrote becomes markup.
import { strict as assert } from 'node:assert';
import { inlineText, parseInlines, parseSummaryMarkdown, type SummaryBlock } from '../../sidecar/protocol/summaryMarkdown';
import { summaryToHtml } from '../../sidecar/report/summaryHtml';
import { boundSummary } from '../../sidecar/runs/stepSummary';
import { SecretMasker } from '../../sidecar/runs/secretMasker';
import { applyRunEvent, liveRunFromStart } from '../../sidecar/protocol/runState';

const kinds = (blocks: SummaryBlock[]) => blocks.map((b) => b.kind);

describe('step summary: Markdown subset', () => {
  it('reads the blocks GitHub step summaries use', () => {
    const md = [
      '# Build ✅', '', 'Some **bold**, *em*, `code`, ~~gone~~ and a [link](https://example.com/x).', '',
      '- one', '- two', '  - nested', '', '1. first', '2. second', '', '> quoted', '', '```js', 'const a = "<b>";', '```', '',
      '| Test | Result |', '|:--|--:|', '| parse | ✅ |', '| cell with \\| pipe | ❌ |', '', '---',
    ].join('\n');
    const blocks = parseSummaryMarkdown(md);
    assert.deepEqual(kinds(blocks), ['heading', 'paragraph', 'list', 'list', 'quote', 'code', 'table', 'rule']);
    const list = blocks[2] as Extract<SummaryBlock, { kind: 'list' }>;
    assert.equal(list.items.length, 2);
    assert.deepEqual(kinds(list.items[1]!), ['paragraph', 'list']);
    const ordered = blocks[3] as Extract<SummaryBlock, { kind: 'list' }>;
    assert.equal(ordered.ordered, true);
    const code = blocks[5] as Extract<SummaryBlock, { kind: 'code' }>;
    assert.deepEqual([code.lang, code.text], ['js', 'const a = "<b>";']);
    const table = blocks[6] as Extract<SummaryBlock, { kind: 'table' }>;
    assert.deepEqual(table.align, ['left', 'right']);
    assert.deepEqual(table.rows.map((r) => r.map(inlineText)), [['parse', '✅'], ['cell with | pipe', '❌']]);
  });

  it('reads inlines: emphasis, code, escapes, links, breaks', () => {
    const kindsOf = (text: string) => parseInlines(text).map((n) => n.kind);
    assert.deepEqual(kindsOf('a **b** c'), ['text', 'strong', 'text']);
    assert.deepEqual(kindsOf('snake_case_name'), ['text']);
    assert.deepEqual(kindsOf('\\*not em\\*'), ['text']);
    assert.deepEqual(kindsOf('`a ** b`'), ['code']);
    assert.deepEqual(kindsOf('line  \nnext'), ['text', 'break', 'text']);
    assert.deepEqual(kindsOf('<https://example.com>'), ['link']);
  });

  it('keeps raw HTML and unsafe link targets as text', () => {
    for (const hostile of ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '[x](javascript:alert(1))', '[x](data:text/html,<b>)', '![i](file:///etc/passwd)']) {
      const nodes = parseInlines(hostile);
      assert.ok(nodes.every((n) => n.kind === 'text'), hostile);
      assert.equal(inlineText(nodes), hostile);
    }
  });

  it('HTML rendering escapes every character the script chose', () => {
    const out = summaryToHtml('# <script>alert(1)</script>\n\n<b onmouseover="x">hi</b> [a](https://e.com/"onclick=1)\n\n```\n</pre><script>\n```\n\n| <i>h</i> |\n|--|\n| <svg/onload=1> |');
    assert.ok(!/<(script|b |i>|svg|img)/i.test(out), out);
    assert.match(out, /<h1>&#60;script&#62;alert\(1\)&#60;\/script&#62;<\/h1>/);
    assert.match(out, /<pre class="code"><code>&#60;\/pre&#62;&#60;script&#62;<\/code><\/pre>/);
    // A quote cannot end the href: such a target is no link at all.
    assert.ok(!out.includes('<a '), out);
    assert.match(summaryToHtml('[ok](https://example.com/a?b=1&c=2)'), /<a href="https:\/\/example\.com\/a\?b=1&#38;c=2" rel="noopener noreferrer">ok<\/a>/);
  });

  it('stays linear on pathological input (no closing delimiters, deep nesting)', function () {
    // Each took minutes while an opener rescanned the rest of the text (about a second now,
    // on a loaded machine); the limit is a failure message, not a measurement.
    this.timeout(120_000);
    const inputs = ['*'.repeat(200_000) + 'a', '*a'.repeat(100_000), '['.repeat(200_000), '['.repeat(200_000) + ']', '`' + 'a`'.repeat(100_000), '> '.repeat(5_000) + 'x', '_a'.repeat(100_000)];
    for (const text of inputs) {
      const blocks = parseSummaryMarkdown(text);
      assert.ok(blocks.length >= 1);
    }
  });
});

describe('step summary: size bound and masking', () => {
  const masker = new SecretMasker();
  masker.add('hunter2-secret');

  it('masks secrets and drops a summary of only whitespace', () => {
    assert.equal(boundSummary(Buffer.from('token hunter2-secret\n'), 21, masker), 'token ***\n');
    assert.equal(boundSummary(Buffer.from(' \n\n'), 3, masker), null);
  });

  it('cuts at the last whole line within the limit and says so', () => {
    const text = 'line one\nline two hunter2-secret\n';
    const limit = 'line one\nline two hunt'.length;
    const out = boundSummary(Buffer.from(text).subarray(0, limit), text.length + 1000, masker, limit)!;
    assert.ok(out.startsWith('line one\n\n> **Note:** StepFlow kept the first 9 bytes of this summary; the script wrote '), out);
    assert.ok(!out.includes('hunt'));
  });
});

describe('step summary: live views', () => {
  it('a run followed live gets its summary with runFinished, as the stored record has it', () => {
    const run = liveRunFromStart({ type: 'runStarted', runId: 'r1', script: '/s.sh', args: [], cwd: '/', profile: null, startedAt: 1, expectations: null });
    assert.equal(run.record.summary ?? null, null);
    applyRunEvent(run, { type: 'runFinished', runId: 'r1', status: 'succeeded', exitCode: 0, signal: null, endedAt: 2, durationMs: 1, lineCount: 0, error: null, summary: '# Done\n' });
    assert.equal(run.record.summary, '# Done\n');
  });
});
