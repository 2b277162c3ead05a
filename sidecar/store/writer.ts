// The write path. Everything a run produces is buffered in memory and written by flush()
// in ONE short `BEGIN IMMEDIATE` transaction for all runs: output as chunks of whole lines
// (consecutive output of one run and stream is coalesced up to maxChunkBytes), steps,
// warnings, metadata, artifacts and run results. Never a transaction per line: the cost of
// a commit is paid once per flush, and the write lock is held for milliseconds, so other
// processes sharing the database queue behind busy_timeout instead of failing.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunEvent } from '../protocol/events';
import type { StreamName } from '../protocol/model';
import type { Database } from './database';
import { DiskReserve } from './diskReserve';
import { StoreError, toStoreError } from './errors';
import { sourceCode, type LogFiles } from './logFiles';
import { EventApplier, type RunState } from './applyEvents';

export interface NewRun {
  id: string;
  script: string;
  args: readonly string[];
  cwd: string;
  profile: string | null;
  startedAt: number;
  ownerPid?: number;
}

export interface WriterOptions {
  flushIntervalMs: number;
  maxBufferedBytes: number;
  maxChunkBytes: number;
  /** Bytes of a run's log kept inside the database before the rest goes to its log file. */
  inlineLogBytes: number;
  onError: (err: StoreError) => void;
}

interface PendingChunk {
  state: RunState;
  stream: 1 | 2;
  firstLine: number;
  lineCount: number;
  at: number;
  size: number;
  parts: Buffer[];
  /** Where the same bytes already are, in the file the script wrote them to. */
  source: SpoolSource | null;
}

/**
 * Output bytes that are also, byte for byte, at `offset` in the spool file the script wrote
 * them into (runner/spool.ts): a big run's log then points there instead of copying them.
 */
export interface SpoolSource {
  file: string;
  offset: number;
}

/** Coalesced chunks must not hide arrival times: a chunk spans at most this much time. */
const COALESCE_SPAN_MS = 250;
/** Beyond this many buffered bytes a failing flush makes appendOutput throw instead of growing. */
const HARD_LIMIT_FACTOR = 8;

export class WriteBatcher {
  private readonly runs = new Map<string, RunState>();
  private newRuns: NewRun[] = [];
  private chunks: PendingChunk[] = [];
  private events: RunEvent[] = [];
  private bufferedBytes = 0;
  /** Runs whose output could not be stored because the disk was full: the first line not stored, and where their files were cut. */
  private readonly truncated = new Map<string, { line: number; files: Map<string, number> }>();
  private retryingFull = false;
  private timer: NodeJS.Timeout | undefined;
  private flushing = false;
  private readonly host = os.hostname();
  private readonly insertRun;
  private readonly selectRun;
  private readonly insertChunk;
  private readonly updateRunLog;
  private readonly applier: EventApplier;
  /** Room kept for the end of a run on a disk that fills up (diskReserve.ts); none without files. */
  private readonly reserve: DiskReserve | null;

