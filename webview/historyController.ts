// The state of the history view, owned in one place: filters, the loaded page(s) of runs,
// the selected run (a LiveRun kept current by live events and snapshots), its statistics,
// what history expects of it while it runs (progress/ETA), its comparison, and log search
// hits. Components render it and call its methods; it fires `change` after every update,
// and `output` on `liveOutput` with live output of the selected run. Its values are never
// changed in place: an update replaces the list, a row or the selected run with a new
// object, so components see it by identity.
import type { RunEvent, OutputEvent } from '../sidecar/protocol/events';
import type { HistoryQuery, HistoryRun, LogSearchHit } from '../sidecar/protocol/history';
import type { StepStatistic } from '../sidecar/protocol/statistics';
import type { EventsParams, SnapshotParams } from '../sidecar/protocol/live';
import type { RunRecord } from '../sidecar/protocol/model';
import type { RunExpectations } from '../sidecar/protocol/stats';
import { liveRunFromRecord, liveRunFromStart, withRunEvents, type LiveRun } from '../sidecar/protocol/runState';
import type { DetailTab, LiveListener, StepflowDataSource, ViewState } from './dataSource';
import { historyRunFromRecord, statsByPath } from './runView';

const PAGE = 100;
/** Matching lines asked of a log search: enough to scan, few enough to render at once. */
export const SEARCH_LIMIT = 200;

export interface LogFocus {
  line: number;
  /** Last line of a range to mark (a step), else = line. */
  to: number;
  /** Changes on every request, so the same line can be focused twice. */
  seq: number;
}

export class HistoryController extends EventTarget {
  query: HistoryQuery = {};
  runs: HistoryRun[] = [];
  nextCursor: string | null = null;
  loadingList = false;
  selectedId: string | null = null;
  selected: LiveRun | null = null;
  selectedMissing = false;
  stats = new Map<string, StepStatistic>();
  /** What history expects of the selected run, for its progress/ETA; undefined until known. */
  expectations: RunExpectations | null | undefined = undefined;
  tab: DetailTab = 'timeline';
  compareId: string | null = null;
  compareRun: RunRecord | null = null;
  compareCandidates: HistoryRun[] = [];
  searchHits: LogSearchHit[] = [];
  /** The store had more matching lines than SEARCH_LIMIT. */
  searchHitsMore = false;
  searching = false;
  logFocus: LogFocus | null = null;
  error: string | null = null;
  readonly scripts = new Set<string>();
  readonly profiles = new Set<string>();
  /** Dispatches an `output` CustomEvent<OutputEvent> per live output batch of the selected run (the log viewer's feed). */
  readonly liveOutput = new EventTarget();

