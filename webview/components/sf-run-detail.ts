import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { formatDuration } from '../../sidecar/protocol/format';
import type { HistoryRun } from '../../sidecar/protocol/history';
import type { StepStatistic } from '../../sidecar/protocol/statistics';
import type { RunRecord } from '../../sidecar/protocol/model';
import type { LiveRun } from '../../sidecar/protocol/runState';
import type { RunExpectations } from '../../sidecar/protocol/stats';
import type { DetailTab, StepflowDataSource } from '../dataSource';
import type { LogFocus } from '../historyController';
import { basename, dateTime, pickTrend, stepRows, trendChoices } from '../runView';
import { base, statusIcon, STATUS_LABEL } from './theme';
import { runErrorShownAsRow } from '../../sidecar/protocol/results';
import './sf-artifacts';
import './sf-compare';
import './sf-icon';
import './sf-log-viewer';
import './sf-run-progress';
import './sf-step-table';
import './sf-summary';
import './sf-timeline';
import './sf-trend';

/**
 * The selected run: header (with progress and ETA while it runs), and tabs for its timeline +
 * steps + a step's duration trend, log, artifacts, the step summary ($GITHUB_STEP_SUMMARY, when the
 * run wrote one) and a comparison. It gets the controller's values, never the controller: a
 * change arrives as a new value, and what the user asks for leaves as an event (`tab-change`,
 * `focus-log`, `compare-change`, `cancel-run`, `close-run`).
 */
@customElement('sf-run-detail')
export class SfRunDetail extends LitElement {
  static override styles = [
    base,
    css`
      :host { display: flex; flex-direction: column; min-height: 0; height: 100%; }
      header { padding: 10px 16px 0; }
      .title { display: flex; align-items: center; gap: 8px; }
      .title h2 { margin: 0; font-size: 15px; font-weight: 600; }
      .title .path { font-size: 12px; }
      .title .actions { margin-left: auto; display: flex; gap: 6px; }
      .facts { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 6px 0 0 24px; font-size: 12px; }
      .facts b { font-weight: 600; }
      /* Status words are text: the theme's error text colour (icon colours are too light for text on light themes); the icon beside the title carries the colour. */
      .facts .status { color: inherit; }
      .facts .status.failed, .facts .status.timed_out { color: var(--vscode-list-errorForeground, var(--vscode-errorForeground, #f85149)); }
      .banner {
        margin: 8px 0 0 24px; padding: 4px 8px; display: flex; gap: 6px; align-items: center; font-size: 12px;
        border-left: 2px solid var(--vscode-errorForeground, #f85149);
        background: var(--vscode-inputValidation-errorBackground, rgba(241, 76, 76, 0.1));
      }
      nav { display: flex; gap: 0; margin-top: 10px; border-bottom: 1px solid var(--vscode-panel-border, #2b2b2b); padding: 0 8px; }
      nav button {
        background: none; border: none; border-bottom: 1px solid transparent; margin-bottom: -1px;
        padding: 6px 10px 5px; cursor: pointer; font: inherit; font-size: 11px; text-transform: uppercase; letter-spacing: 0.04em;
        color: var(--vscode-panelTitle-inactiveForeground, #9d9d9d);
      }
      nav button:hover { color: var(--vscode-panelTitle-activeForeground, #e7e7e7); }
      nav button[aria-selected='true'] {
        color: var(--vscode-panelTitle-activeForeground, #e7e7e7);
        border-bottom-color: var(--vscode-panelTitle-activeBorder, #0078d4);
      }
      nav .badge { margin-left: 4px; text-transform: none; }
      nav button:focus-visible { outline: 1px solid var(--vscode-focusBorder, #0078d4); outline-offset: -1px; }
      .body { flex: 1; min-height: 0; overflow: auto; padding: 12px 16px; }
      .body.log { display: flex; flex-direction: column; overflow: hidden; }
      .body.log sf-log-viewer { flex: 1; }
      sf-timeline { margin-bottom: 16px; }
      .missing { padding: 24px; }
    `,
  ];

