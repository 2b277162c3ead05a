import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { RunRecord } from '../../sidecar/protocol/model';
import { estimateProgress } from '../../sidecar/protocol/progress';
import type { RunExpectations } from '../../sidecar/protocol/stats';
import { progressLabel } from '../runView';
import { cssProps } from './cssProps';
import { base } from './theme';

/** Time between re-estimates: the remaining time is shown in whole seconds. */
const TICK_MS = 1000;

/**
 * Progress bar and "45 % · ≈ 12 s left" (protocol/format.ts formatProgress) of a running run,
 * from what history expects of it (or its META markers). Re-estimates every second while the run is running and the element
 * is in the page; renders nothing when there is no estimate.
 */
@customElement('sf-run-progress')
export class SfRunProgress extends LitElement {
  static override styles = [
    base,
    css`
      :host { display: block; }
      .progress { display: flex; align-items: center; gap: 8px; margin: 6px 0 0 24px; font-size: 12px; }
      .track {
        width: 180px; height: 4px; border-radius: 2px; overflow: hidden;
        background: var(--vscode-editorWidget-border, rgba(128, 128, 128, 0.3));
      }
      .fill { height: 100%; background: var(--vscode-progressBar-background, #0078d4); transition: width 0.9s linear; }
      .text { font-variant-numeric: tabular-nums; }
    `,
  ];

  @property({ attribute: false }) run: RunRecord | null = null;
  /** undefined while not known yet; null when the script has no history. */
  @property({ attribute: false }) expectations: RunExpectations | null | undefined = undefined;

  private timer: ReturnType<typeof setInterval> | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    this.syncTimer();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.syncTimer();
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    this.syncTimer();
  }

  override render() {
    const run = this.run;
    if (!run || run.status !== 'running') return nothing;
    const progress = estimateProgress(run, this.expectations, Date.now());
    const label = progressLabel(progress);
    if (!progress || !label) return nothing;
    const percent = progress.fraction !== null ? Math.floor(progress.fraction * 100) : null;
    return html`<div class="progress" title=${progress.source === 'history' ? 'Estimated from recent successful runs' : "Estimated from the script's META markers"}>
      ${percent !== null
        ? html`<div class="track" role="progressbar" aria-label="Run progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${percent}>
            <div class="fill" ${cssProps({ width: `${percent}%` })}></div>
          </div>`
        : nothing}
      <span class="text" aria-live="off">${label}</span>
    </div>`;
  }

  /** A timer exactly while there is a running run to re-estimate and a page to show it in. */
  private syncTimer(): void {
    const wanted = this.isConnected && this.run?.status === 'running';
    if (wanted && !this.timer) this.timer = setInterval(() => this.requestUpdate(), TICK_MS);
    else if (!wanted && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sf-run-progress': SfRunProgress;
  }
}
