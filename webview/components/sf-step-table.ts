import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { cssProps } from './cssProps';
import { formatDuration } from '../../sidecar/protocol/format';
import type { StepStatistic } from '../../sidecar/protocol/statistics';
import type { RunRecord, StepRecord } from '../../sidecar/protocol/model';
import { statKey, stepRows } from '../runView';
import { shownStatus, shownStatusNote } from '../../sidecar/protocol/results';
import { baselineWithout, ownDurations, stepVerdict } from '../../sidecar/protocol/usual';
import { formatSpread } from '../../sidecar/protocol/format';
import { spokenDuration } from '../../sidecar/protocol/spoken';
import { spokenStep } from '../../sidecar/protocol/spoken';
import { base, statusIcon } from './theme';
import './sf-icon';

/**
 * The steps of a run with their durations against the usual time (mean ± σ of the
 * script's history without this run, as in the report), errors and warnings. "Slower" /
 * "much slower" only where the step carries its outlier warning (protocol/usual.ts), so
 * the column never contradicts the warning beside it. `jump` (detail: step id) opens the step's log;
 * clicking a step with history fires `step-select` (detail: its stat key) to show its trend.
 * Keyboard: the rows are one tab stop (↑ ↓ Home End move, outlined); Enter opens the step's
 * log, Space shows its trend. Each row is named in words for screen readers (spoken.ts).
 */
@customElement('sf-step-table')
export class SfStepTable extends LitElement {
  static override styles = [
    base,
    css`
      :host { display: block; }
      table { width: 100%; border-collapse: collapse; table-layout: fixed; }
      th {
        text-align: left; font-weight: 600; font-size: 11px; text-transform: uppercase; letter-spacing: 0.04em;
        color: var(--vscode-descriptionForeground, #9d9d9d); padding: 4px 8px; border-bottom: 1px solid var(--vscode-panel-border, #2b2b2b);
      }
      td { padding: 3px 8px; vertical-align: top; border-bottom: 1px solid var(--vscode-panel-border, rgba(128, 128, 128, 0.15)); }
      tr:hover td { background: var(--vscode-list-hoverBackground, #2a2d2e); }
      tr.pickable { cursor: pointer; }
      tr:focus { outline: none; }
      tr:focus-visible td { box-shadow: inset 0 1px 0 var(--vscode-focusBorder, #0078d4), inset 0 -1px 0 var(--vscode-focusBorder, #0078d4); }
      tr:focus-visible td:first-child { box-shadow: inset 1px 1px 0 var(--vscode-focusBorder, #0078d4), inset 0 -1px 0 var(--vscode-focusBorder, #0078d4); }
      tr:focus-visible td:last-child { box-shadow: inset -1px 1px 0 var(--vscode-focusBorder, #0078d4), inset 0 -1px 0 var(--vscode-focusBorder, #0078d4); }
      tr.chosen td { background: var(--vscode-list-inactiveSelectionBackground, transparent); }
      tr.chosen { outline: 1px dotted var(--vscode-contrastActiveBorder, transparent); outline-offset: -1px; }
      /* On the selection's background the muted and coloured texts lose their contrast: the theme's selection text colour; the icons keep their colour. */
      tr.chosen td, tr.chosen .muted, tr.chosen .verdict, tr.chosen button.link, tr.chosen .detail { color: var(--vscode-list-inactiveSelectionForeground, var(--vscode-foreground, #cccccc)); }
      tr.chosen .verdict sf-icon { color: var(--vscode-editorWarning-foreground, #cca700); }
      .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
      .step { display: flex; align-items: center; gap: 5px; min-width: 0; }
      .detail { font-size: 12px; margin-top: 2px; display: flex; gap: 4px; align-items: flex-start; overflow-wrap: anywhere; }
      .detail sf-icon { transform: scale(0.85); }
      .faster { color: var(--vscode-testing-iconPassed, #73c991); }
      .slower { color: var(--vscode-editorWarning-foreground, #cca700); }
      .much-slower { color: var(--vscode-errorForeground, #f85149); font-weight: 600; }
      button.link { background: none; border: none; padding: 0; color: var(--vscode-textLink-foreground, #4daafc); cursor: pointer; font: inherit; }
      button.link:hover { text-decoration: underline; }
      col.c-dur { width: 90px; } col.c-usual { width: 130px; } col.c-vs { width: 120px; } col.c-log { width: 70px; }
    `,
  ];

  @property({ attribute: false }) run: RunRecord | null = null;
  @property({ attribute: false }) stats: Map<string, StepStatistic> = new Map();
  /** The step whose trend is shown (stat key), marked. */
  @property({ attribute: false }) selectedKey: string | null = null;
  /** The row that is the table's tab stop (step id); the first row until the keys move it. */
  @state() private focusedId: number | null = null;

