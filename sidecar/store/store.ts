// The store: one object per process over the shared database. Writes are batched by the
// WriteBatcher (one transaction per flush for all runs); reads go straight to SQLite, so
// they see what other processes committed. See schema.ts for the design and its figures.
import * as path from 'node:path';
import type { RunEvent } from '../protocol/events';
import type { RunRecord, StreamName } from '../protocol/model';
import { openDatabase, type Database } from './database';
import { StoreError, toStoreError } from './errors';
import { HubOutbox, type OutboxEntry } from './hubOutbox';
import { LogFiles } from './logFiles';
import { LogReader, type SearchQuery } from './logReader';
import { LogIndexer, type IndexSlice } from './logIndex';
import { Maintenance, processIsAlive, type PruneOptions, type StoreMetrics } from './maintenance';
import { ProcessRows, type AdoptableRun, type ProcessRecord, type RunOwner, type StoredProgress } from './processRows';
import { RunQueries } from './runQueries';
import { StepStatsTable } from './stepStats';
import { buildExpectations, EXPECTATION_RUNS } from '../stats/eta';
import type { HistoryQuery, ListedRun, LogLine, LogSearchHit } from '../protocol/history';
import type { RunExpectations } from '../protocol/stats';
import type { RecentStepRun, ScriptStatistic, StepStatistic } from '../protocol/statistics';
import { migrate } from './schema';
import { WriteBatcher, type NewRun, type SpoolSource } from './writer';

export { StoreError } from './errors';
export type { SearchQuery } from './logReader';
export type { IndexSlice } from './logIndex';
export type { PruneOptions, StoreMetrics } from './maintenance';
export type { AdoptableRun, ProcessRecord, RunOwner, StoredProgress } from './processRows';
export type { NewRun, SpoolSource } from './writer';
export type { OutboxEntry } from './hubOutbox';

export interface StoreOptions {
  /** Buffered writes are committed at least this often (ms). */
  flushIntervalMs?: number;
  /** Buffered output beyond this is written at once (bytes). */
  maxBufferedBytes?: number;
  /** Consecutive output of one run and stream is coalesced into chunks up to this size. */
  maxChunkBytes?: number;
  /** The first bytes of each run's log stay inside the database; the rest go to a log file. */
  inlineLogBytes?: number;
  /** Folder of the per-run log files; null keeps every log inside the database. Default `<db>-logs`. */
  logDir?: string | null;
  busyTimeoutMs?: number;
  /** Failures of background flushes (timer, size trigger); default: a process warning. */
  onError?: (err: StoreError) => void;
}

export const STORE_DEFAULTS = {
  flushIntervalMs: 50,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxChunkBytes: 256 * 1024,
  inlineLogBytes: 256 * 1024,
} as const;

/** The result of `optimize()`: what the WAL checkpoint did (SQLite's wal_checkpoint row). */
export interface OptimizeResult {
  checkpoint: { busy: number; log: number; checkpointed: number } | undefined;
}

/**
 * The one owner of the database connection: every read and write of StepFlow's tables goes
 * through these methods (the handle is private; a test that wants raw SQL opens the file, or
 * passes its own openDatabase() handle to the constructor).
 */
export class Store {
  private readonly db: Database;
  /** Absolute path of the database file (or ':memory:'). */
  readonly file: string;
  private readonly logs: LogFiles | null;
  private readonly writer: WriteBatcher;
  private readonly runs: RunQueries;
  private readonly stats: StepStatsTable;
  private readonly logReader: LogReader;
  private readonly logIndexer: LogIndexer;
  private readonly maintenance: Maintenance;
  private readonly processes: ProcessRows;
  private readonly outbox: HubOutbox;
  private closed = false;

  /** Opens (creating and migrating as needed) the database. A given Database is owned: close() closes it. */
  constructor(dbOrPath: Database | string, options: StoreOptions = {}) {
    this.db = typeof dbOrPath === 'string' ? openDatabase(dbOrPath, options.busyTimeoutMs !== undefined ? { busyTimeoutMs: options.busyTimeoutMs } : {}) : dbOrPath;
    this.file = this.db.memory ? ':memory:' : path.resolve(this.db.name);
    try {
      migrate(this.db);
      const logDir = options.logDir !== undefined ? options.logDir : this.db.memory ? null : `${this.file}-logs`;
      this.logs = logDir ? new LogFiles(logDir) : null;
      this.logReader = new LogReader(this.db, this.logs);
      this.logIndexer = new LogIndexer(this.db, this.logReader);
      this.runs = new RunQueries(this.db);
      this.stats = new StepStatsTable(this.db);
      this.maintenance = new Maintenance(this.db, this.logs);
      this.processes = new ProcessRows(this.db);
      this.outbox = new HubOutbox(this.db);
      this.writer = new WriteBatcher(this.db, this.logs, {
        flushIntervalMs: options.flushIntervalMs ?? STORE_DEFAULTS.flushIntervalMs,
        maxBufferedBytes: options.maxBufferedBytes ?? STORE_DEFAULTS.maxBufferedBytes,
        maxChunkBytes: options.maxChunkBytes ?? STORE_DEFAULTS.maxChunkBytes,
        inlineLogBytes: options.inlineLogBytes ?? STORE_DEFAULTS.inlineLogBytes,
        onError: options.onError ?? ((err) => process.emitWarning(err.message, 'StepFlowStoreWarning')),
      });
    } catch (err) {
      this.db.close();
      throw toStoreError(err, this.file);
    }
  }

