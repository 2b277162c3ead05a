import { LitElement, css, html } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { cssProps } from './cssProps';
import type { OutputEvent } from '../../sidecar/protocol/events';
import { MAX_LOG_LINES, type LogSearchHit } from '../../sidecar/protocol/history';
import type { LogLine } from '../../sidecar/protocol/lsp';
import { markerLineOf, type MarkerLine } from '../../sidecar/protocol/markerLines';
import { parseAnsi, stripAnsi } from '../ansi';
import type { StepflowDataSource } from '../dataSource';
import type { LogFocus } from '../historyController';
import type { StepRow } from '../runView';
import { segmentsTemplate } from './highlight';
import { base } from './theme';
import './sf-icon';

const ROW = 18;
const PAGE = 500;
const MAX_PAGES = 400;
/** Browsers cap element heights (~33M px in Chromium): beyond this the scrollbar maps proportionally. */
const MAX_SCROLL_PX = 8_000_000;
const COPY_LIMIT = 100_000;

interface Page {
  lines: Array<LogLine | undefined>;
  loading: boolean;
  fetchedAt: number;
}

/**
 * A run's log, virtualised: only the visible lines exist in the DOM and only their pages
 * (500 lines) are read, so a run of millions of lines opens as fast as a short one. ANSI
 * colours become styled spans (text only, never HTML). Live output arrives through the
 * `output` events of `outputSource` and is followed at the bottom. Find highlights matches
 * and steps through the store's hits; a click on a line number selects (shift: a range),
 * Copy copies the selection or the whole log. Marker lines read as what they mean — a
 * "▶ Build" header before the dimmed raw line, ✓/✗ for a step's end, META lines dimmed —
 * unless "Raw markers" is on; search, copy and line numbers always use the raw text.
 */
