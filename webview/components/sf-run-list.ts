import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { cssProps } from './cssProps';
import { formatDuration } from '../../sidecar/protocol/format';
import type { HistoryRun } from '../../sidecar/protocol/history';
import { basename, dateTime, relativeTime } from '../runView';
import { spokenRun } from '../../sidecar/protocol/spoken';
import { base, statusIcon, STATUS_LABEL } from './theme';
import './sf-icon';

const ROW = 46;
const OVERSCAN = 6;

/**
 * The runs, newest first, virtualised: only the rows in view exist in the DOM (fixed row
 * height, so any scroll position maps to rows in O(1)). Near the end it asks for more.
 * A listbox: the keyboard moves a focused row (↑ ↓ Page Up/Down Home End, outlined, named to
 * screen readers through aria-activedescendant) and Enter or Space opens it, so walking the
 * list does not load every run on the way; a click opens at once.
 * Events: `select` (detail: run id), `load-more`.
 */
@customElement('sf-run-list')
export class SfRunList extends LitElement {
  static override styles = [
    base,
    css`
      :host { display: block; position: relative; min-height: 0; }
      .scroller { position: absolute; inset: 0; overflow-y: auto; outline: none; }
      .spacer { position: relative; }
      .row {
        position: absolute; left: 0; right: 0; height: ${ROW}px; padding: 5px 10px 5px 8px;
        display: grid; grid-template-columns: 20px 1fr auto; grid-template-rows: 18px 16px; column-gap: 6px;
        cursor: pointer; border: 1px solid transparent;
      }
      .row:hover { background: var(--vscode-list-hoverBackground, #2a2d2e); }
      /* High-contrast themes define no selection colours: no fill there, their dotted contrast border instead;
         the text falls back to the theme's foreground, never to a fixed white. */
      .row[aria-selected='true'] {
        background: var(--vscode-list-activeSelectionBackground, transparent);
        color: var(--vscode-list-activeSelectionForeground, var(--vscode-foreground, #cccccc));
        outline: 1px dotted var(--vscode-contrastActiveBorder, transparent); outline-offset: -1px;
      }
      .scroller:focus-visible { outline: 1px solid var(--vscode-focusBorder, #0078d4); outline-offset: -1px; }
      .scroller:focus .row.active { border-color: var(--vscode-list-focusOutline, var(--vscode-focusBorder, #0078d4)); }
      .scroller:focus:has(.row.active) { outline: none; }
      .row[aria-selected='true'] .muted { color: inherit; }
      sf-icon { grid-row: 1; grid-column: 1; align-self: center; }
      .name { font-weight: 600; }
      .duration { text-align: right; font-variant-numeric: tabular-nums; }
      .sub { grid-column: 2 / 4; display: flex; gap: 6px; align-items: center; font-size: 12px; min-width: 0; }
      .failed-step { color: var(--vscode-errorForeground, #f85149); }
      .row[aria-selected='true'] .failed-step { color: inherit; }
      .empty { padding: 16px; text-align: center; }
      .more { position: absolute; left: 0; right: 0; padding: 8px; text-align: center; }
    `,
  ];

  @property({ attribute: false }) runs: HistoryRun[] = [];
  @property() selectedId: string | null = null;
  @property({ type: Boolean }) hasMore = false;
  @property({ type: Boolean }) loading = false;
  @state() private viewTop = 0;
  @state() private viewHeight = 600;
  /** The row the keyboard is on (run id); the selected run until the keys move it. */
  @state() private activeId: string | null = null;
  @query('.scroller') private scroller!: HTMLElement;
  private resize?: ResizeObserver;