  constructor(
    private readonly db: Database,
    private readonly logs: LogFiles | null,
    private readonly options: WriterOptions,
  ) {
    this.insertRun = db.prepare(
      `INSERT INTO runs (id, script, args, cwd, profile, started_at, owner_pid, owner_host)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
    );
    this.selectRun = db.prepare(
      `SELECT rid, log_bytes - coalesce((SELECT sum(size) FROM log_chunks c WHERE c.rid = runs.rid AND c.file_off IS NOT NULL), 0) AS inline_bytes,
              EXISTS (SELECT 1 FROM log_chunks c WHERE c.rid = runs.rid AND c.file_off IS NOT NULL) AS spilled
       FROM runs WHERE id = ?`,
    );
    this.insertChunk = db.prepare(
      `INSERT INTO log_chunks (rid, first_line, line_count, stream, at, size, src, file_off, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(rid, first_line) DO NOTHING`,
    );
    this.applier = new EventApplier(db);
    this.reserve = logs && !db.memory ? new DiskReserve(`${path.resolve(db.name)}-reserve`) : null;
    this.updateRunLog = db.prepare(
      'UPDATE runs SET line_count = max(line_count, ?), log_bytes = log_bytes + ? WHERE rid = ?',
    );
  }

  /** Runs this process is writing and has not seen finish. */
  ownsRun(runId: string): boolean {
    const state = this.runs.get(runId);
    return state !== undefined && !state.finished;
  }

  get pendingBytes(): number {
    return this.bufferedBytes;
  }

  createRun(run: NewRun): void {
    const existing = this.runs.get(run.id);
    if (existing && !existing.adopted) return; // idempotent
    // Events that came before their createRun were parked on an adopted state: keep them.
    if (existing) existing.adopted = false;
    else this.runs.set(run.id, newState(run.id));
    this.reserve?.ensure();
    this.newRuns.push({ ...run, args: [...run.args] });
    this.schedule();
  }

  enqueue(event: RunEvent): void {
    switch (event.type) {
      case 'runStarted':
        this.createRun({ id: event.runId, script: event.script, args: event.args, cwd: event.cwd, profile: event.profile, startedAt: event.startedAt, ownerPid: process.pid });
        return;
      case 'output':
        this.appendOutput(event.runId, event.stream, event.firstLine, event.lineCount, Buffer.from(event.text, 'utf8'), event.at);
        return;
      default:
        this.events.push(event);
        if (event.type === 'runFinished') {
          // The run's result must be visible to `stepflow run --json`, other windows and
          // the history at once, not 50 ms later.
          this.flushReporting();
        } else {
          this.schedule();
        }
    }
  }

  /**
   * Output lines `firstLine … firstLine+lineCount-1` (whole lines, each ending in "\n").
   * The store keeps a reference to `bytes`: the caller must not reuse the buffer.
   */
  appendOutput(runId: string, stream: StreamName, firstLine: number, lineCount: number, bytes: Buffer, at: number, source?: SpoolSource): void {
    if (lineCount <= 0 || bytes.length === 0) return;
    if (this.truncated.has(runId)) return; // the disk filled up: this run's log stops there
    const state = this.runs.get(runId) ?? this.adopt(runId);
    const code = stream === 'stderr' ? 2 : 1;
    const last = state.lastChunk as PendingChunk | undefined;
    if (
      last &&
      last.stream === code &&
      last.firstLine + last.lineCount === firstLine &&
      last.size + bytes.length <= this.options.maxChunkBytes &&
      at - last.at <= COALESCE_SPAN_MS &&
      (source === undefined ? last.source === null : last.source?.file === source.file && last.source.offset + last.size === source.offset)
    ) {
      last.parts.push(bytes);
      last.size += bytes.length;
      last.lineCount += lineCount;
    } else {
      const chunk: PendingChunk = { state, stream: code, firstLine, lineCount, at, size: bytes.length, parts: [bytes], source: source ?? null };
      this.chunks.push(chunk);
      state.lastChunk = chunk;
    }
    this.bufferedBytes += bytes.length;
    if (this.bufferedBytes >= this.options.maxBufferedBytes) {
      this.flushReporting();
      if (this.bufferedBytes >= this.options.maxBufferedBytes * HARD_LIMIT_FACTOR) {
        throw new StoreError(`cannot write to database ${this.db.name}: ${this.bufferedBytes} bytes of output are waiting and writes keep failing`, 'IO');
      }
    } else {
      this.schedule();
    }
  }

  /** Writes everything buffered in one transaction. Throws StoreError; nothing is lost then. */
  flush(): void {
    if (this.flushing) return; // re-entered from onError or a timer: the outer flush does it
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.newRuns.length === 0 && this.chunks.length === 0 && this.events.length === 0) return;
    const newRuns = this.newRuns;
    const chunks = this.chunks;
    const events = this.events;
    this.newRuns = [];
    this.chunks = [];
    this.events = [];
    for (const chunk of chunks) chunk.state.lastChunk = undefined;
    this.flushing = true;
    let finished: RunState[] = [];
    this.logs?.begin();
    try {
      this.db
        .transaction(() => {
          for (const run of newRuns) this.insertNewRun(run);
          this.writeChunks(chunks);
          for (const event of events) {
            const state = this.runs.get(event.runId) ?? this.adopt(event.runId);
            if (this.resolve(state)) this.applier.apply(state, event);
          }
          finished = this.applier.endBatch();
        })
        .immediate();
      this.logs?.commit();
    } catch (err) {
      // Roll our bookkeeping back with the transaction and keep the data for the next try;
      // so are the files: spool files moved in go back, appended bytes are cut off (and
      // those files' writers closed, so the next append starts at the real size).
      this.applier.reset();
      for (const state of this.runs.values()) state.work = { ...state.committed };
      this.logs?.rollback();
      const failure = toStoreError(err, this.db.name, 'write to');
      const freedReserve = failure.code === 'FULL' && !this.retryingFull && this.reserve !== null && this.reserve.release();
      if (failure.code === 'FULL' && !this.retryingFull && (freedReserve || chunks.length > 0 || this.truncated.size > 0)) {
        // Disk full: the output that cannot be stored is given up, and its bytes
        // in the spool/log files freed (again: a script still running fills them up), so
        // the steps, the end and a note saying where the log stops can still be written —
        // into the room kept in reserve when that is not enough (diskReserve.ts).
        // The script is left alone.
        const notes = this.giveUpOutput(chunks);
        this.newRuns = [...newRuns, ...this.newRuns];
        this.events = [...events, ...notes.events, ...this.events];
        if (notes.message) this.options.onError(new StoreError(`${failure.message} — ${notes.message}`, 'FULL', err));
        this.flushing = false;
        this.retryingFull = true;
        try {
          this.flush(); // throws on if even that cannot be written
        } finally {
          this.retryingFull = false;
        }
        // Nothing was lost, but the next write may find no room: say so once.
        if (!notes.message && freedReserve) {
          this.options.onError(new StoreError(`${failure.message} — stored in the room kept in reserve (${this.reserve!.file}); free some space`, 'FULL', err));
        }
        return;
      }
      this.newRuns = [...newRuns, ...this.newRuns];
      this.chunks = [...chunks, ...this.chunks];
      this.events = [...events, ...this.events];
      throw failure;
    } finally {
      this.flushing = false;
    }
    for (const state of this.runs.values()) state.committed = { ...state.work };
    this.bufferedBytes -= chunks.reduce((sum, c) => sum + c.size, 0);
    if (this.truncated.size === 0) this.reserve?.restore();
    for (const state of finished) this.release(state);
    // Runs adopted for a late event (say an outlier warning after the finish) are not kept.
    for (const state of this.runs.values()) if (state.adopted) this.release(state);
  }

  /**
   * After a write failed because the disk is full: drops these output chunks (they stay
   * unstored, and so does everything the run prints later), truncates the files they
   * point into back to where the stored log ends — for every run cut so far — and returns
   * a warning per newly cut run.
   */
  private giveUpOutput(chunks: readonly PendingChunk[]): { events: RunEvent[]; message: string } {
    const events: RunEvent[] = [];
    const parts: string[] = [];
    for (const chunk of chunks) {
      this.bufferedBytes -= chunk.size;
      let cut = this.truncated.get(chunk.state.id);
      if (!cut) {
        cut = { line: chunk.firstLine, files: new Map<string, number>() };
        this.truncated.set(chunk.state.id, cut);
        const message = `disk full: output truncated at line ${cut.line} (the rest was not stored)`;
        events.push({ type: 'warning', runId: chunk.state.id, stepId: null, warning: { type: 'protocol', severity: 'critical', message, file: null, line: cut.line }, at: Date.now() });
        parts.push(`run ${chunk.state.id}: output truncated at line ${cut.line}`);
      }
      if (chunk.source) {
        // The spool file, or the run's own file once the store took it over (renamed) —
        // known by where it was moved, not by the run's rowid: a run whose first write
        // failed has none committed yet.
        const file = this.logs ? this.logs.locate(chunk.source.file) : chunk.source.file;
        cut.files.set(file, Math.min(cut.files.get(file) ?? Infinity, chunk.source.offset));
      }
    }
    for (const cut of this.truncated.values()) cutFiles(cut.files);
    return { events, message: parts.join('; ') };
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
  }

  private insertNewRun(run: NewRun): void {
    this.insertRun.run(run.id, run.script, JSON.stringify(run.args), run.cwd, run.profile, run.startedAt, run.ownerPid ?? null, this.host);
  }

  /** Finds the run's rowid (and, for a run this store did not create, what it stored so far). */
  private resolve(state: RunState): boolean {
    if (state.work.rid !== undefined) return true;
    const row = this.selectRun.get(state.id) as { rid: number; inline_bytes: number; spilled: number } | undefined;
    if (!row) {
      this.options.onError(new StoreError(`dropped data for unknown run ${state.id}`, 'UNKNOWN'));
      return false;
    }
    state.work.rid = row.rid;
    if (state.adopted) {
      state.work.inlineBytes = row.inline_bytes;
      state.work.spilled = row.spilled === 1;
    }
    return true;
  }

  private writeChunks(chunks: readonly PendingChunk[]): void {
    const totals = new Map<RunState, { lastLine: number; bytes: number }>();
    for (const chunk of chunks) {
      const state = chunk.state;
      if (!this.resolve(state)) continue;
      const work = state.work;
      let fileOffset: number | null = null;
      let src: number | null = null;
      let data: Buffer | null = null;
      if (this.logs && (work.spilled || work.inlineBytes + chunk.size > this.options.inlineLogBytes)) {
        // Bytes first, row second: a committed row always points at bytes that exist.
        if (chunk.source && this.adoptSpool(work.rid!, chunk)) {
          fileOffset = chunk.source.offset;
          src = sourceCode(chunk.stream === 2 ? 'stderr' : 'stdout');
        } else {
          fileOffset = this.logs.append(work.rid!, chunk.parts);
        }
        work.spilled = true;
      } else {
        data = chunk.parts.length === 1 ? chunk.parts[0]! : Buffer.concat(chunk.parts, chunk.size);
        work.inlineBytes += chunk.size;
      }
      const result = this.insertChunk.run(work.rid!, chunk.firstLine, chunk.lineCount, chunk.stream, chunk.at, chunk.size, src, fileOffset, data);
      if (result.changes === 0) continue; // the same lines again: idempotent
      const total = totals.get(state) ?? { lastLine: 0, bytes: 0 };
      total.lastLine = Math.max(total.lastLine, chunk.firstLine + chunk.lineCount - 1);
      total.bytes += chunk.size;
      totals.set(state, total);
    }
    for (const [state, total] of totals) this.updateRunLog.run(total.lastLine, total.bytes, state.work.rid!);
  }

  /**
   * Makes the chunk's spool file the run's own (once per run and stream). False when it is
   * gone (the runner removed it after a failed flush, say): the chunk's bytes, which we still
   * hold, then go to the store's own log file like any other.
   */
  private adoptSpool(rid: number, chunk: PendingChunk): boolean {
    try {
      this.logs!.adopt(rid, chunk.stream === 2 ? 'stderr' : 'stdout', chunk.source!.file);
      return true;
    } catch {
      return false;
    }
  }

  /** State for a run this store did not create (events replayed, another Store instance). */
  private adopt(runId: string): RunState {
    const state = newState(runId);
    state.adopted = true;
    this.runs.set(runId, state);
    return state;
  }

  private release(state: RunState): void {
    if (state.work.rid !== undefined) this.logs?.closeWriter(state.work.rid);
    // What the script wrote after the last failed write is not stored either: free it too.
    const cut = this.truncated.get(state.id);
    if (cut) cutFiles(cut.files);
    state.finished = true;
    this.runs.delete(state.id);
    this.truncated.delete(state.id);
  }

  private flushReporting(): void {
    try {
      this.flush();
    } catch (err) {
      this.options.onError(err instanceof StoreError ? err : toStoreError(err, this.db.name, 'write to'));
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushReporting();
    }, this.options.flushIntervalMs);
    this.timer.unref();
  }
}

/** Cuts each file back to its offset: the bytes beyond are referenced by no row. */
function cutFiles(files: ReadonlyMap<string, number>): void {
  for (const [file, offset] of files) {
    try {
      if (fs.statSync(file).size > offset) fs.truncateSync(file, offset);
    } catch {
      // gone already: nothing to free
    }
  }
}

function newState(id: string): RunState {
  const work = { rid: undefined, inlineBytes: 0, spilled: false };
  return { id, adopted: false, finished: false, lastChunk: undefined, stepNames: new Map(), work, committed: { ...work } };
}