@customElement('sf-log-viewer')
export class SfLogViewer extends LitElement {
  static override styles = [
    base,
    css`
      :host { display: flex; flex-direction: column; min-height: 0; }
      .toolbar { display: flex; align-items: center; gap: 6px; padding: 4px 0 6px; flex-wrap: wrap; }
      .toolbar select { max-width: 220px; }
      .toolbar input { width: 200px; }
      .spacer { flex: 1; }
      .status { font-size: 12px; }
      .scroller {
        position: relative; flex: 1; min-height: 120px; overflow: auto;
        background: var(--vscode-terminal-background, var(--vscode-editor-background, #1f1f1f));
        border: 1px solid var(--vscode-panel-border, #2b2b2b);
        font-family: var(--vscode-editor-font-family, monospace); font-size: var(--vscode-editor-font-size, 13px);
        color: var(--vscode-terminal-foreground, var(--vscode-editor-foreground, #cccccc));
      }
      .viewport { position: sticky; top: 0; left: 0; overflow: hidden; }
      .line { height: ${ROW}px; line-height: ${ROW}px; white-space: pre; display: flex; }
      .line.stderr .text { color: var(--vscode-terminal-ansiRed, #f14c4c); }
      .line.sel { background: var(--vscode-editor-inactiveSelectionBackground, rgba(58, 61, 65, 0.8)); }
      .line.focus { background: var(--vscode-editor-rangeHighlightBackground, rgba(255, 255, 255, 0.06)); }
      .line.hit { background: var(--vscode-editor-findMatchHighlightBackground, rgba(234, 92, 0, 0.25)); }
      .num {
        flex: none; width: 7ch; padding-right: 1ch; text-align: right; cursor: pointer; user-select: none;
        color: var(--vscode-editorLineNumber-foreground, #6e7681);
      }
      .num:hover { color: var(--vscode-editorLineNumber-activeForeground, #cccccc); }
      .text { padding-left: 6px; }
      .pending { color: var(--vscode-disabledForeground, #6e7681); }
      mark { background: var(--vscode-editor-findMatchBackground, #9e6a03); color: inherit; border-radius: 2px; }
      .empty { padding: 12px; }
      .marker { font-weight: bold; margin-right: 1.5ch; }
      .marker.start { color: var(--vscode-terminal-ansiCyan, #11a8cd); }
      .marker.complete { color: var(--vscode-terminal-ansiGreen, #0dbc79); }
      .marker.error { color: var(--vscode-terminal-ansiRed, #f14c4c); }
      .marker.warning { color: var(--vscode-terminal-ansiYellow, #e5e510); }
      .marker.artifact { color: var(--vscode-terminal-ansiCyan, #11a8cd); font-weight: normal; }
      /* A rule above each step header; a shadow, not a border, so rows keep their height. */
      .line.marker-line.start { box-shadow: inset 0 1px 0 var(--vscode-panel-border, #2b2b2b); }
      .raw-marker { opacity: 0.5; }
      .bold { font-weight: bold; } .dim { opacity: 0.6; } .italic { font-style: italic; }
      .underline { text-decoration: underline; } .strike { text-decoration: line-through; }
      .f0 { color: var(--vscode-terminal-ansiBlack, #000000); } .f1 { color: var(--vscode-terminal-ansiRed, #cd3131); }
      .f2 { color: var(--vscode-terminal-ansiGreen, #0dbc79); } .f3 { color: var(--vscode-terminal-ansiYellow, #e5e510); }
      .f4 { color: var(--vscode-terminal-ansiBlue, #2472c8); } .f5 { color: var(--vscode-terminal-ansiMagenta, #bc3fbc); }
      .f6 { color: var(--vscode-terminal-ansiCyan, #11a8cd); } .f7 { color: var(--vscode-terminal-ansiWhite, #e5e5e5); }
      .f8 { color: var(--vscode-terminal-ansiBrightBlack, #666666); } .f9 { color: var(--vscode-terminal-ansiBrightRed, #f14c4c); }
      .f10 { color: var(--vscode-terminal-ansiBrightGreen, #23d18b); } .f11 { color: var(--vscode-terminal-ansiBrightYellow, #f5f543); }
      .f12 { color: var(--vscode-terminal-ansiBrightBlue, #3b8eea); } .f13 { color: var(--vscode-terminal-ansiBrightMagenta, #d670d6); }
      .f14 { color: var(--vscode-terminal-ansiBrightCyan, #29b8db); } .f15 { color: var(--vscode-terminal-ansiBrightWhite, #e5e5e5); }
      .b0 { background: var(--vscode-terminal-ansiBlack, #000000); } .b1 { background: var(--vscode-terminal-ansiRed, #cd3131); }
      .b2 { background: var(--vscode-terminal-ansiGreen, #0dbc79); } .b3 { background: var(--vscode-terminal-ansiYellow, #e5e510); }
      .b4 { background: var(--vscode-terminal-ansiBlue, #2472c8); } .b5 { background: var(--vscode-terminal-ansiMagenta, #bc3fbc); }
      .b6 { background: var(--vscode-terminal-ansiCyan, #11a8cd); } .b7 { background: var(--vscode-terminal-ansiWhite, #e5e5e5); }
      .b8 { background: var(--vscode-terminal-ansiBrightBlack, #666666); } .b9 { background: var(--vscode-terminal-ansiBrightRed, #f14c4c); }
      .b10 { background: var(--vscode-terminal-ansiBrightGreen, #23d18b); } .b11 { background: var(--vscode-terminal-ansiBrightYellow, #f5f543); }
      .b12 { background: var(--vscode-terminal-ansiBrightBlue, #3b8eea); } .b13 { background: var(--vscode-terminal-ansiBrightMagenta, #d670d6); }
      .b14 { background: var(--vscode-terminal-ansiBrightCyan, #29b8db); } .b15 { background: var(--vscode-terminal-ansiBrightWhite, #e5e5e5); }
      .fi { color: var(--vscode-terminal-background, var(--vscode-editor-background, #1f1f1f)); }
      .bi { background: var(--vscode-terminal-foreground, var(--vscode-editor-foreground, #cccccc)); }
    `,
  ];