  override render() {
    if (!this.run) return nothing;
    const rows = stepRows(this.run.steps);
    if (rows.length === 0) return nothing;
    const now = Date.now();
    const own = ownDurations(this.run.steps);
    const focused = rows.some((r) => r.step.id === this.focusedId) ? this.focusedId : rows[0]!.step.id;
    return html`<table aria-label="Steps" @keydown=${(e: KeyboardEvent) => this.onKey(e, rows.map((r) => r.step.id))}>
      <colgroup><col /><col class="c-dur" /><col class="c-usual" /><col class="c-vs" /><col class="c-log" /></colgroup>
      <thead><tr><th>Step</th><th class="num">Duration</th><th class="num">Usual</th><th>vs usual</th><th><span class="sr-only">Log</span></th></tr></thead>
      <tbody>
        ${rows.map(({ step, depth, path }) => {
          const key = statKey(path);
          const stat = this.stats.get(key);
          const usual = baselineWithout(stat, own.get(key) ?? []);
          const duration = step.durationMs ?? (step.status === 'running' ? now - step.startedAt : null);
          const v = stepVerdict(step, usual);
          const shown = shownStatus(step);
          const chosen = stat !== undefined && key === this.selectedKey;
          const outlier = v.outlier?.severity === 'critical' ? 'critical' : v.outlier ? 'warning' : null;
          const spoken = spokenStep({
            name: step.name, status: shown, durationMs: duration, note: shownStatusNote(step), slower: outlier,
            errors: step.error ? 1 : 0, warnings: step.warnings.filter((w) => w.type !== 'outlier').length,
          });
          return html`<tr
            data-step-id=${step.id}
            class=${stat ? (chosen ? 'pickable chosen' : 'pickable') : ''}
            tabindex=${step.id === focused ? 0 : -1}
            aria-label=${`${spoken}${usual ? `, usually ${spokenDuration(usual.meanMs)}` : ''}`}
            aria-selected=${stat ? (chosen ? 'true' : 'false') : nothing}
            title=${stat ? 'Click or press Space to show the duration trend of this step; Enter shows it in the log' : 'Enter shows this step in the log'}
            @focus=${() => (this.focusedId = step.id)}
            @click=${stat ? () => this.selectStep(key) : nothing}
            @keydown=${(e: KeyboardEvent) => this.onRowKey(e, step.id, stat ? key : null)}
          >
            <td>
              <div class="step" ${cssProps({ 'padding-left': `${depth * 16}px` })}>
                <sf-icon class=${shown} name=${statusIcon(shown)} ?spin=${shown === 'running'}></sf-icon>
                <span class="ellipsis" title=${step.name}>${step.name}</span>
              </div>
              ${this.details(step, depth)}
            </td>
            <td class="num">${formatDuration(duration)}</td>
            <td class="num muted usual-time" title=${usual && stat ? `${usual.count} earlier runs · min ${formatDuration(stat.minMs)} · max ${formatDuration(stat.maxMs)}` : 'no history yet'}>
              ${usual ? html`${formatDuration(usual.meanMs)}${usual.stdDevMs ? html` ${formatSpread(usual.stdDevMs)}` : nothing}` : '—'}
            </td>
            <td class="verdict ${v.kind}" title=${v.outlier ? v.outlier.message : nothing}>${v.outlier ? html`<sf-icon name="warning"></sf-icon> ` : nothing}${v.label}</td>
            <td><button class="link" tabindex="-1" title="Show this step in the log (Enter on the row)" aria-label=${`Show ${step.name} in the log`} @click=${() => this.jump(step.id)}>Log</button></td>
          </tr>`;
        })}
      </tbody>
    </table>`;
  }

  private details(step: StepRecord, depth: number) {
    const note = shownStatusNote(step);
    if (!step.error && step.warnings.length === 0 && !note) return nothing;
    const indent = `${depth * 16 + 21}px`;
    const where = (file: string | null, line: number | null) => (file ? ` — ${file}${line ? `:${line}` : ''}` : '');
    return html`
      ${note ? html`<div class="detail error-text child-failed" ${cssProps({ 'padding-left': indent })}><sf-icon name="error"></sf-icon><span>${note}</span></div>` : nothing}
      ${step.error ? html`<div class="detail error-text" ${cssProps({ 'padding-left': indent })}><sf-icon name="error"></sf-icon><span>${step.error.message}${where(step.error.file, step.error.line)}</span></div>` : nothing}
      ${step.warnings.map(
        (w) => html`<div class="detail warn" ${cssProps({ 'padding-left': indent })}><sf-icon name="warning"></sf-icon><span>${w.message}${where(w.file, w.line)}</span></div>`,
      )}
    `;
  }

  /** ↑ ↓ Home End: the focus moves along the rows (the rows are read from the table as rendered). */
  private onKey(e: KeyboardEvent, ids: number[]): void {
    const at = ids.indexOf(this.focusedId ?? ids[0]!);
    const to: Record<string, number> = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: ids.length - 1 };
    if (!(e.key in to) || (e.target as HTMLElement).tagName !== 'TR') return;
    e.preventDefault();
    const id = ids[Math.min(ids.length - 1, Math.max(0, to[e.key]!))]!;
    this.focusedId = id;
    this.renderRoot.querySelector<HTMLElement>(`tr[data-step-id="${id}"]`)?.focus();
  }

  private onRowKey(e: KeyboardEvent, stepId: number, key: string | null): void {
    if (e.target !== e.currentTarget) return;
    if (e.key === 'Enter') {
      e.preventDefault();
      this.jump(stepId);
    } else if (e.key === ' ' && key) {
      e.preventDefault();
      this.selectStep(key);
    }
  }

  private selectStep(key: string): void {
    this.dispatchEvent(new CustomEvent<string>('step-select', { detail: key }));
  }

  private jump(stepId: number): void {
    this.dispatchEvent(new CustomEvent<number>('jump', { detail: stepId }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sf-step-table': SfStepTable;
  }
}
