import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { HistoryQuery, LogSearchHit } from '../../sidecar/protocol/history';
import type { DetailTab, StepflowDataSource } from '../dataSource';
import { HistoryController, type LogFocus } from '../historyController';
import { base } from './theme';
import './sf-filters';
import './sf-icon';
import './sf-run-detail';
import './sf-run-list';
import './sf-search-results';

/** The history view: filters on top, runs on the left, the selected run (or log search hits) on the right. */
@customElement('sf-history-app')
export class SfHistoryApp extends LitElement {
  static override styles = [
    base,
    css`
      :host { display: flex; flex-direction: column; height: 100%; min-height: 0; background: var(--vscode-editor-background, #1f1f1f); }
      header.top { display: contents; }
      sf-filters { border-bottom: 1px solid var(--vscode-panel-border, #2b2b2b); }
      .main { flex: 1; display: grid; grid-template-columns: minmax(240px, 30%) 1fr; min-height: 0; }
      aside { display: flex; flex-direction: column; min-height: 0; border-right: 1px solid var(--vscode-panel-border, #2b2b2b); background: var(--vscode-sideBar-background, #181818); }
      .section {
        display: flex; align-items: center; gap: 6px; height: 22px; padding: 0 8px 0 12px; flex: none;
        font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: 0.04em;
        background: var(--vscode-sideBarSectionHeader-background, transparent);
      }
      sf-run-list { flex: 1; }
      main { min-height: 0; min-width: 0; overflow: hidden; }
      .placeholder { display: flex; flex-direction: column; align-items: center; justify-content: center; height: 100%; gap: 8px; }
      .placeholder sf-icon { transform: scale(2.5); margin-bottom: 16px; opacity: 0.5; }
      sf-search-results { height: 100%; padding: 12px 16px; }
      main.with-back { display: flex; flex-direction: column; }
      main.with-back sf-run-detail { flex: 1; min-height: 0; }
      .back { flex: none; padding: 4px 12px; border-bottom: 1px solid var(--vscode-panel-border, #2b2b2b); }
      .back button {
        display: inline-flex; align-items: center; gap: 4px; border: 0; padding: 2px 4px; background: none; cursor: pointer;
        color: var(--vscode-textLink-foreground, #4daafc); font: inherit;
      }
      .back button:hover { text-decoration: underline; }
      .error { padding: 4px 12px; color: var(--vscode-errorForeground, #f85149); border-bottom: 1px solid var(--vscode-panel-border, #2b2b2b); }
    `,
  ];

  @property({ attribute: false }) source: StepflowDataSource | null = null;
  private ctl: HistoryController | null = null;
  private readonly onChange = () => this.requestUpdate();

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('source')) {
      this.ctl?.removeEventListener('change', this.onChange);
      this.ctl?.dispose();
      this.ctl = this.source ? new HistoryController(this.source) : null;
      this.ctl?.addEventListener('change', this.onChange);
      void this.ctl?.start();
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.ctl?.dispose();
  }

  /** The controller (tests and hosts poke at it). */
  get controller(): HistoryController | null {
    return this.ctl;
  }

  override render() {
    const ctl = this.ctl;
    if (!ctl) return html`<div class="placeholder muted">Connecting…</div>`;
    return html`
      <header class="top"><h1 class="sr-only">StepFlow history</h1>
      <sf-filters
        role="search"
        .query=${ctl.query}
        .scripts=${[...ctl.scripts]}
        .profiles=${[...ctl.profiles]}
        ?busy=${ctl.loadingList}
        @query-change=${(e: CustomEvent<Partial<HistoryQuery>>) => void ctl.setQuery(e.detail)}
        @refresh=${() => void ctl.reload()}
      ></sf-filters></header>
      ${ctl.error ? html`<div class="error" role="alert">${ctl.error}</div>` : nothing}
      <div class="main">
        <aside aria-label="Runs">
          <div class="section"><span>Runs</span><span class="badge">${ctl.runs.length}${ctl.nextCursor ? '+' : ''}</span></div>
          <sf-run-list
            .runs=${ctl.runs}
            .selectedId=${ctl.selectedId}
            ?hasMore=${!!ctl.nextCursor}
            ?loading=${ctl.loadingList}
            @select=${(e: CustomEvent<string>) => void ctl.select(e.detail)}
            @load-more=${() => void ctl.loadMore()}
          ></sf-run-list>
        </aside>
        ${this.detail(ctl)}
      </div>
    `;
  }

  /** The right side: the selected run (under a way back to the search, if one is on), the search's matching lines, or a hint. */
  private detail(ctl: HistoryController) {
    const text = ctl.query.search ?? '';
    if (ctl.selectedId) {
      const detail = html`<sf-run-detail
        .source=${ctl.source}
        .live=${ctl.selected}
        ?missing=${ctl.selectedMissing}
        .tab=${ctl.tab}
        .stats=${ctl.stats}
        .expectations=${ctl.expectations}
        .compareRun=${ctl.compareRun}
        .compareCandidates=${ctl.compareCandidates}
        .compareId=${ctl.compareId}
        .logFocus=${ctl.logFocus}
        .liveOutput=${ctl.liveOutput}
        .find=${ctl.query.search ?? ''}
        @tab-change=${(e: CustomEvent<DetailTab>) => ctl.setTab(e.detail)}
        @focus-log=${(e: CustomEvent<Pick<LogFocus, 'line' | 'to'>>) => ctl.focusLog(e.detail.line, e.detail.to)}
        @compare-change=${(e: CustomEvent<string | null>) => void ctl.setCompare(e.detail)}
        @cancel-run=${() => void ctl.cancelSelected()}
        @close-run=${() => void ctl.select(null)}
      ></sf-run-detail>`;
      if (!text) return html`<main>${detail}</main>`;
      return html`<main class="with-back">
        <div class="back"><button @click=${() => void ctl.select(null)}><sf-icon name="search"></sf-icon>Back to the lines matching “${text}”</button></div>
        ${detail}
      </main>`;
    }
    if (text) {
      return html`<main><sf-search-results
        .hits=${ctl.visibleSearchHits()}
        .runs=${ctl.runs}
        .text=${text}
        ?searching=${ctl.searching}
        ?more=${ctl.searchHitsMore}
        @open-hit=${(e: CustomEvent<LogSearchHit>) => void ctl.select(e.detail.runId, { tab: 'log', line: e.detail.line })}
      ></sf-search-results></main>`;
    }
    return html`<main><div class="placeholder muted"><sf-icon name="history"></sf-icon><span>Select a run to see its steps, log and artifacts.</span></div></main>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sf-history-app': SfHistoryApp;
  }
}