  @property({ attribute: false }) source: StepflowDataSource | null = null;
  /** Dispatches `output` CustomEvents with live OutputEvents (the HistoryController). */
  @property({ attribute: false }) outputSource: EventTarget | null = null;
  @property() runId = '';
  @property({ type: Number }) lineCount = 0;
  @property({ type: Boolean }) running = false;
  @property({ attribute: false }) steps: StepRow[] = [];
  @property({ attribute: false }) focusLine: LogFocus | null = null;
  /** Text to find (e.g. the history search), highlighted in every line. */
  @property() find = '';

  @state() private viewTop = 0;
  @state() private viewHeight = 400;
  @state() private selection: { from: number; to: number } | null = null;
  @state() private hits: LogSearchHit[] = [];
  @state() private hitIndex = -1;
  @state() private status = '';
  @state() private follow = false;
  /** Marker lines as the script printed them, without the ▶/✓/✗ headers. */
  @state() private rawMarkers = false;
  @query('.scroller') private scroller!: HTMLElement;
  private pages = new Map<number, Page>();
  private resize?: ResizeObserver;
  private lastFocusSeq = -1;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private findTimer: ReturnType<typeof setTimeout> | undefined;
  private findToken = 0;
  private pendingScroll: number | null = null;
  private readonly onOutput = (e: Event) => this.appendOutput((e as CustomEvent<OutputEvent>).detail);

  override connectedCallback(): void {
    super.connectedCallback();
    this.outputSource?.addEventListener('output', this.onOutput);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.outputSource?.removeEventListener('output', this.onOutput);
    this.resize?.disconnect();
    if (this.retry) clearTimeout(this.retry);
  }