  private unsubscribeAll: (() => void) | undefined;
  private unsubscribeRun: (() => void) | undefined;
  private listToken = 0;
  private selectToken = 0;
  private searchToken = 0;
  private focusSeq = 0;
  /** Expectations from the runStarted events of runs still running, so selecting one needs no request. */
  private readonly startedExpectations = new Map<string, RunExpectations | null>();
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly source: StepflowDataSource) {
    super();
  }

  async start(): Promise<void> {
    const saved = this.source.loadState();
    if (saved) {
      this.query = saved.query ?? {};
      this.tab = saved.tab ?? 'timeline';
      this.compareId = saved.compareId ?? null;
    }
    this.unsubscribeAll = this.source.subscribe(null, this.allListener);
    await this.reload();
    if (this.query.search) void this.searchLogs();
    if (saved?.selectedId) await this.select(saved.selectedId, { keepTab: true });
  }

  dispose(): void {
    this.unsubscribeAll?.();
    this.unsubscribeRun?.();
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
  }

  // ── list ─────────────────────────────────────────────────────────────────────────────

  async setQuery(patch: Partial<HistoryQuery>): Promise<void> {
    const next: HistoryQuery = { ...this.query, ...patch };
    for (const key of Object.keys(next) as Array<keyof HistoryQuery>) {
      const v = next[key];
      if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) delete next[key];
    }
    const searchChanged = next.search !== this.query.search;
    this.query = next;
    // The detail pane follows the filter: a new search shows its matching lines, not the
    // run that was open before it.
    if (searchChanged && next.search) void this.select(null);
    this.saveState();
    const reloading = this.reload();
    if (searchChanged) void this.searchLogs();
    await reloading;
    // …and a run the filters now exclude is no longer shown beside a list without it.
    if (this.selectedId && !this.nextCursor && !this.runs.some((r) => r.id === this.selectedId)) await this.select(null);
  }

  /**
   * The search hits to show: those of runs the other filters keep. The store's line search
   * knows only the text, so with status/script/profile/date filters set the hits are cut
   * to the listed runs (the list is that same search, filtered).
   */
  visibleSearchHits(): LogSearchHit[] {
    const { search: _text, ...others } = this.query;
    if (Object.keys(others).length === 0 || this.loadingList) return this.searchHits;
    const listed = new Set(this.runs.map((r) => r.id));
    return this.searchHits.filter((hit) => listed.has(hit.runId));
  }

  async reload(): Promise<void> {
    this.loadingList = true;
    this.changed(); // show "loading" at once
    await this.loadPage(undefined);
  }

  async loadMore(): Promise<void> {
    if (!this.nextCursor || this.loadingList) return;
    await this.loadPage(this.nextCursor);
  }

  /** The first page (replacing the list) or the page after `cursor` (appended to it). */
  private async loadPage(cursor: string | undefined): Promise<void> {
    const token = ++this.listToken;
    this.loadingList = true;
    try {
      const page = await this.source.listRuns({ ...this.query, ...(cursor ? { cursor } : {}), limit: PAGE });
      if (token !== this.listToken) return;
      if (cursor) {
        const known = new Set(this.runs.map((r) => r.id));
        this.runs = [...this.runs, ...page.runs.filter((r) => !known.has(r.id))];
      } else {
        this.runs = page.runs;
      }
      this.nextCursor = page.nextCursor;
      this.error = null;
      this.remember(page.runs);
    } catch (err) {
      if (token === this.listToken) this.error = messageOf(err);
    } finally {
      if (token === this.listToken) {
        this.loadingList = false;
        this.changed();
      }
    }
  }

  async searchLogs(): Promise<void> {
    const text = this.query.search?.trim();
    const token = ++this.searchToken;
    if (!text || !this.source.searchLogs) {
      this.searchHits = [];
      this.searchHitsMore = false;
      this.searching = false;
      this.changed();
      return;
    }
    this.searching = true;
    this.changed();
    try {
      // One more than shown tells whether there are more.
      const hits = await this.source.searchLogs({ text, limit: SEARCH_LIMIT + 1 });
      if (token === this.searchToken) {
        this.searchHitsMore = hits.length > SEARCH_LIMIT;
        this.searchHits = hits.slice(0, SEARCH_LIMIT);
      }
    } catch (err) {
      if (token === this.searchToken) this.error = messageOf(err);
    } finally {
      if (token === this.searchToken) {
        this.searching = false;
        this.changed();
      }
    }
  }

  // ── selection ────────────────────────────────────────────────────────────────────────

  async select(runId: string | null, opts: { keepTab?: boolean; tab?: DetailTab; line?: number } = {}): Promise<void> {
    const token = ++this.selectToken;
    if (runId !== this.selectedId) {
      this.unsubscribeRun?.();
      this.unsubscribeRun = undefined;
      this.selected = null;
      this.stats = new Map();
      this.expectations = runId === null ? undefined : this.startedExpectations.get(runId);
      this.compareRun = null;
      this.compareCandidates = [];
      if (!opts.keepTab) this.compareId = null;
    }
    this.selectedId = runId;
    this.selectedMissing = false;
    if (opts.tab) this.tab = opts.tab;
    else if (!opts.keepTab && runId !== null && this.tab === 'compare') this.tab = 'timeline';
    this.saveState();
    this.changed();
    if (runId === null) return;
    if (!this.unsubscribeRun) this.unsubscribeRun = this.source.subscribe(runId, this.runListener(runId));
    try {
      const record = this.selected?.record.id === runId ? this.selected.record : await this.source.getRun(runId);
      if (token !== this.selectToken) return;
      if (!record) {
        this.selectedMissing = true;
        this.changed();
        return;
      }
      if (this.selected?.record.id !== record.id) this.selected = liveRunFromRecord(record);
      if (opts.line !== undefined) this.focusLog(opts.line);
      this.changed();
      await Promise.all([this.loadStats(record.script, token), this.loadExpectations(record, token), this.loadCompareCandidates(record, token)]);
    } catch (err) {
      if (token === this.selectToken) {
        this.error = messageOf(err);
        this.changed();
      }
    }
  }

  setTab(tab: DetailTab): void {
    this.tab = tab;
    this.noteCompared();
    this.saveState();
    this.changed();
  }

  /** Shows the log at a line (and marks up to `to`). */
  focusLog(line: number, to = line): void {
    this.tab = 'log';
    this.logFocus = { line, to, seq: ++this.focusSeq };
    this.saveState();
    this.changed();
  }

  async setCompare(runId: string | null): Promise<void> {
    this.compareId = runId;
    this.compareRun = null;
    this.saveState();
    this.changed();
    if (!runId) return;
    const token = this.selectToken;
    const record = await this.source.getRun(runId);
    if (token !== this.selectToken || this.compareId !== runId) return;
    this.compareRun = record;
    this.changed();
    this.noteCompared();
  }

  async cancelSelected(): Promise<void> {
    if (this.selected && this.source.cancelRun) await this.source.cancelRun(this.selected.record.id);
  }

  // ── live updates ─────────────────────────────────────────────────────────────────────

  private readonly allListener: LiveListener = {
    events: ({ events }: EventsParams) => {
      for (const event of events) this.applyToList(event);
      this.changed();
    },
    snapshot: ({ runs }: SnapshotParams) => {
      for (const record of runs) this.upsertRow(historyRunFromRecord(record));
      this.changed();
    },
    resync: () => void this.reload(),
  };

  private runListener(runId: string): LiveListener {
    return {
      events: ({ events }) => {
        if (this.selectedId !== runId) return;
        const mine = events.filter((event) => event.runId === runId);
        if (mine.length === 0) return;
        for (const event of mine) {
          if (event.type === 'runStarted' && event.expectations !== undefined) this.expectations = event.expectations;
          if (event.type === 'runStarted' && !this.selected) this.selected = liveRunFromStart(event);
        }
        if (this.selected) this.selected = withRunEvents(this.selected, mine);
        for (const event of mine) {
          if (event.type === 'output') this.liveOutput.dispatchEvent(new CustomEvent<OutputEvent>('output', { detail: event }));
        }
        this.changed();
      },
      snapshot: ({ runs }) => {
        const record = runs.find((r) => r.id === runId);
        if (!record || this.selectedId !== runId) return;
        this.selected = liveRunFromRecord(record);
        this.selectedMissing = false;
        this.changed();
      },
      resync: () => {
        if (this.selectedId === runId) {
          this.selected = null;
          void this.select(runId, { keepTab: true });
        }
      },
    };
  }

  private applyToList(event: RunEvent): void {
    if (event.type === 'runStarted') {
      if (event.expectations !== undefined) this.startedExpectations.set(event.runId, event.expectations);
      this.upsertRow(historyRunFromRecord(liveRunFromStart(event).record));
      return;
    }
    if (event.type === 'runFinished') this.startedExpectations.delete(event.runId);
    const row = this.runs.find((r) => r.id === event.runId);
    if (!row) return;
    const next = this.rowAfter(row, event);
    if (next === row) return;
    this.runs = this.matches(next) ? this.runs.map((r) => (r === row ? next : r)) : this.runs.filter((r) => r !== row);
  }

  /** A list row after one event of its run: a new row when the event changes it, else `row`. */
  private rowAfter(row: HistoryRun, event: RunEvent): HistoryRun {
    if (event.type === 'stepStarted') return { ...row, stepCount: row.stepCount + 1 };
    if (event.type === 'runFinished') {
      const { status, exitCode, endedAt, durationMs, lineCount } = event;
      return { ...row, status, exitCode, endedAt, durationMs, lineCount };
    }
    if (event.type === 'stepFinished' && event.status === 'failed' && !row.failedStep) {
      const step = this.selected?.record.id === row.id ? this.selected.steps.get(event.stepId) : undefined;
      if (step) return { ...row, failedStep: step.name };
    }
    return row;
  }

  /** Replaces a listed run, or adds a new one on top when it passes the filters. */
  private upsertRow(next: HistoryRun): void {
    this.remember([next]);
    const index = this.runs.findIndex((r) => r.id === next.id);
    if (index >= 0) {
      this.runs = this.matches(next) ? this.runs.map((r, i) => (i === index ? next : r)) : this.runs.filter((_, i) => i !== index);
      return;
    }
    if (this.query.search) {
      // Whether a new run matches a text search only the store can tell.
      this.scheduleReload();
      return;
    }
    const newest = this.runs[0];
    if (this.matches(next) && (!newest || next.startedAt >= newest.startedAt)) this.runs = [next, ...this.runs];
  }

  private matches(run: HistoryRun): boolean {
    const q = this.query;
    if (q.status?.length && !q.status.includes(run.status)) return false;
    if (q.script && run.script !== q.script) return false;
    if (q.profile && run.profile !== q.profile) return false;
    if (q.since !== undefined && run.startedAt < q.since) return false;
    if (q.until !== undefined && run.startedAt >= q.until) return false;
    return true;
  }

  private scheduleReload(): void {
    if (this.reloadTimer) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      void this.reload();
    }, 500);
  }

  private async loadStats(script: string, token: number): Promise<void> {
    if (!this.source.stepStats) return;
    const stats = await this.source.stepStats(script);
    if (token !== this.selectToken) return;
    this.stats = statsByPath(stats);
    this.changed();
  }

  /** Only a running run needs them, and only when its runStarted did not bring them. */
  private async loadExpectations(record: RunRecord, token: number): Promise<void> {
    if (record.status !== 'running' || this.expectations !== undefined || !this.source.runExpectations) return;
    // Without them the panel still shows the run, just no ETA: a failure here is not an error.
    const expectations = await this.source.runExpectations(record.id).catch(() => null);
    if (token !== this.selectToken || this.expectations !== undefined) return;
    this.expectations = expectations;
    this.changed();
  }

  private async loadCompareCandidates(record: RunRecord, token: number): Promise<void> {
    const page = await this.source.listRuns({ script: record.script, limit: 50 });
    if (token !== this.selectToken) return;
    this.compareCandidates = page.runs.filter((r) => r.id !== record.id);
    if (!this.compareId || !this.compareCandidates.some((r) => r.id === this.compareId)) {
      const started = Date.parse(record.startedAt);
      const previous = this.compareCandidates.find((r) => r.startedAt <= started) ?? this.compareCandidates[0];
      this.compareId = previous?.id ?? null;
    }
    this.changed();
    if (this.compareId) await this.setCompare(this.compareId);
  }

  private remember(runs: HistoryRun[]): void {
    for (const r of runs) {
      this.scripts.add(r.script);
      if (r.profile) this.profiles.add(r.profile);
    }
  }

  /** Tells the host once the user sees two runs side by side (the Compare tab, loaded). */
  private noteCompared(): void {
    if (this.tab !== 'compare' || !this.selected || !this.compareRun) return;
    void this.source.compared?.(this.selected.record.id, this.compareRun.id).catch(() => undefined);
  }

  private saveState(): void {
    const state: ViewState = { query: this.query, selectedId: this.selectedId, tab: this.tab, compareId: this.compareId };
    this.source.saveState(state);
  }

  private changed(): void {
    this.dispatchEvent(new Event('change'));
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
