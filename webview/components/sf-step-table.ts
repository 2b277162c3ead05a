import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { cssProps } from './cssProps';
import { formatDuration } from '../../sidecar/protocol/format';
import type { StepStatistic } from '../../sidecar/protocol/statistics';
import type { RunRecord, StepRecord } from '../../sidecar/protocol/model';
import { statKey, stepRows } from '../runView';
import { shownStatus, shownStatusNote } from '../../sidecar/protocol/results';
import { baselineWithout, ownDurations, stepVerdict } from '../../sidecar/protocol/usual';
import { formatSpread } from '../../sidecar/protocol/format';
import { base, statusIcon } from './theme';
import './sf-icon';

/**
 * The steps of a run with their durations against the usual time (mean ± σ of the
 * script's history without this run, as in the report), errors and warnings. "Slower" /
 * "much slower" only where the step carries its outlier warning (protocol/usual.ts), so
 * the column never contradicts the warning beside it. `jump` (detail: step id) opens the step's log;
 * clicking a step with history fires `step-select` (detail: its stat key) to show its trend.
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
      tr.chosen td { background: var(--vscode-list-inactiveSelectionBackground, #37373d); }
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

  override render() {
    if (!this.run) return nothing;
    const rows = stepRows(this.run.steps);
    if (rows.length === 0) return nothing;
    const now = Date.now();
    const own = ownDurations(this.run.steps);
    return html`<table aria-label="Steps">
      <colgroup><col /><col class="c-dur" /><col class="c-usual" /><col class="c-vs" /><col class="c-log" /></colgroup>
      <thead><tr><th>Step</th><th class="num">Duration</th><th class="num">Usual</th><th>vs usual</th><th></th></tr></thead>
      <tbody>
        ${rows.map(({ step, depth, path }) => {
          const key = statKey(path);
          const stat = this.stats.get(key);
          const usual = baselineWithout(stat, own.get(key) ?? []);
          const duration = step.durationMs ?? (step.status === 'running' ? now - step.startedAt : null);
          const v = stepVerdict(step, usual);
          const shown = shownStatus(step);
          const chosen = stat !== undefined && key === this.selectedKey;
          return html`<tr
            data-step-id=${step.id}
            class=${stat ? (chosen ? 'pickable chosen' : 'pickable') : ''}
            aria-selected=${stat ? (chosen ? 'true' : 'false') : nothing}
            title=${stat ? 'Click to show the duration trend of this step' : nothing}
            @click=${stat ? () => this.selectStep(key) : nothing}
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
            <td><button class="link" title="Show this step in the log" @click=${() => this.jump(step.id)}>Log</button></td>
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