  /** Reads the log and performs the actions that need no state (copy, open an artifact). */
  @property({ attribute: false }) source: StepflowDataSource | null = null;
  @property({ attribute: false }) live: LiveRun | null = null;
  /** The selected run no longer exists. */
  @property({ type: Boolean }) missing = false;
  @property() tab: DetailTab = 'timeline';
  @property({ attribute: false }) stats: Map<string, StepStatistic> = new Map();
  @property({ attribute: false }) expectations: RunExpectations | null | undefined = undefined;
  @property({ attribute: false }) compareRun: RunRecord | null = null;
  @property({ attribute: false }) compareCandidates: HistoryRun[] = [];
  @property() compareId: string | null = null;
  @property({ attribute: false }) logFocus: LogFocus | null = null;
  /** Live output of this run, as `output` events (HistoryController.liveOutput). */
  @property({ attribute: false }) liveOutput: EventTarget | null = null;
  /** Text to find in the log (the history search). */
  @property() find = '';
  /** The step whose trend is shown (its stat key), chosen in the step table or the trend's list; per run. */
  @state() private trendKey: string | null = null;
  private trendRunId: string | null = null;

  protected override willUpdate(): void {
    // A choice of step belongs to one run.
    const runId = this.live?.record.id ?? null;
    if (runId !== this.trendRunId) {
      this.trendRunId = runId;
      this.trendKey = null;
    }
  }

