import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { cssProps } from './cssProps';
import type { OutputEvent } from '../../sidecar/protocol/events';
import type { LogSearchHit } from '../../sidecar/protocol/history';
import { stripAnsi } from '../ansi';
import type { StepflowDataSource } from '../dataSource';
import type { LogFocus } from '../historyController';
import type { StepRow } from '../runView';
import { LogFind, type LogFindHost } from './logFind';
import { ROW, isScaled, rowsOffset, scrollTopFor, totalHeight, visibleWindow, type LogView } from './logGeometry';
import { logLineStyles, logLineTemplate } from './logLine';
import { LogPages } from './logPages';
import { base } from './theme';
import './sf-icon';

const COPY_LIMIT = 100_000;
/** pendingScroll: to the end of the log. */
const END = Number.MAX_SAFE_INTEGER;

/**
 * A run's log, virtualised: only the visible lines exist in the DOM and only their pages
 * (500 lines) are read, so a run of millions of lines opens as fast as a short one. ANSI
 * colours become styled spans (text only, never HTML). Live output arrives through the
 * `output` events of `outputSource` and is followed at the bottom. Find highlights matches
 * and steps through the store's hits; a click on a line number selects (shift: a range),
 * Copy copies the selection or the whole log. Marker lines read as what they mean — a
 * "▶ Build" header before the dimmed raw line, ✓/✗ for a step's end, META lines dimmed —
 * unless "Raw markers" is on; search, copy and line numbers always use the raw text.
 *
 * Keyboard: the log is a listbox of lines, one tab stop. ↑ ↓ Page Up/Down Home End move the
 * line the keyboard is on (outlined; Shift extends the selection), Ctrl+C copies the
 * selection, Escape clears it. Screen readers hear the line through aria-activedescendant;
 * not a live region, as scrolling renders lines that were there all along.
 *
 * Its parts: logGeometry.ts (scroll offset ↔ lines), logPages.ts (the lines, read in pages),
 * logFind.ts (find's hits), logLine.ts (one row and its styles).
 */
