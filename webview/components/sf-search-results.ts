import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { HistoryRun, LogSearchHit } from '../../sidecar/protocol/history';
import { stripAnsi } from '../ansi';
import { basename, dateTime } from '../runView';
import { marked } from './highlight';
import { base } from './theme';
import './sf-icon';

/**
 * Log lines that contain the search text, grouped by run: each with its line number and
 * step, the match marked. All text goes in as Lit text parts (never HTML), so a log line
 * can hold any markup. `open-hit` (detail: the hit) opens the run's log at that line.
 */
@customElement('sf-search-results')
export class SfSearchResults extends LitElement {
  static override styles = [
    base,
    css`
      :host { display: block; overflow: auto; }
      h3 { font-size: 11px; text-transform: uppercase; letter-spacing: 0.04em; margin: 0 0 6px; font-weight: 600; }
      .run { margin-bottom: 10px; }
      .run-title { display: flex; gap: 6px; align-items: center; padding: 2px 4px; font-weight: 600; }
      .hit {
        display: grid; grid-template-columns: 6ch 20ch 1fr; gap: 10px; align-items: baseline;
        width: 100%; padding: 1px 4px 1px 26px; cursor: pointer; border: 0; background: none; color: inherit; text-align: left;
        font-family: var(--vscode-editor-font-family, monospace); font-size: var(--vscode-editor-font-size, 13px);
      }
      .hit:hover, .hit:focus-visible { background: var(--vscode-list-hoverBackground, #2a2d2e); outline: none; }
      .hit:focus-visible { box-shadow: inset 0 0 0 1px var(--vscode-focusBorder, #0078d4); }
      .ln { color: var(--vscode-editorLineNumber-foreground, #6e7681); text-align: right; }
      .step {
        overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
        font-family: var(--vscode-font-family, system-ui); font-size: 12px; color: var(--vscode-descriptionForeground, #9d9d9d);
      }
      .text { white-space: pre; overflow: hidden; text-overflow: ellipsis; }
      mark { background: var(--vscode-editor-findMatchHighlightBackground, rgba(234, 92, 0, 0.33)); color: inherit; }
    `,
  ];

  @property({ attribute: false }) hits: LogSearchHit[] = [];
  @property({ attribute: false }) runs: HistoryRun[] = [];
  @property() text = '';
  @property({ type: Boolean }) searching = false;
  /** True when the store had more matching lines than it returned. */
  @property({ type: Boolean }) more = false;

  override render() {
    if (this.searching && this.hits.length === 0) return html`<div class="muted">Searching logs…</div>`;
    const groups = new Map<string, LogSearchHit[]>();
    for (const hit of this.hits) groups.set(hit.runId, [...(groups.get(hit.runId) ?? []), hit]);
    const byId = new Map(this.runs.map((r) => [r.id, r]));
    const count = this.hits.length;
    const heading =
      count === 0
        ? html`No log lines contain “${this.text}”`
        : html`${count}${this.more ? '+' : ''} ${count === 1 ? 'line' : 'lines'} in ${groups.size} ${groups.size === 1 ? 'run' : 'runs'} ${count === 1 ? 'contains' : 'contain'} “${this.text}”`;
    return html`<h3 class="muted" role="status">${heading}</h3>
      ${[...groups].map(([runId, hits]) => {
        const run = byId.get(runId);
        const name = run ? basename(run.script) : 'run';
        return html`<section class="run" data-run-id=${runId}>
          <div class="run-title">
            <sf-icon name="output"></sf-icon>
            <span>${name}</span>
            <span class="muted mono">${runId.slice(0, 8)}</span>
            ${run ? html`<span class="muted">${dateTime(run.startedAt)}</span>` : nothing}
          </div>
          ${hits.map((hit) => {
            const step = hit.step?.join(' › ') ?? '';
            return html`<button class="hit" data-run-id=${runId} data-line=${hit.line}
              aria-label=${`Open ${name} log at line ${hit.line}${step ? `, step ${step}` : ''}`}
              @click=${() => this.dispatchEvent(new CustomEvent<LogSearchHit>('open-hit', { detail: hit }))}>
              <span class="ln">${hit.line}</span><span class="step" title=${step}>${step || '—'}</span><span class="text">${marked(stripAnsi(hit.text), this.text)}</span>
            </button>`;
          })}
        </section>`;
      })}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sf-search-results': SfSearchResults;
  }
}
