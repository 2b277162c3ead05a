import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { HistoryQuery } from '../../sidecar/protocol/history';
import { basename } from '../runView';
import { base, STATUS_LABEL } from './theme';
import './sf-icon';

/**
 * Search and filters above the run list. Emits `query-change` (detail: the changed fields)
 * and `refresh`. The search text is sent 300 ms after typing stops, or at once on Enter.
 */
@customElement('sf-filters')
export class SfFilters extends LitElement {
  static override styles = [
    base,
    css`
      :host { display: flex; align-items: center; gap: 6px; padding: 6px 10px; flex-wrap: wrap; }
      .search { position: relative; flex: 1 1 260px; min-width: 180px; max-width: 520px; display: flex; }
      .search sf-icon { position: absolute; left: 6px; top: 4px; color: var(--vscode-input-placeholderForeground, #989898); pointer-events: none; }
      .search input { flex: 1; padding-left: 26px; }
      label { display: inline-flex; align-items: center; gap: 4px; }
      label span { font-size: 11px; text-transform: uppercase; letter-spacing: 0.04em; }
      select { max-width: 200px; }
      input[type='date'] { width: 130px; color-scheme: inherit; }
      .spacer { flex: 1; }
    `,
  ];

  @property({ attribute: false }) query: HistoryQuery = {};
  @property({ attribute: false }) scripts: string[] = [];
  @property({ attribute: false }) profiles: string[] = [];
  @property({ type: Boolean }) busy = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  override render() {
    const q = this.query;
    const since = q.since !== undefined ? toDateInput(q.since) : '';
    const scripts = [...new Set([...this.scripts, ...(q.script ? [q.script] : [])])].sort((a, b) => basename(a).localeCompare(basename(b)));
    const profiles = [...new Set([...this.profiles, ...(q.profile ? [q.profile] : [])])].sort();
    return html`
      <div class="search">
        <sf-icon name="search"></sf-icon>
        <input
          type="search"
          aria-label="Search runs and logs"
          placeholder="Search runs and logs"
          .value=${q.search ?? ''}
          @input=${this.onSearchInput}
          @keydown=${this.onSearchKey}
        />
      </div>
      <label><span class="muted">Status</span>
        <select aria-label="Status" @change=${(e: Event) => this.emit({ status: value(e) ? [value(e)] : [] })}>
          <option value="" ?selected=${!q.status?.length}>All</option>
          ${Object.entries(STATUS_LABEL).map(([status, label]) => html`<option value=${status} ?selected=${q.status?.[0] === status}>${label}</option>`)}
        </select>
      </label>
      <label><span class="muted">Script</span>
        <select aria-label="Script" @change=${(e: Event) => this.emit({ script: value(e) })}>
          <option value="" ?selected=${!q.script}>All</option>
          ${scripts.map((s) => html`<option value=${s} title=${s} ?selected=${q.script === s}>${basename(s)}</option>`)}
        </select>
      </label>
      <label><span class="muted">Profile</span>
        <select aria-label="Profile" @change=${(e: Event) => this.emit({ profile: value(e) })}>
          <option value="" ?selected=${!q.profile}>All</option>
          ${profiles.map((p) => html`<option value=${p} ?selected=${q.profile === p}>${p}</option>`)}
        </select>
      </label>
      <label><span class="muted">Since</span>
        <input type="date" aria-label="Since" .value=${since} @change=${this.onSince} />
      </label>
      <span class="spacer"></span>
      <button class="icon" title="Clear filters" aria-label="Clear filters" @click=${this.clear}><sf-icon name="clear-all"></sf-icon></button>
      <button class="icon" title="Refresh" aria-label="Refresh" @click=${() => this.dispatchEvent(new CustomEvent('refresh'))}>
        <sf-icon name="refresh" ?spin=${this.busy}></sf-icon>
      </button>
    `;
  }

  private onSearchInput(e: Event): void {
    const text = (e.target as HTMLInputElement).value;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.emit({ search: text }), 300);
  }

  private onSearchKey(e: KeyboardEvent): void {
    if (e.key !== 'Enter') return;
    if (this.timer) clearTimeout(this.timer);
    this.emit({ search: (e.target as HTMLInputElement).value });
  }

  private onSince(e: Event): void {
    const raw = (e.target as HTMLInputElement).value;
    this.emit({ since: raw ? new Date(`${raw}T00:00:00`).getTime() : undefined });
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.emit({ search: undefined, status: undefined, script: undefined, profile: undefined, since: undefined, until: undefined });
  }

  private emit(patch: Partial<HistoryQuery>): void {
    this.dispatchEvent(new CustomEvent<Partial<HistoryQuery>>('query-change', { detail: patch }));
  }
}

function value(e: Event): string {
  return (e.target as HTMLSelectElement).value;
}

function toDateInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'sf-filters': SfFilters;
  }
}