@customElement('sf-log-viewer')
export class SfLogViewer extends LitElement implements LogFindHost {
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
      .empty { padding: 12px; }
      .scroller:focus { outline: none; }
      .scroller:focus-visible { outline: 1px solid var(--vscode-focusBorder, #0078d4); outline-offset: -1px; }
      .scroller:not(:focus) .line.cursor { outline: none; }
    `,
    logLineStyles,
  ];

  @property({ attribute: false }) source: StepflowDataSource | null = null;
  /** Dispatches `output` CustomEvents with live OutputEvents (HistoryController.liveOutput). */
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
  /** The line the keyboard is on; Shift+arrows extend the selection from `anchor` to it. */
  @state() private cursor: number | null = null;
  private anchor: number | null = null;
  @state() private status = '';
  @state() private follow = false;
  /** Marker lines as the script printed them, without the ▶/✓/✗ headers. */
  @state() private rawMarkers = false;
  @query('.scroller') private scroller!: HTMLElement;
  private pages = this.newPages();
  private readonly finder = new LogFind(this);
  private resize?: ResizeObserver;
  private lastFocusSeq = -1;
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
    this.pages.cancelRetry();
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
    if (changed.has('runId')) this.showNewRun();
    if (changed.has('find') && !changed.has('runId')) this.finder.schedule(this.find);
    if (changed.has('lineCount') && this.follow) this.pendingScroll = END;
    if (changed.has('running') && !this.running && changed.get('running') === true) this.pages.refetchTail(this.lineCount);
    if (this.focusLine && this.focusLine.seq !== this.lastFocusSeq) {
      this.lastFocusSeq = this.focusLine.seq;
      this.scrollToRange(this.focusLine.line, this.focusLine.to);
    }
  }

  override updated(): void {
    if (this.pendingScroll !== null && this.scroller) {
      const target = this.pendingScroll === END ? this.scroller.scrollHeight : this.pendingScroll;
      this.pendingScroll = null;
      this.scroller.scrollTop = Math.max(0, target);
      this.viewTop = this.scroller.scrollTop;
    }
    const [first, count] = visibleWindow(this.view);
    if (this.source && this.runId && this.lineCount > 0) this.pages.ensure(first, first + count, this.lineCount);
  }

  override render() {
    return html`${this.toolbar()}
      <div class="scroller" tabindex="0" role=${this.lineCount > 0 ? 'listbox' : nothing}
        aria-label=${`Log, ${this.lineCount.toLocaleString()} lines`} aria-multiselectable=${this.lineCount > 0 ? 'true' : nothing}
        aria-activedescendant=${this.cursorShown() ? `log-line-${this.cursor}` : nothing}
        @scroll=${this.onScroll} @keydown=${this.onKey}>
        ${this.lineCount === 0
          ? html`<div class="empty muted">${this.running ? 'Waiting for output…' : 'This run printed nothing.'}</div>`
          : this.rows()}
      </div>`;
  }

  /** Live output of the shown run. */
  appendOutput(event: OutputEvent): void {
    if (event.runId !== this.runId) return;
    this.pages.append(event);
    this.requestUpdate();
  }

  /** Shows `from` a third down the view and selects up to `to`. */
  scrollToRange(from: number, to = from): void {
    this.selection = { from, to: Math.max(from, to) };
    this.cursor = this.anchor = from;
    this.reveal(from);
    this.requestUpdate();
  }

  // ── LogFindHost ──────────────────────────────────────────────────────────────────────

  searchRun(text: string, limit: number): Promise<LogSearchHit[]> | null {
    if (!this.runId || !this.source?.searchLogs) return null;
    return this.source.searchLogs({ text, runId: this.runId, limit });
  }

  reveal(line: number): void {
    this.follow = false;
    this.pendingScroll = scrollTopFor(this.view, line);
  }

  say(text: string): void {
    this.status = text;
  }

  get nearLine(): number | undefined {
    return this.selection?.from;
  }

  // ── parts ────────────────────────────────────────────────────────────────────────────

  private get view(): LogView {
    return { lineCount: this.lineCount, viewTop: this.viewTop, viewHeight: this.viewHeight };
  }

  private newPages(): LogPages {
    const runId = this.runId;
    return new LogPages((from, max) => this.source!.readLog(runId, from, max), () => this.requestUpdate());
  }

  /** Another run: nothing of the last one's lines, selection or hits; a running run is followed. */
  private showNewRun(): void {
    this.pages.dispose();
    this.pages = this.newPages();
    this.selection = null;
    this.cursor = this.anchor = null;
    this.finder.clear();
    this.follow = this.running;
    this.viewTop = 0;
    this.pendingScroll = this.follow ? END : 0;
    if (this.find) this.finder.schedule(this.find, 0);
  }

  private toolbar() {
    const noHits = this.finder.hits.length === 0;
    return html`<div class="toolbar">
      <select aria-label="Jump to step" @change=${this.onStepPick} ?disabled=${this.steps.length === 0}>
        <option value="">Jump to step…</option>
        ${this.steps.map((r) => html`<option value=${r.step.id}>${'\u00a0\u00a0'.repeat(r.depth)}${r.step.name}</option>`)}
      </select>
      <input type="search" aria-label="Find in log" placeholder="Find in log" .value=${this.find} @input=${this.onFindInput} @keydown=${this.onFindKey} />
      <button class="icon" title="Previous match" aria-label="Previous match" ?disabled=${noHits} @click=${() => this.finder.step(-1)}>
        <sf-icon name="arrow-up"></sf-icon>
      </button>
      <button class="icon" title="Next match" aria-label="Next match" ?disabled=${noHits} @click=${() => this.finder.step(1)}>
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
    </div>`;
  }

  /** The visible rows in a sticky viewport, and a spacer that gives the scrollbar the log's height. */
  private rows() {
    const view = this.view;
    const [first, count] = visibleWindow(view);
    const sel = this.selection;
    const hitLine = this.finder.line;
    const lines = [];
    for (let n = first; n < first + count && n <= this.lineCount; n++) {
      lines.push(logLineTemplate(n, this.pages.lineAt(n), {
        rawMarkers: this.rawMarkers,
        needle: this.find,
        selected: sel && n >= sel.from && n <= sel.to ? (sel.from === sel.to ? 'focus' : 'sel') : null,
        hit: n === hitLine,
        cursor: n === this.cursor,
        total: this.lineCount,
        onNumberClick: (e: MouseEvent) => this.clickLine(n, e.shiftKey),
      }));
    }
    const total = totalHeight(this.lineCount);
    const shown = Math.min(this.viewHeight, total);
    return html`<div class="viewport" role="none" ${cssProps({ 'height': `${shown}px` })}>
        <div role="none" ${cssProps({ 'transform': `translateY(${-rowsOffset(view, first)}px)` })}>${lines}</div>
      </div>
      <div role="none" ${cssProps({ 'height': `${Math.max(0, total - shown)}px` })}></div>`;
  }

  // ── interaction ──────────────────────────────────────────────────────────────────────

  private onScroll(): void {
    this.viewTop = this.scroller.scrollTop;
    const atBottom = this.scroller.scrollTop + this.scroller.clientHeight >= this.scroller.scrollHeight - ROW;
    if (this.running) this.follow = atBottom;
  }

  private toggleFollow(): void {
    this.follow = !this.follow;
    if (this.follow) this.pendingScroll = END;
  }

  private clickLine(n: number, extend: boolean): void {
    if (extend && this.selection) this.selection = { from: Math.min(this.selection.from, n), to: Math.max(this.selection.to, n) };
    else this.selection = this.selection?.from === n && this.selection.to === n ? null : { from: n, to: n };
    this.cursor = n;
    if (!extend) this.anchor = n;
  }

  /** Whether the keyboard's line is rendered (aria-activedescendant must name an element that exists). */
  private cursorShown(): boolean {
    if (this.cursor === null) return false;
    const [first, count] = visibleWindow(this.view);
    return this.cursor >= first && this.cursor < first + count && this.cursor <= this.lineCount;
  }

  private onKey(e: KeyboardEvent): void {
    if (this.lineCount === 0) return;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'c') {
      e.preventDefault();
      void this.copy();
      return;
    }
    if (e.key === 'Escape') {
      this.selection = null;
      this.cursor = this.anchor = null;
      return;
    }
    const [first, count] = visibleWindow(this.view);
    const at = this.cursor ?? first;
    const page = Math.max(1, count - 2);
    const to: Record<string, number> = {
      ArrowDown: this.cursor === null ? at : at + 1, ArrowUp: this.cursor === null ? at : at - 1,
      PageDown: at + page, PageUp: at - page, Home: 1, End: this.lineCount,
    };
    if (!(e.key in to)) return;
    e.preventDefault();
    const line = Math.min(this.lineCount, Math.max(1, to[e.key]!));
    if (!e.shiftKey || this.anchor === null) this.anchor = line;
    this.cursor = line;
    this.selection = { from: Math.min(this.anchor, line), to: Math.max(this.anchor, line) };
    this.follow = false;
    const top = (line - 1) * ROW;
    const scaled = isScaled(this.lineCount);
    const shown = scaled ? line >= first && line < first + count - 2 : top >= this.viewTop && top + ROW <= this.viewTop + this.viewHeight;
    if (!shown) {
      // Just enough scrolling to show the line, as a list does; a jump a third down for long moves.
      const near = Math.abs(line - at) <= page;
      this.pendingScroll = near && !scaled ? (top < this.viewTop ? top : top + ROW - this.viewHeight) : scrollTopFor(this.view, line);
    }
  }

  private onStepPick(e: Event): void {
    const select = e.target as HTMLSelectElement;
    const row = this.steps.find((r) => String(r.step.id) === select.value);
    select.value = '';
    if (!row) return;
    this.scrollToRange(row.step.firstLine, row.step.lastLine ?? this.lineCount);
  }

  private onFindInput(e: Event): void {
    this.find = (e.target as HTMLInputElement).value;
  }

  private onFindKey(e: KeyboardEvent): void {
    if (e.key === 'Enter') this.finder.step(e.shiftKey ? -1 : 1);
  }

  private async copy(): Promise<void> {
    if (!this.source || this.lineCount === 0) return;
    const from = this.selection?.from ?? 1;
    const to = Math.min(this.selection?.to ?? this.lineCount, from + COPY_LIMIT - 1);
    const texts = (await this.pages.linesBetween(from, to)).map((l) => stripAnsi(l.text));
    await this.source.copyText(texts.join('\n'));
    this.status = `Copied ${texts.length.toLocaleString()} line${texts.length === 1 ? '' : 's'}${to - from + 1 >= COPY_LIMIT ? ' (the first 100,000)' : ''}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sf-log-viewer': SfLogViewer;
  }
}
