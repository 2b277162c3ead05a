// The run's step summary ($GITHUB_STEP_SUMMARY) in the HTML report: the parsed Markdown tree
// (protocol/summaryMarkdown.ts) written as HTML, every text and attribute escaped here, so the
// script's Markdown can produce only the elements listed below — never its own HTML.
import { parseSummaryMarkdown, type SummaryBlock, type SummaryInline } from '../protocol/summaryMarkdown';

function esc(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function summaryToHtml(markdown: string): string {
  return blocks(parseSummaryMarkdown(markdown));
}

function blocks(list: readonly SummaryBlock[]): string {
  return list.map(block).join('\n');
}

function block(b: SummaryBlock): string {
  switch (b.kind) {
    case 'heading':
      return `<h${b.level}>${inlines(b.inlines)}</h${b.level}>`;
    case 'paragraph':
      return `<p>${inlines(b.inlines)}</p>`;
    case 'code':
      return `<pre class="code"><code>${esc(b.text)}</code></pre>`;
    case 'quote':
      return `<blockquote>${blocks(b.blocks)}</blockquote>`;
    case 'list': {
      const tag = b.ordered ? 'ol' : 'ul';
      const start = b.ordered && b.start !== 1 ? ` start="${b.start}"` : '';
      return `<${tag}${start}>${b.items.map((item) => `<li>${blocks(item)}</li>`).join('')}</${tag}>`;
    }
    case 'table': {
      const cell = (tag: string, content: SummaryInline[], c: number) =>
        `<${tag}${b.align[c] ? ` class="a-${b.align[c]}"` : ''}>${inlines(content)}</${tag}>`;
      const head = `<tr>${b.header.map((h, c) => cell('th', h, c)).join('')}</tr>`;
      const body = b.rows.map((row) => `<tr>${row.map((d, c) => cell('td', d, c)).join('')}</tr>`).join('');
      return `<table><thead>${head}</thead><tbody>${body}</tbody></table>`;
    }
    case 'rule':
      return '<hr>';
  }
}

function inlines(list: readonly SummaryInline[]): string {
  return list.map(inline).join('');
}

function inline(n: SummaryInline): string {
  switch (n.kind) {
    case 'text':
      return esc(n.text);
    case 'code':
      return `<code>${esc(n.text)}</code>`;
    case 'strong':
      return `<strong>${inlines(n.children)}</strong>`;
    case 'em':
      return `<em>${inlines(n.children)}</em>`;
    case 'del':
      return `<del>${inlines(n.children)}</del>`;
    case 'link':
      // Only http(s)/mailto targets reach a link node; rel keeps the report out of the target's reach.
      return `<a href="${esc(n.href)}" rel="noopener noreferrer">${inlines(n.children)}</a>`;
    case 'break':
      return '<br>';
  }
}