  // ── write path (buffered) ───────────────────────────────────────────────────────────

  /** Records a new run as `running`. Idempotent for the same id. */
  createRun(run: NewRun): void {
    this.writer.createRun({ ...run, ownerPid: run.ownerPid ?? process.pid });
  }

  /** Applies a live event; `runFinished` is written at once, the rest within flushIntervalMs. */
  enqueue(event: RunEvent): void {
    this.writer.enqueue(event);
  }

  /** Output lines of a run (whole lines, each ending "\n"). The store keeps the buffer: do not reuse it. */
  appendOutput(runId: string, stream: StreamName, firstLine: number, lineCount: number, bytes: Buffer, at: number, source?: SpoolSource): void {
    this.writer.appendOutput(runId, stream, firstLine, lineCount, bytes, at, source);
  }

  /** Opened for reading only (`--read-only`, or a database StepFlow may not write): every write fails. */
  get readOnly(): boolean {
    return this.db.readonly;
  }

  /** Folder of the per-run log files (null: logs stay inside the database). A runner's spool belongs there. */
  get logDir(): string | null {
    return this.logs?.dir ?? null;
  }

  /** Commits everything buffered, in one transaction. Throws StoreError (the data stays buffered). */
  flush(): void {
    this.writer.flush();
  }

  // ── read path ───────────────────────────────────────────────────────────────────────

  /** By id or unique id prefix; an ambiguous prefix throws StoreError. */
  getRun(idOrPrefix: string): RunRecord | undefined {
    return this.runs.getRun(idOrPrefix);
  }

  /** Newest first. */
  listRuns(query: HistoryQuery = {}): ListedRun[] {
    return this.runs.listRuns(query);
  }

  /** Up to maxLines stored lines from the 1-based fromLine (exact run id). */
  readLog(runId: string, fromLine: number, maxLines: number): LogLine[] {
    return this.logReader.readLog(runId, fromLine, maxLines);
  }

  /** Log lines containing text (ASCII case-insensitive), newest run first. */
  searchLogs(text: string, query: SearchQuery = {}): LogSearchHit[] {
    return this.logReader.searchLogs(text, query);
  }

  /**
   * Summarises about `maxBytes` of finished runs' logs for search (newest run first) and
   * says whether more is left. Off the write path: call it when there is time
   * (runs/logIndexing.ts). A read-only store has nothing to do.
   */
  indexLogs(maxBytes: number): IndexSlice {
    if (this.db.readonly) return { chunks: 0, bytes: 0, more: false };
    try {
      return this.logIndexer.indexSome(maxBytes);
    } catch (err) {
      throw toStoreError(err, this.file, 'write to');
    }
  }

  /**
   * Duration statistics of succeeded steps per script and step path (count, mean, σ, min,
   * max, last durations), in the order a run meets the steps. Kept up to date by every
   * finished step, so it also covers runs pruned since.
   */
  stepStats(script?: string): StepStatistic[] {
    return this.stats.list(script);
  }

  /** Recomputes all step statistics from the stored runs (`stepflow stats --rebuild`). */
  rebuildStats(): { steps: number; samples: number } {
    this.writer.flush();
    return this.stats.rebuild();
  }

  /**
   * What a run of `script` started at `before` (default: now) can expect, from the script's
   * recent successful runs; null without any.
   */
  runExpectations(script: string, before?: number): RunExpectations | null {
    const recent = this.runs.listRuns({ script, status: ['succeeded'], limit: EXPECTATION_RUNS, ...(before !== undefined ? { until: before } : {}) });
    const records = recent.map((r) => this.runs.getRun(r.id)).filter((r): r is RunRecord => r !== undefined);
    return buildExpectations(records);
  }

  runningRunIds(): string[] {
    return this.runs.runningRunIds();
  }

  /** The latest runs of one step (script and stepPathKey), newest first, as views show their status. */
  recentStepRuns(script: string, pathKey: string, limit: number): RecentStepRun[] {
    return this.runs.recentStepRuns(script, pathKey, limit);
  }