  override render() {
    if (this.missing) return html`<div class="missing muted">This run no longer exists (it may have been pruned).</div>`;
    const live = this.live;
    const source = this.source;
    if (!live || !source) return html`<div class="missing muted">Loading…</div>`;
    const run = live.record;
    const started = Date.parse(run.startedAt);
    const duration = run.durationMs ?? (run.status === 'running' ? Date.now() - started : null);
    const rows = stepRows(run.steps);
    const tab = this.tab;
    const trendKey = tab === 'timeline' ? (pickTrend(trendChoices(run, this.stats), this.trendKey)?.key ?? null) : null;
    // The tab pattern: one tab stop (the selected tab), ← → Home End move and select, the panel is labelled by its tab.
    const tabButton = (id: DetailTab, label: string, count?: number) =>
      html`<button role="tab" id=${`tab-${id}`} aria-selected=${tab === id ? 'true' : 'false'} aria-controls="tabpanel"
        tabindex=${tab === id ? 0 : -1} data-tab=${id} @click=${() => this.ask('tab-change', id)}>
        ${label}${count !== undefined ? html`<span class="badge">${count.toLocaleString()}</span>` : nothing}
      </button>`;
    return html`
      <header>
        <div class="title">
          <sf-icon class=${run.status} name=${statusIcon(run.status)} ?spin=${run.status === 'running'}></sf-icon>
          <h2>${basename(run.script)}</h2>
          <span class="path muted ellipsis" title=${run.script}>${run.script}</span>
          <span class="actions">
            ${run.status === 'running' && source.cancelRun
              ? html`<button class="secondary" @click=${() => this.ask('cancel-run', null)}><sf-icon name="debug-stop"></sf-icon>Cancel</button>`
              : nothing}
            <button class="icon" title="Copy run id" aria-label="Copy run id" @click=${() => void source.copyText(run.id)}><sf-icon name="copy"></sf-icon></button>
            <button class="icon" title="Close" aria-label="Close run" @click=${() => this.ask('close-run', null)}><sf-icon name="close"></sf-icon></button>
          </span>
        </div>
        <div class="facts">
          <span class="status ${run.status}"><b>${STATUS_LABEL[run.status] ?? run.status}</b>${run.exitCode !== null && run.exitCode !== 0 ? ` (exit ${run.exitCode})` : ''}${run.signal ? ` (${run.signal})` : ''}</span>
          <span><span class="muted">Started</span> ${dateTime(started)}</span>
          <span><span class="muted">Duration</span> ${formatDuration(duration)}</span>
          ${run.profile ? html`<span><span class="muted">Profile</span> ${run.profile}</span>` : nothing}
          ${run.args.length ? html`<span class="ellipsis"><span class="muted">Args</span> <span class="mono">${run.args.join(' ')}</span></span>` : nothing}
          <span><span class="muted">Id</span> <span class="mono">${run.id}</span></span>
        </div>
        <sf-run-progress .run=${run} .expectations=${this.expectations}></sf-run-progress>
        ${run.error && runErrorShownAsRow(run) ? html`<div class="banner"><sf-icon class="failed" name="error"></sf-icon><span>${run.error.message}</span></div>` : nothing}
        ${run.warnings.map((w) => html`<div class="banner"><sf-icon class="warn" name="warning"></sf-icon><span>${w.message}</span></div>`)}
        <nav role="tablist" aria-label="Run details" @keydown=${this.onTabKey}>
          ${tabButton('timeline', 'Timeline', rows.length)} ${tabButton('log', 'Log', run.lineCount)}
          ${tabButton('artifacts', 'Artifacts', run.artifacts.length)}
          ${run.summary || tab === 'summary' ? tabButton('summary', 'Summary') : nothing} ${tabButton('compare', 'Compare')}
        </nav>
      </header>
      <div class="body ${tab}" role="tabpanel" id="tabpanel" aria-labelledby=${`tab-${tab}`}>
        ${tab === 'timeline'
          ? html`<sf-timeline .run=${run} @step-click=${(e: CustomEvent<number>) => this.jump(e.detail)}></sf-timeline>
              <sf-step-table .run=${run} .stats=${this.stats} .selectedKey=${trendKey}
                @jump=${(e: CustomEvent<number>) => this.jump(e.detail)} @step-select=${(e: CustomEvent<string>) => (this.trendKey = e.detail)}></sf-step-table>
              <sf-trend .run=${run} .stats=${this.stats} .stepKey=${trendKey}
                @step-select=${(e: CustomEvent<string>) => (this.trendKey = e.detail)}></sf-trend>`
          : tab === 'log'
            ? html`<sf-log-viewer
                .source=${source}
                .outputSource=${this.liveOutput}
                .runId=${run.id}
                .lineCount=${run.lineCount}
                .running=${run.status === 'running'}
                .steps=${rows}
                .focusLine=${this.logFocus}
                .find=${this.find}
              ></sf-log-viewer>`
            : tab === 'artifacts'
              ? html`<sf-artifacts .artifacts=${run.artifacts} .action=${source.artifactAction} @open=${(e: CustomEvent<number>) => void source.openArtifact(run.id, e.detail)}></sf-artifacts>`
              : tab === 'summary'
                ? html`<sf-summary .markdown=${run.summary ?? null}></sf-summary>`
                : html`<sf-compare .run=${run} .other=${this.compareRun} .candidates=${this.compareCandidates} .otherId=${this.compareId}
                  @compare-change=${(e: CustomEvent<string | null>) => this.ask('compare-change', e.detail)}></sf-compare>`}
      </div>
    `;
  }

  private onTabKey(e: KeyboardEvent): void {
    const tabs = [...this.renderRoot.querySelectorAll<HTMLButtonElement>('nav [role="tab"]')];
    const at = tabs.indexOf((this.renderRoot as ShadowRoot).activeElement as HTMLButtonElement);
    if (at < 0) return;
    const to: Record<string, number> = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 };
    if (!(e.key in to)) return;
    e.preventDefault();
    const next = tabs[(to[e.key]! + tabs.length) % tabs.length]!;
    next.focus();
    this.ask('tab-change', next.dataset.tab as DetailTab);
  }

  private jump(stepId: number): void {
    const step = this.live?.steps.get(stepId);
    if (step) this.ask('focus-log', { line: step.firstLine, to: step.lastLine ?? this.live!.record.lineCount });
  }

  private ask<T>(name: string, detail: T): void {
    this.dispatchEvent(new CustomEvent<T>(name, { detail }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sf-run-detail': SfRunDetail;
  }
}
