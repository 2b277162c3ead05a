import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { cssProps } from './cssProps';
import { formatDuration } from '../../sidecar/protocol/format';
import type { HistoryRun } from '../../sidecar/protocol/history';
import type { RunRecord, StepRecord } from '../../sidecar/protocol/model';
import { compareRuns, dateTime } from '../runView';
import { base, statusIcon } from './theme';
import './sf-icon';

/** This run against another run of the same script, step by step. `compare-change` (detail: run id). */
@customElement('sf-compare')
export class SfCompare extends LitElement {
  static override styles = [
    base,
    css`
      :host { display: block; }
      .pick { display: flex; align-items: center; gap: 8px; margin-bottom: 8px; }
      table { width: 100%; border-collapse: collapse; }
      th { text-align: left; font-size: 11px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--vscode-descriptionForeground, #9d9d9d); padding: 4px 8px; border-bottom: 1px solid var(--vscode-panel-border, #2b2b2b); }
      td { padding: 3px 8px; border-bottom: 1px solid var(--vscode-panel-border, rgba(128, 128, 128, 0.15)); }
      .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
      .cell { display: inline-flex; align-items: center; gap: 4px; }
      .slower { color: var(--vscode-errorForeground, #f85149); }
      .faster { color: var(--vscode-testing-iconPassed, #73c991); }
      tfoot td { font-weight: 600; border-bottom: none; }
      .empty { padding: 12px 0; }
    `,
  ];

  @property({ attribute: false }) run: RunRecord | null = null;
  @property({ attribute: false }) other: RunRecord | null = null;
  @property({ attribute: false }) candidates: HistoryRun[] = [];
  @property() otherId: string | null = null;

  override render() {
    if (!this.run) return nothing;
    const picker = html`<div class="pick">
      <span class="muted">Compare with</span>
      <select aria-label="Compare with" @change=${(e: Event) => this.dispatchEvent(new CustomEvent('compare-change', { detail: (e.target as HTMLSelectElement).value || null }))}>
        <option value="" ?selected=${!this.otherId}>—</option>
        ${this.candidates.map((r) => html`<option value=${r.id} ?selected=${r.id === this.otherId}>${dateTime(r.startedAt)} · ${r.status} · ${formatDuration(r.durationMs)} · ${r.id.slice(0, 8)}</option>`)}
      </select>
    </div>`;
    if (this.candidates.length === 0) return html`${picker}<div class="empty muted">No other run of this script to compare with.</div>`;
    if (!this.other) return html`${picker}<div class="empty muted">${this.otherId ? 'Loading…' : 'Pick a run.'}</div>`;
    const rows = compareRuns(this.other, this.run);
    const total = this.other.durationMs !== null && this.run.durationMs !== null ? this.run.durationMs - this.other.durationMs : null;
    return html`${picker}
      <table aria-label="Step comparison">
        <thead><tr><th>Step</th><th class="num">Other run</th><th class="num">This run</th><th class="num">Δ</th></tr></thead>
        <tbody>
          ${rows.map(
            (r) => html`<tr>
              <td><span ${cssProps({ 'padding-left': `${r.depth * 16}px` })}>${r.path[r.path.length - 1]}</span></td>
              <td class="num">${this.cell(r.a)}</td>
              <td class="num">${this.cell(r.b)}</td>
              <td class="num ${delta(r.deltaMs)}">${r.deltaMs === null ? '—' : signed(r.deltaMs)}</td>
            </tr>`,
          )}
        </tbody>
        <tfoot><tr><td>Run</td><td class="num">${formatDuration(this.other.durationMs)}</td><td class="num">${formatDuration(this.run.durationMs)}</td><td class="num ${delta(total)}">${total === null ? '—' : signed(total)}</td></tr></tfoot>
      </table>`;
  }

  private cell(step: StepRecord | null) {
    if (!step) return html`<span class="muted">absent</span>`;
    return html`<span class="cell"><sf-icon class=${step.status} name=${statusIcon(step.status)}></sf-icon>${formatDuration(step.durationMs)}</span>`;
  }
}

function delta(ms: number | null): string {
  if (ms === null || Math.abs(ms) < 50) return '';
  return ms > 0 ? 'slower' : 'faster';
}

function signed(ms: number): string {
  return `${ms > 0 ? '+' : ms < 0 ? '−' : '±'}${formatDuration(Math.abs(ms))}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'sf-compare': SfCompare;
  }
}