  override firstUpdated(): void {
    this.resize = new ResizeObserver(() => (this.viewHeight = this.scroller.clientHeight || 600));
    this.resize.observe(this.scroller);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize?.disconnect();
  }

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    // Opened from elsewhere (a search hit, a live run): the keyboard continues from there.
    if (changed.has('selectedId')) this.activeId = null;
  }

  override updated(): void {
    const last = Math.ceil((this.viewTop + this.viewHeight) / ROW);
    if (this.hasMore && !this.loading && last >= this.runs.length - 10) this.dispatchEvent(new CustomEvent('load-more'));
  }

  override render() {
    if (this.runs.length === 0) {
      return html`<div class="scroller"><div class="empty muted">${this.loading ? 'Loading runs…' : 'No runs match.'}</div></div>`;
    }
    const first = Math.max(0, Math.floor(this.viewTop / ROW) - OVERSCAN);
    const last = Math.min(this.runs.length, Math.ceil((this.viewTop + this.viewHeight) / ROW) + OVERSCAN);
    const now = Date.now();
    const rows = [];
    for (let i = first; i < last; i++) rows.push(this.row(this.runs[i]!, i, now));
    const total = this.runs.length * ROW + (this.hasMore ? 36 : 0);
    const active = this.activeIndex();
    return html`<div class="scroller" role="listbox" aria-label="Runs" tabindex="0"
      aria-activedescendant=${active >= first && active < last ? `run-row-${active}` : nothing}
      @scroll=${this.onScroll} @keydown=${this.onKey}>
      <div class="spacer" role="none" ${cssProps({ 'height': `${total}px` })}>
        ${rows}
        ${this.hasMore ? html`<div class="more muted" role="none" ${cssProps({ 'top': `${this.runs.length * ROW}px` })}>Loading more…</div>` : nothing}
      </div>
    </div>`;
  }

  private row(run: HistoryRun, index: number, now: number) {
    const name = basename(run.script);
    const durationMs = run.status === 'running' ? now - run.startedAt : run.durationMs;
    return html`<div
      class=${index === this.activeIndex() ? 'row active' : 'row'}
      id=${`run-row-${index}`}
      role="option"
      data-run-id=${run.id}
      aria-selected=${run.id === this.selectedId ? 'true' : 'false'}
      aria-posinset=${index + 1}
      aria-setsize=${this.hasMore ? -1 : this.runs.length}
      title=${`${run.script}\n${STATUS_LABEL[run.status] ?? run.status} · started ${dateTime(run.startedAt)}`}
      ${cssProps({ 'top': `${index * ROW}px` })}
      @click=${() => this.open(run.id)}
    >
      <span class="sr-only">${spokenRun({ name, status: run.status, durationMs, failedStep: run.failedStep, profile: run.profile })}, started ${relativeTime(run.startedAt, now)}</span>
      <sf-icon class=${run.status} name=${statusIcon(run.status)} ?spin=${run.status === 'running'} aria-hidden="true"></sf-icon>
      <span class="name ellipsis" aria-hidden="true">${name}</span>
      <span class="duration muted" aria-hidden="true">${formatDuration(durationMs)}</span>
      <span class="sub" aria-hidden="true">
        <span class="muted" title=${dateTime(run.startedAt)}>${relativeTime(run.startedAt, now)}</span>
        <span class="muted mono">${run.id.slice(0, 8)}</span>
        ${run.profile ? html`<span class="tag">${run.profile}</span>` : nothing}
        ${run.host ? html`<span class="tag host" title=${run.user ? `${run.user}@${run.host}` : run.host}>${run.host}</span>` : nothing}
        ${run.failedStep ? html`<span class="failed-step ellipsis">✗ ${run.failedStep}</span>` : nothing}
      </span>
    </div>`;
  }

  /** Index of the keyboard's row: the one it moved to, else the selected run, else the first. */
  private activeIndex(): number {
    const id = this.activeId ?? this.selectedId;
    const index = id ? this.runs.findIndex((r) => r.id === id) : -1;
    return index >= 0 ? index : 0;
  }

  private onScroll(e: Event): void {
    this.viewTop = (e.target as HTMLElement).scrollTop;
  }

  private onKey(e: KeyboardEvent): void {
    if (this.runs.length === 0) return;
    const index = this.activeIndex();
    const page = Math.max(1, Math.floor(this.viewHeight / ROW) - 1);
    const last = this.runs.length - 1;
    const to: Record<string, number> = {
      ArrowDown: index + 1, ArrowUp: index - 1, PageDown: index + page, PageUp: index - page, Home: 0, End: last,
    };
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.open(this.runs[index]!.id);
      return;
    }
    if (!(e.key in to)) return;
    e.preventDefault();
    const next = Math.min(last, Math.max(0, to[e.key]!));
    this.activeId = this.runs[next]!.id;
    const top = next * ROW;
    if (top < this.scroller.scrollTop) this.scroller.scrollTop = top;
    else if (top + ROW > this.scroller.scrollTop + this.viewHeight) this.scroller.scrollTop = top + ROW - this.viewHeight;
    this.viewTop = this.scroller.scrollTop;
  }

  private open(runId: string): void {
    this.activeId = runId;
    this.dispatchEvent(new CustomEvent<string>('select', { detail: runId }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sf-run-list': SfRunList;
  }
}
