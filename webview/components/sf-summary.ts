import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { parseSummaryMarkdown, type SummaryBlock, type SummaryInline } from '../../sidecar/protocol/summaryMarkdown';
import { base } from './theme';

/**
 * The run's step summary (what the script appended to $GITHUB_STEP_SUMMARY), rendered from its
 * Markdown. Safe by construction: the Markdown is parsed into a tree (summaryMarkdown.ts) and
 * every piece of text goes into a Lit text binding, so nothing the script wrote is ever
 * parsed as HTML — `<script>` in a summary shows as the text `<script>`.
 */
@customElement('sf-summary')
export class SfSummary extends LitElement {
  static override styles = [
    base,
    css`
      :host { display: block; max-width: 960px; line-height: 1.5; overflow-wrap: anywhere; }
      h1, h2, h3, h4, h5, h6 { margin: 16px 0 8px; font-weight: 600; }
      h1 { font-size: 20px; } h2 { font-size: 17px; } h3 { font-size: 15px; } h4, h5, h6 { font-size: 13px; }
      h1, h2 { padding-bottom: 4px; border-bottom: 1px solid var(--vscode-panel-border, #2b2b2b); }
      p { margin: 0 0 10px; }
      pre { background: var(--vscode-textCodeBlock-background, rgba(127, 127, 127, 0.1)); padding: 8px 10px; overflow-x: auto; border-radius: 4px; }
      code { font-family: var(--vscode-editor-font-family, monospace); font-size: 12px; }
      :not(pre) > code { background: var(--vscode-textCodeBlock-background, rgba(127, 127, 127, 0.1)); padding: 1px 4px; border-radius: 3px; }
      blockquote { margin: 0 0 10px; padding: 0 12px; border-left: 3px solid var(--vscode-textBlockQuote-border, #616161); color: var(--vscode-descriptionForeground, #9d9d9d); }
      table { border-collapse: collapse; margin: 0 0 10px; }
      th, td { border: 1px solid var(--vscode-panel-border, #2b2b2b); padding: 3px 8px; }
      th { font-weight: 600; }
      .a-center { text-align: center; } .a-right { text-align: right; } .a-left { text-align: left; }
      hr { border: none; border-top: 1px solid var(--vscode-panel-border, #2b2b2b); }
      a { color: var(--vscode-textLink-foreground, #4daafc); }
      .empty { padding: 24px 0; }
    `,
  ];

  /** The Markdown as stored with the run; null or '' when the script wrote none. */
  @property({ attribute: false }) markdown: string | null = null;
  private parsedFrom: string | null = null;
  private parsed: SummaryBlock[] = [];

  override render() {
    if (!this.markdown) {
      return html`<div class="empty muted">This run wrote no step summary. A script appends Markdown to the file in <code>$GITHUB_STEP_SUMMARY</code> to make one.</div>`;
    }
    // Parsed once per summary, not on every live update of the panel.
    if (this.parsedFrom !== this.markdown) {
      this.parsed = parseSummaryMarkdown(this.markdown);
      this.parsedFrom = this.markdown;
    }
    return html`<article class="markdown" aria-label="Step summary">${blocks(this.parsed)}</article>`;
  }
}

function blocks(list: readonly SummaryBlock[]): TemplateResult[] {
  return list.map(block);
}

function block(b: SummaryBlock): TemplateResult {
  switch (b.kind) {
    case 'heading':
      // Lit cannot bind a tag name, hence one template per level.
      return [
        html`<h1>${inlines(b.inlines)}</h1>`, html`<h2>${inlines(b.inlines)}</h2>`, html`<h3>${inlines(b.inlines)}</h3>`,
        html`<h4>${inlines(b.inlines)}</h4>`, html`<h5>${inlines(b.inlines)}</h5>`, html`<h6>${inlines(b.inlines)}</h6>`,
      ][b.level - 1]!;
    case 'paragraph':
      return html`<p>${inlines(b.inlines)}</p>`;
    case 'code':
      return html`<pre><code>${b.text}</code></pre>`;
    case 'quote':
      return html`<blockquote>${blocks(b.blocks)}</blockquote>`;
    case 'list':
      return b.ordered
        ? html`<ol start=${b.start}>${b.items.map((item) => html`<li>${blocks(item)}</li>`)}</ol>`
        : html`<ul>${b.items.map((item) => html`<li>${blocks(item)}</li>`)}</ul>`;
    case 'table':
      return html`<table>
        <thead><tr>${b.header.map((cell, c) => html`<th class=${b.align[c] ? `a-${b.align[c]}` : nothing}>${inlines(cell)}</th>`)}</tr></thead>
        <tbody>${b.rows.map((row) => html`<tr>${row.map((cell, c) => html`<td class=${b.align[c] ? `a-${b.align[c]}` : nothing}>${inlines(cell)}</td>`)}</tr>`)}</tbody>
      </table>`;
    case 'rule':
      return html`<hr />`;
  }
}

function inlines(list: readonly SummaryInline[]): Array<TemplateResult | string> {
  return list.map(inline);
}

function inline(n: SummaryInline): TemplateResult | string {
  switch (n.kind) {
    case 'text':
      return n.text;
    case 'code':
      return html`<code>${n.text}</code>`;
    case 'strong':
      return html`<strong>${inlines(n.children)}</strong>`;
    case 'em':
      return html`<em>${inlines(n.children)}</em>`;
    case 'del':
      return html`<del>${inlines(n.children)}</del>`;
    case 'link':
      // Only http(s)/mailto targets become links (summaryMarkdown.ts); the host opens them.
      return html`<a href=${n.href} title=${n.href} target="_blank" rel="noopener noreferrer">${inlines(n.children)}</a>`;
    case 'break':
      return html`<br />`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sf-summary': SfSummary;
  }
}
