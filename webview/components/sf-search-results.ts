import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { HistoryRun, LogSearchHit } from '../../sidecar/protocol/history';
import { stripAnsi } from '../ansi';
import { basename, dateTime } from '../runView';
import { marked } from './highlight';
import { base } from './theme';
import './sf-icon';

/** Log lines that contain the search text, grouped by run. `open-hit` (detail: the hit). */
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
        display: flex; gap: 10px; padding: 1px 4px 1px 26px; cursor: pointer; white-space: pre; overflow: hidden; text-overflow: ellipsis;
        font-family: var(--vscode-editor-font-family, monospace); font-size: var(--vscode-editor-font-size, 13px);
      }
      .hit:hover { background: var(--vscode-list-hoverBackground, #2a2d2e); }
      .ln { color: var(--vscode-editorLineNumber-foreground, #6e7681); min-width: 5ch; text-align: right; }
      mark { background: var(--vscode-editor-findMatchHighlightBackground, rgba(234, 92, 0, 0.33)); color: inherit; }
    `,
  ];

  @property({ attribute: false }) hits: LogSearchHit[] = [];
  @property({ attribute: false }) runs: HistoryRun[] = [];
  @property() text = '';
  @property({ type: Boolean }) searching = false;

  override render() {
    if (this.searching && this.hits.length === 0) return html`<div class="muted">Searching logs…</div>`;
    const groups = new Map<string, LogSearchHit[]>();
    for (const hit of this.hits) groups.set(hit.runId, [...(groups.get(hit.runId) ?? []), hit]);
    const byId = new Map(this.runs.map((r) => [r.id, r]));
    return html`<h3 class="muted">${this.hits.length === 0 ? 'No log lines contain' : `${this.hits.length}${this.hits.length >= 200 ? '+' : ''} log lines contain`} “${this.text}”</h3>
      ${[...groups].map(([runId, hits]) => {
        const run = byId.get(runId);
        return html`<div class="run">
          <div class="run-title">
            <sf-icon name="output"></sf-icon>
            <span>${run ? basename(run.script) : 'run'}</span>
            <span class="muted mono">${runId.slice(0, 8)}</span>
            ${run ? html`<span class="muted">${dateTime(run.startedAt)}</span>` : nothing}
          </div>
          ${hits.map(
            (hit) => html`<div class="hit" role="button" tabindex="0" data-run-id=${runId} data-line=${hit.line}
              @click=${() => this.dispatchEvent(new CustomEvent<LogSearchHit>('open-hit', { detail: hit }))}>
              <span class="ln">${hit.line}</span><span>${marked(stripAnsi(hit.text), this.text)}</span>
            </div>`,
          )}
        </div>`;
      })}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sf-search-results': SfSearchResults;
  }
}
