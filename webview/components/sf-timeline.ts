import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { cssProps } from './cssProps';
import { formatDuration } from '../../sidecar/protocol/format';
import type { RunRecord } from '../../sidecar/protocol/model';
import { stepRows } from '../runView';
import { shownStatus, shownStatusNote } from '../../sidecar/protocol/results';
import { spokenDuration, spokenStatus } from '../../sidecar/protocol/spoken';
import { base, statusIcon } from './theme';
import './sf-icon';

/**
 * A Gantt chart of a run's steps: one row per step (children indented), bars placed by
 * start and duration on the run's time axis; running steps grow until they finish.
 * Clicking a row emits `step-click` (detail: step id). For screen readers a table of rows
 * (the step, then its status and time in words); the keyboard works the step table below,
 * which has the same steps.
 */
@customElement('sf-timeline')
export class SfTimeline extends LitElement {
  static override styles = [
    base,
    css`
      :host { display: block; }
      .grid { display: grid; grid-template-columns: minmax(140px, 28%) 1fr; }
      .grid > [role='row'] { display: contents; }
      .axis { position: relative; height: 20px; border-bottom: 1px solid var(--vscode-panel-border, #2b2b2b); }
      .tick { position: absolute; top: 3px; font-size: 11px; transform: translateX(-50%); white-space: nowrap; }
      .tick:first-child { transform: none; }
      .name { display: flex; align-items: center; gap: 4px; height: 24px; padding-right: 8px; min-width: 0; cursor: pointer; }
      .track { position: relative; height: 24px; cursor: pointer; }
      .row:hover, .row:hover + .track { background: var(--vscode-list-hoverBackground, #2a2d2e); }
      .gridline { position: absolute; top: 0; bottom: 0; width: 1px; background: var(--vscode-panel-border, #2b2b2b); }
      .bar {
        position: absolute; top: 6px; height: 12px; min-width: 2px; border-radius: 2px;
        background: var(--vscode-charts-green, #89d185);
      }
      .bar.failed { background: var(--vscode-charts-red, #f14c4c); }
      .bar.cancelled { background: var(--vscode-disabledForeground, #6e7681); }
      .bar.running {
        background: repeating-linear-gradient(-45deg, var(--vscode-charts-blue, #3794ff) 0 6px, transparent 6px 10px), var(--vscode-charts-blue, #3794ff);
        opacity: 0.85;
      }
      .label { position: absolute; top: 4px; font-size: 11px; white-space: nowrap; }
      .empty { padding: 12px 0; }
    `,
  ];

  @property({ attribute: false }) run: RunRecord | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;

  override updated(): void {
    const running = this.run?.status === 'running';
    if (running && !this.timer) this.timer = setInterval(() => this.requestUpdate(), 500);
    if (!running && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  override render() {
    const run = this.run;
    if (!run) return nothing;
    const rows = stepRows(run.steps);
    if (rows.length === 0) return html`<div class="empty muted">No steps recorded${run.status === 'running' ? ' yet' : ''}.</div>`;
    const start = Date.parse(run.startedAt);
    const now = Date.now();
    const end = run.endedAt ? Date.parse(run.endedAt) : now;
    const total = Math.max(1, end - start);
    const ticks = niceTicks(total);
    const pct = (ms: number) => `${Math.min(100, Math.max(0, (ms / total) * 100))}%`;
    return html`<div class="grid" role="table" aria-label="Step timeline">
      <div class="axis" aria-hidden="true"></div>
      <div class="axis" aria-hidden="true">${ticks.map((t) => html`<span class="tick muted" ${cssProps({ 'left': pct(t) })}>${formatDuration(t)}</span>`)}</div>
      ${rows.map(({ step, depth }) => {
        const from = step.startedAt - start;
        const duration = step.durationMs ?? (step.status === 'running' ? now - step.startedAt : 0);
        const leftPct = (from / total) * 100;
        const widthPct = (duration / total) * 100;
        const labelInside = leftPct + widthPct > 80;
        const click = () => this.dispatchEvent(new CustomEvent<number>('step-click', { detail: step.id }));
        // A step with a failed descendant is shown failed, whatever its script said.
        const shown = shownStatus(step);
        const note = shownStatusNote(step);
        return html`<div role="row">
          <div class="name row" role="rowheader" data-step-id=${step.id} data-status=${shown} ${cssProps({ 'padding-left': `${depth * 14 + 2}px` })} title=${note ? `${step.name} — ${note}` : step.name} @click=${click}>
            <sf-icon class=${shown} name=${statusIcon(shown)} ?spin=${shown === 'running'}></sf-icon>
            <span class="ellipsis">${step.name}</span>
          </div>
          <div class="track" role="cell" @click=${click}>
            <span class="sr-only">${spokenStatus(shown)}${note ? `, ${note}` : ''}, ${spokenDuration(duration)}, from ${spokenDuration(from)} after the start</span>
            ${ticks.map((t) => html`<span class="gridline" ${cssProps({ 'left': pct(t) })}></span>`)}
            <span
              class="bar ${shown}"
              title=${`${step.name}: ${formatDuration(duration)} (from +${formatDuration(from)})${note ? ` — ${note}` : ''}`}
              ${cssProps({ 'left': pct(from), width: `${Math.max(0, Math.min(widthPct, 100 - leftPct))}%` })}
            ></span>
            ${labelInside ? nothing : html`<span class="label muted" ${cssProps({ left: `calc(${leftPct + widthPct}% + 6px)` })}>${formatDuration(duration)}</span>`}
          </div>
        </div>`;
      })}
    </div>`;
  }
}

/** 0 and 3–6 round time marks within `total` ms. */
function niceTicks(total: number): number[] {
  const steps = [100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000];
  const step = steps.find((s) => total / s <= 6) ?? Math.ceil(total / 6 / 3_600_000) * 3_600_000;
  const out: number[] = [];
  for (let t = 0; t < total; t += step) out.push(t);
  return out;
}

declare global {
  interface HTMLElementTagNameMap {
    'sf-timeline': SfTimeline;
  }
}