  override firstUpdated(): void {
    this.resize = new ResizeObserver(() => (this.viewHeight = this.scroller.clientHeight || 400));
    this.resize.observe(this.scroller);
    this.viewHeight = this.scroller.clientHeight || 400;
  }

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('outputSource')) {
      (changed.get('outputSource') as EventTarget | null | undefined)?.removeEventListener('output', this.onOutput);
      if (this.isConnected) this.outputSource?.addEventListener('output', this.onOutput);
    }
    if (changed.has('runId')) {
      this.pages = new Map();
      this.selection = null;
      this.hits = [];
      this.hitIndex = -1;
      this.follow = this.running;
      this.viewTop = 0;
      this.pendingScroll = this.follow ? Number.MAX_SAFE_INTEGER : 0;
      if (this.find) this.scheduleFind(0);
    }
    if (changed.has('find') && !changed.has('runId')) this.scheduleFind();
    if (changed.has('lineCount') && this.follow) this.pendingScroll = Number.MAX_SAFE_INTEGER;
    if (changed.has('running') && !this.running && changed.get('running') === true) this.refetchTail();
    if (this.focusLine && this.focusLine.seq !== this.lastFocusSeq) {
      this.lastFocusSeq = this.focusLine.seq;
      this.selection = { from: this.focusLine.line, to: Math.max(this.focusLine.line, this.focusLine.to) };
      this.follow = false;
      this.pendingScroll = this.topFor(this.focusLine.line);
    }
  }

  override updated(): void {
    if (this.pendingScroll !== null && this.scroller) {
      const target = this.pendingScroll === Number.MAX_SAFE_INTEGER ? this.scroller.scrollHeight : this.pendingScroll;
      this.pendingScroll = null;
      this.scroller.scrollTop = Math.max(0, target);
      this.viewTop = this.scroller.scrollTop;
    }
    const [first, count] = this.window();
    this.ensure(first, first + count);
  }

  override render() {
    const [first, count] = this.window();
    const offset = this.scaled ? 0 : this.viewTop - (first - 1) * ROW;
    const lines = [];
    const needle = this.find;
    const hitLine = this.hits[this.hitIndex]?.line;
    const sel = this.selection;
    for (let n = first; n < first + count && n <= this.lineCount; n++) {
      const line = this.lineAt(n);
      const marker = line && !this.rawMarkers ? markerLineOf(line.text) : null;
      const classes = [
        'line',
        marker ? `marker-line ${marker.kind}` : '',
        line?.stream === 'stderr' ? 'stderr' : '',
        sel && n >= sel.from && n <= sel.to ? (sel.from === sel.to ? 'focus' : 'sel') : '',
        n === hitLine ? 'hit' : '',
      ].join(' ');
      lines.push(html`<div class=${classes} data-line=${n}>
        <span class="num" @click=${(e: MouseEvent) => this.clickLine(n, e.shiftKey)}>${n}</span>
        <span class="text">${!line
          ? html`<span class="pending">…</span>`
          : marker
            ? markerTemplate(marker, segmentsTemplate(parseAnsi(line.text), needle))
            : segmentsTemplate(parseAnsi(line.text), needle)}</span>
      </div>`);
    }
    const total = this.totalHeight;
    return html`
      <div class="toolbar">
        <select aria-label="Jump to step" @change=${this.onStepPick} ?disabled=${this.steps.length === 0}>
          <option value="">Jump to step…</option>
          ${this.steps.map((r) => html`<option value=${r.step.id}>${'\u00a0\u00a0'.repeat(r.depth)}${r.step.name}</option>`)}
        </select>
        <input type="search" aria-label="Find in log" placeholder="Find in log" .value=${this.find} @input=${this.onFindInput} @keydown=${this.onFindKey} />
        <button class="icon" title="Previous match" aria-label="Previous match" ?disabled=${this.hits.length === 0} @click=${() => this.step(-1)}>
          <sf-icon name="arrow-up"></sf-icon>
        </button>
        <button class="icon" title="Next match" aria-label="Next match" ?disabled=${this.hits.length === 0} @click=${() => this.step(1)}>
          <sf-icon name="arrow-down"></sf-icon>
        </button>
        <span class="status muted" aria-live="polite">${this.status}</span>
        <span class="spacer"></span>
        <span class="muted status">${this.lineCount.toLocaleString()} lines</span>
        <button class="icon" title=${this.selection ? 'Copy the selected lines' : 'Copy the log'} aria-label="Copy" @click=${this.copy}>
          <sf-icon name="copy"></sf-icon>
        </button>
        <button class="icon" title=${this.rawMarkers ? 'Show marker lines as step headers' : 'Show marker lines as printed'} aria-label="Raw markers"
          aria-pressed=${this.rawMarkers ? 'true' : 'false'} @click=${() => (this.rawMarkers = !this.rawMarkers)}>
          <sf-icon name="symbol-string"></sf-icon>
        </button>
        <button class="icon" title="Follow the end of the log" aria-label="Follow" aria-pressed=${this.follow ? 'true' : 'false'} @click=${this.toggleFollow}>
          <sf-icon name=${this.follow ? 'debug-pause' : 'fold-down'}></sf-icon>
        </button>
      </div>
      <div class="scroller" tabindex="0" role="log" aria-label="Log" @scroll=${this.onScroll}>
        ${this.lineCount === 0
          ? html`<div class="empty muted">${this.running ? 'Waiting for output…' : 'This run printed nothing.'}</div>`
          : html`<div class="viewport" ${cssProps({ 'height': `${Math.min(this.viewHeight, total)}px` })}>
                <div ${cssProps({ 'transform': `translateY(${-offset}px)` })}>${lines}</div>
              </div>
              <div ${cssProps({ 'height': `${Math.max(0, total - Math.min(this.viewHeight, total))}px` })}></div>`}
      </div>
    `;
  }

  // ── geometry ─────────────────────────────────────────────────────────────────────────

  private get contentHeight(): number {
    return this.lineCount * ROW + 4;
  }

  private get totalHeight(): number {
    return Math.min(this.contentHeight, MAX_SCROLL_PX);
  }

  private get scaled(): boolean {
    return this.contentHeight > MAX_SCROLL_PX;
  }

  private get visibleRows(): number {
    return Math.ceil(this.viewHeight / ROW) + 1;
  }

  /** First visible line (1-based) and how many to render. */
  private window(): [number, number] {
    const rows = this.visibleRows;
    if (!this.scaled) return [Math.max(1, Math.floor(this.viewTop / ROW) + 1), rows];
    const maxScroll = Math.max(1, this.totalHeight - this.viewHeight);
    const span = Math.max(0, this.lineCount - rows + 2);
    return [1 + Math.round((Math.min(this.viewTop, maxScroll) / maxScroll) * span), rows];
  }

  /** The scrollTop that shows `line` a third down the view. */
  private topFor(line: number): number {
    if (!this.scaled) return (line - 1) * ROW - this.viewHeight / 3;
    const span = Math.max(1, this.lineCount - this.visibleRows + 2);
    return ((line - 1 - this.visibleRows / 3) / span) * (this.totalHeight - this.viewHeight);
  }

  // ── data ─────────────────────────────────────────────────────────────────────────────

  private lineAt(n: number): LogLine | undefined {
    return this.pages.get(Math.floor((n - 1) / PAGE))?.lines[(n - 1) % PAGE];
  }

  private ensure(from: number, to: number): void {
    if (!this.source || !this.runId || this.lineCount === 0) return;
    const last = Math.min(to, this.lineCount);
    let waiting = false;
    for (let p = Math.floor((from - 1) / PAGE); p <= Math.floor((last - 1) / PAGE); p++) {
      const page = this.pages.get(p);
      const start = p * PAGE + 1;
      const end = Math.min(start + PAGE - 1, this.lineCount);
      const missing = !page || page.lines.length < end - start + 1 || page.lines.slice(0, end - start + 1).includes(undefined);
      if (!missing) continue;
      if (page?.loading) continue;
      if (page && Date.now() - page.fetchedAt < 300) {
        waiting = true; // the store commits live output within ~50 ms: look again shortly
        continue;
      }
      void this.fetchPage(p);
    }
    if (waiting && !this.retry) this.retry = setTimeout(() => ((this.retry = undefined), this.requestUpdate()), 350);
    this.trim(Math.floor((from - 1) / PAGE));
  }

  private async fetchPage(p: number): Promise<void> {
    const runId = this.runId;
    const page = this.pages.get(p) ?? { lines: [], loading: false, fetchedAt: 0 };
    this.pages.set(p, page);
    page.loading = true;
    try {
      const lines = await this.source!.readLog(runId, p * PAGE + 1, PAGE);
      if (runId !== this.runId) return;
      for (const l of lines) page.lines[l.line - 1 - p * PAGE] ??= l;
    } catch {
      // shown as "…" and tried again on the next scroll
    } finally {
      page.loading = false;
      page.fetchedAt = Date.now();
      if (runId === this.runId) this.requestUpdate();
    }
  }

  private refetchTail(): void {
    // A finished run's last page may still miss lines that were not committed when read.
    const p = Math.floor((Math.max(1, this.lineCount) - 1) / PAGE);
    const page = this.pages.get(p);
    if (page) page.fetchedAt = 0;
  }

  private trim(center: number): void {
    if (this.pages.size <= MAX_PAGES) return;
    const far = [...this.pages.keys()].sort((a, b) => Math.abs(b - center) - Math.abs(a - center));
    for (const p of far.slice(0, this.pages.size - MAX_PAGES)) this.pages.delete(p);
  }

  appendOutput(event: OutputEvent): void {
    if (event.runId !== this.runId) return;
    const texts = event.text.split('\n');
    if (texts.at(-1) === '') texts.pop();
    texts.forEach((text, k) => {
      const n = event.firstLine + k;
      const p = Math.floor((n - 1) / PAGE);
      let page = this.pages.get(p);
      if (!page) this.pages.set(p, (page = { lines: [], loading: false, fetchedAt: 0 }));
      page.lines[(n - 1) % PAGE] = { line: n, stream: event.stream, at: event.at, text: text.endsWith('\r') ? text.slice(0, -1) : text };
    });
    this.requestUpdate();
  }

  // ── interaction ──────────────────────────────────────────────────────────────────────

  private onScroll(): void {
    this.viewTop = this.scroller.scrollTop;
    const atBottom = this.scroller.scrollTop + this.scroller.clientHeight >= this.scroller.scrollHeight - ROW;
    if (this.running) this.follow = atBottom;
  }

  private toggleFollow(): void {
    this.follow = !this.follow;
    if (this.follow) this.pendingScroll = Number.MAX_SAFE_INTEGER;
  }

  private clickLine(n: number, extend: boolean): void {
    if (extend && this.selection) this.selection = { from: Math.min(this.selection.from, n), to: Math.max(this.selection.to, n) };
    else this.selection = this.selection?.from === n && this.selection.to === n ? null : { from: n, to: n };
  }

  private onStepPick(e: Event): void {
    const select = e.target as HTMLSelectElement;
    const row = this.steps.find((r) => String(r.step.id) === select.value);
    select.value = '';
    if (!row) return;
    this.scrollToRange(row.step.firstLine, row.step.lastLine ?? this.lineCount);
  }

  /** Shows `from` a third down the view and selects up to `to`. */
  scrollToRange(from: number, to = from): void {
    this.selection = { from, to: Math.max(from, to) };
    this.follow = false;
    this.pendingScroll = this.topFor(from);
    this.requestUpdate();
  }

  private onFindInput(e: Event): void {
    this.find = (e.target as HTMLInputElement).value;
  }

  private onFindKey(e: KeyboardEvent): void {
    if (e.key === 'Enter') this.step(e.shiftKey ? -1 : 1);
  }

  private scheduleFind(delay = 250): void {
    if (this.findTimer) clearTimeout(this.findTimer);
    this.findTimer = setTimeout(() => void this.runFind(), delay);
  }

  private async runFind(): Promise<void> {
    const token = ++this.findToken;
    const text = this.find.trim();
    if (!text || !this.runId || !this.source?.searchLogs) {
      this.hits = [];
      this.hitIndex = -1;
      this.status = '';
      return;
    }
    const hits = await this.source.searchLogs({ text, runId: this.runId, limit: 1000 });
    if (token !== this.findToken) return;
    this.hits = hits;
    this.status = hits.length === 0 ? 'No matches' : `${hits.length}${hits.length >= 1000 ? '+' : ''} matches`;
    this.hitIndex = -1;
    const focus = this.selection?.from;
    const nearest = focus === undefined ? -1 : hits.findIndex((h) => h.line >= focus);
    if (hits.length) this.goToHit(nearest >= 0 ? nearest : 0);
  }

  private step(direction: 1 | -1): void {
    if (this.hits.length === 0) return;
    this.goToHit((this.hitIndex + direction + this.hits.length) % this.hits.length);
  }

  private goToHit(index: number): void {
    this.hitIndex = index;
    const hit = this.hits[index]!;
    this.status = `${index + 1} of ${this.hits.length}${this.hits.length >= 1000 ? '+' : ''}`;
    this.follow = false;
    this.pendingScroll = this.topFor(hit.line);
  }

  private async copy(): Promise<void> {
    if (!this.source || this.lineCount === 0) return;
    const from = this.selection?.from ?? 1;
    const to = Math.min(this.selection?.to ?? this.lineCount, from + COPY_LIMIT - 1);
    const texts: string[] = [];
    for (let at = from; at <= to; ) {
      const cached = this.lineAt(at);
      if (cached) {
        texts.push(stripAnsi(cached.text));
        at += 1;
        continue;
      }
      const lines = await this.source.readLog(this.runId, at, Math.min(MAX_LOG_LINES, to - at + 1));
      if (lines.length === 0) break;
      for (const l of lines) texts.push(stripAnsi(l.text));
      at = lines.at(-1)!.line + 1;
    }
    await this.source.copyText(texts.join('\n'));
    this.status = `Copied ${texts.length.toLocaleString()} line${texts.length === 1 ? '' : 's'}${to - from + 1 >= COPY_LIMIT ? ' (the first 100,000)' : ''}`;
  }
}

/**
 * A marker line: its meaning as a header ("▶ Build", "✓ Build", "✗ message"), then the raw
 * line dimmed, which keeps the find highlights. META lines are only dimmed. Lit escapes the
 * label like any text: a step name is never HTML.
 */
function markerTemplate(marker: MarkerLine, raw: unknown) {
  if (marker.kind === 'meta') return html`<span class="raw-marker">${raw}</span>`;
  return html`<span class="marker ${marker.kind}">${marker.label}</span><span class="raw-marker">${raw}</span>`;
}

declare global {
  interface HTMLElementTagNameMap {
    'sf-log-viewer': SfLogViewer;
  }
}
