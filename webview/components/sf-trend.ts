import { LitElement, css, html, nothing, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { formatDuration } from '../../sidecar/protocol/format';
import type { StepStatistic } from '../../sidecar/protocol/statistics';
import type { RunRecord } from '../../sidecar/protocol/model';
import { pickTrend, trendChoices, type TrendChoice } from '../runView';
import { trendPlot } from '../trendPlot';
import { base } from './theme';

/**
 * One step's recent durations as an inline SVG plot: the points joined by a line, the mean
 * (dashed) inside its ±σ band, and this run's own duration highlighted at the right. A
 * <select> (or `stepKey`, set when a step row is clicked) chooses the step; `step-select`
 * (detail: the step's stat key) reports a choice. Step names are data: only bindings.
 */
@customElement('sf-trend')
export class SfTrend extends LitElement {
  static override styles = [
    base,
    css`
      :host { display: block; margin-top: 20px; }
      header { display: flex; align-items: center; gap: 8px; margin-bottom: 6px; }
      h3 { margin: 0; font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em; color: var(--vscode-descriptionForeground, #9d9d9d); }
      select { max-width: 320px; }
      .facts { font-size: 12px; margin-left: auto; }
      svg { display: block; width: 100%; max-width: 720px; height: auto; overflow: visible; }
      .axis { stroke: var(--vscode-panel-border, #3c3c3c); stroke-width: 1; }
      .grid { stroke: var(--vscode-panel-border, rgba(128, 128, 128, 0.25)); stroke-width: 1; stroke-dasharray: 2 3; }
      .label { fill: var(--vscode-descriptionForeground, #9d9d9d); font-size: 10px; font-family: var(--vscode-font-family, system-ui, sans-serif); }
      .band { fill: var(--vscode-charts-blue, #3794ff); fill-opacity: 0.2; }
      .mean { stroke: var(--vscode-charts-blue, #3794ff); stroke-width: 1; stroke-dasharray: 5 4; opacity: 0.9; }
      .line { fill: none; stroke: var(--vscode-charts-blue, #3794ff); stroke-width: 1.5; stroke-linejoin: round; }
      .point { fill: var(--vscode-charts-blue, #3794ff); stroke: var(--vscode-editor-background, #1f1f1f); stroke-width: 1; }
      .current { fill: var(--vscode-charts-orange, #d18616); stroke: var(--vscode-foreground, #cccccc); stroke-width: 1.5; }
      .current-label { fill: var(--vscode-charts-orange, #d18616); font-size: 10px; font-weight: 600; font-family: var(--vscode-font-family, system-ui, sans-serif); }
      .empty { font-size: 12px; }
    `,
  ];

  @property({ attribute: false }) run: RunRecord | null = null;
  @property({ attribute: false }) stats: Map<string, StepStatistic> = new Map();
  /** The step chosen by the user; null (or a step without statistics) picks a default. */
  @property({ attribute: false }) stepKey: string | null = null;

  override render() {
    if (!this.run) return nothing;
    const choices = trendChoices(this.run, this.stats);
    const chosen = pickTrend(choices, this.stepKey);
    if (!chosen || chosen.historyMs.length === 0) {
      return html`<header><h3>Duration trend</h3></header>
        <div class="empty muted">No duration history for this run's steps yet: the trend appears once they have succeeded in earlier runs.</div>`;
    }
    return html`
      <header>
        <h3 id="heading">Duration trend</h3>
        <select aria-label="Step whose duration trend is shown" @change=${(e: Event) => this.choose((e.target as HTMLSelectElement).value)}>
          ${choices.map((c) => html`<option value=${c.key} ?selected=${c.key === chosen.key}>${c.label}</option>`)}
        </select>
        <span class="facts muted">${this.facts(chosen)}</span>
      </header>
      ${this.plot(chosen)}
    `;
  }

  private facts({ stat, historyMs }: TrendChoice): string {
    const sigma = stat.stdDevMs ? ` ± ${formatDuration(stat.stdDevMs)}` : '';
    return `mean ${formatDuration(stat.meanMs)}${sigma} over ${stat.count} run${stat.count === 1 ? '' : 's'} · last ${historyMs.length} shown`;
  }

  private plot(choice: TrendChoice) {
    const { stat, currentMs, historyMs } = choice;
    const p = trendPlot({ durationsMs: historyMs, meanMs: stat.meanMs, stdDevMs: stat.stdDevMs ?? null, currentMs });
    const n = p.points.length;
    const sigma = stat.stdDevMs ? ` ± ${formatDuration(stat.stdDevMs)}` : '';
    const summary =
      `Duration trend of step “${choice.label}”: last ${n} duration${n === 1 ? '' : 's'}, oldest first, ` +
      `from ${formatDuration(Math.min(...historyMs))} to ${formatDuration(Math.max(...historyMs))}; ` +
      `mean ${formatDuration(stat.meanMs)}${sigma}` +
      (currentMs !== null ? `; this run ${formatDuration(currentMs)}` : '');
    return html`<svg viewBox="0 0 ${p.width} ${p.height}" role="img" aria-label=${summary} data-points=${n}>
      <title>${summary}</title>
      ${p.ticks.map(
        (t) => svg`<line class=${t.ms === 0 ? 'axis' : 'grid'} x1=${p.left} x2=${p.right} y1=${t.y} y2=${t.y}></line>
          <text class="label" x=${p.left - 6} y=${t.y} text-anchor="end" dominant-baseline="middle">${formatDuration(t.ms)}</text>`,
      )}
      ${p.band ? svg`<rect class="band" x=${p.left} width=${p.right - p.left} y=${p.band.top} height=${Math.max(0, p.band.bottom - p.band.top)}><title>mean ± σ: ${formatDuration(stat.meanMs)}${sigma}</title></rect>` : nothing}
      <line class="mean" x1=${p.left} x2=${p.right} y1=${p.meanY} y2=${p.meanY}><title>mean ${formatDuration(stat.meanMs)}</title></line>
      ${n > 1 ? svg`<polyline class="line" points=${p.line}></polyline>` : nothing}
      ${p.points.map(
        (pt, i) => svg`<circle class="point" cx=${pt.x} cy=${pt.y} r="3.5"><title>${i + 1} of ${n}${i === n - 1 ? ' (latest)' : ''}: ${formatDuration(pt.ms)}</title></circle>`,
      )}
      ${n > 1 ? svg`<text class="label" x=${p.left} y=${p.height - 6}>oldest</text>` : nothing}
      <text class="label" x=${p.points.at(-1)?.x ?? p.right} y=${p.height - 6} text-anchor=${n > 1 ? 'end' : 'middle'}>latest</text>
      ${p.current
        ? svg`<circle class="current" cx=${p.current.x} cy=${p.current.y} r="5"><title>this run: ${formatDuration(p.current.ms)}</title></circle>
          <text class="current-label" x=${p.current.x} y=${p.height - 6} text-anchor="middle">this run</text>`
        : nothing}
    </svg>`;
  }

  private choose(key: string): void {
    this.dispatchEvent(new CustomEvent<string>('step-select', { detail: key }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sf-trend': SfTrend;
  }
}