  /** Run figures per script (all scripts, or one), the latest started first. */
  scriptStatistics(script?: string): ScriptStatistic[] {
    return this.runs.scriptStatistics(script);
  }

  /** Changes exactly when another connection (another process) committed. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  metrics(): StoreMetrics {
    return this.maintenance.metrics();
  }

  // ── the processes behind running runs (runs/processRecords.ts, runs/adoption.ts) ────

  /** Stores the run's process group, start identity, owner uid and spool folder (after createRun). */
  recordProcess(runId: string, record: ProcessRecord): void {
    // The run's row is buffered by the writer until its next flush: commit it first.
    this.writer.flush();
    this.processes.record(runId, record);
  }

  /** When another process asked to cancel the run, or null. */
  cancelRequestedAt(runId: string): number | null {
    return this.processes.cancelRequestedAt(runId);
  }

  /** Who owns the run and which process group it is; undefined for an unknown id (exact). */
  runOwner(runId: string): RunOwner | undefined {
    return this.processes.owner(runId);
  }

  /** Records a cancel request for a running run; false when it is not running (any more). */
  requestCancel(runId: string, at: number = Date.now()): boolean {
    return this.processes.requestCancel(runId, at);
  }

  /** Running runs that were started adoptable (any owner: the caller judges them). */
  adoptableRuns(): AdoptableRun[] {
    return this.processes.adoptable();
  }

  /** Takes a run over from `previousOwner` for `ownerPid`; of two claimants exactly one wins. */
  claimRun(runId: string, previousOwner: number, ownerPid: number = process.pid): boolean {
    this.writer.flush();
    return this.processes.claim(runId, previousOwner, ownerPid);
  }

  /** How many lines of each stream and which steps (with their start times) a run has stored. */
  storedProgress(rid: number): StoredProgress {
    return this.processes.progress(rid);
  }

  // ── the team hub's outbox (store/hubOutbox.ts, hub/shipper.ts) ────────────────────

  /** Finished runs due for delivery to a hub at `now`, oldest first. */
  hubOutboxDue(now: number, limit: number): OutboxEntry[] {
    return this.outbox.listDue(now, limit);
  }

  /** Leases an outbox row due by `dueBy` (default `now`) for `leaseMs`; of two processes exactly one gets it. */
  claimHubDelivery(rid: number, now: number, leaseMs: number, dueBy?: number): boolean {
    return this.outbox.claim(rid, now, leaseMs, dueBy);
  }

  /** The hub stored the whole run: its outbox row goes. */
  hubDelivered(rid: number): void {
    this.outbox.delivered(rid);
  }

  /** The hub acknowledged the log up to `sentLines`. */
  hubDeliveryProgress(rid: number, sentLines: number): void {
    this.outbox.progress(rid, sentLines);
  }

  /** A delivery failed: tried again from `nextAttemptAt`. */
  hubDeliveryFailed(rid: number, nextAttemptAt: number, error: string): void {
    this.outbox.failed(rid, nextAttemptAt, error);
  }

  /** Runs still waiting for the hub. */
  hubOutboxSize(): number {
    return this.outbox.count();
  }

  // ── maintenance ─────────────────────────────────────────────────────────────────────

  /** Runs left `running` by a process that is gone become `interrupted`; returns their ids. */
  markInterrupted(isAlive: (pid: number) => boolean = processIsAlive): string[] {
    try {
      return this.maintenance.markInterrupted(isAlive, (id) => this.writer.ownsRun(id));
    } catch (err) {
      // A StoreError (FULL, LOCKED, READONLY…), so a reader can tell a refused write from a bug.
      throw toStoreError(err, this.file, 'write to');
    }
  }

  /** Deletes the oldest finished runs beyond the bounds (rows and log files). */
  prune(options: PruneOptions): { deletedRuns: number } {
    return this.maintenance.prune(options);
  }

  /**
   * `POST /api/health/optimize`: flushes, checkpoints the WAL into the database file
   * (TRUNCATE), refreshes the query planner's statistics (ANALYZE, kept cheap on a big
   * database) and runs `PRAGMA optimize`.
   */
  optimize(): OptimizeResult {
    this.writer.flush();
    const [checkpoint] = this.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    this.db.pragma('analysis_limit = 1000');
    this.db.exec('ANALYZE');
    this.db.pragma('optimize');
    return { checkpoint };
  }

  /** Flushes, then closes the database. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    let failure: unknown;
    try {
      this.writer.close();
    } catch (err) {
      failure = err;
    }
    this.logs?.close();
    this.db.close();
    if (failure) throw failure instanceof StoreError ? failure : toStoreError(failure, this.file, 'write to');
  }
}
