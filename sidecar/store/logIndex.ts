// Builds the search summaries (logGrams.ts) of finished runs' log chunks, a slice at a time,
// off the write path: computing them costs ~3 ns per byte, about as much again as ingesting
// the bytes (docs/performance.md, "Log search by index"), so a run's own writes never wait
// for it. Chunks never change once written, and a search scans every chunk that has no
// summary yet, so an index that lags behind costs speed, never results.
// `runs.indexed_lines` (migration 8) says up to which line a run's chunks are summarised; the
// partial index `runs_unindexed` holds exactly the runs with work left, newest first.
import type { Database } from './database';
import { gramsOf } from './logGrams';
import type { LogReader } from './logReader';

export interface IndexSlice {
  /** Chunks summarised in this slice. */
  chunks: number;
  /** Their bytes. */
  bytes: number;
  /** Whether finished runs with unsummarised chunks are left. */
  more: boolean;
}

interface WorkRun {
  rid: number;
  indexed_lines: number;
  line_count: number;
}

interface ChunkRow {
  first_line: number;
  line_count: number;
  size: number;
  src: number | null;
  file_off: number | null;
  data: Buffer | null;
}

/** Runs looked at per slice: a slice ends after its byte budget anyway. */
const RUNS_PER_SLICE = 16;

export class LogIndexer {
  private readonly workRuns;
  private readonly chunksAfter;
  private readonly insertGrams;
  private readonly advance;

  constructor(
    private readonly db: Database,
    private readonly reader: LogReader,
  ) {
    // The condition repeats the partial index's, so SQLite reads that index and nothing else.
    this.workRuns = db.prepare(
      `SELECT rid, indexed_lines, line_count FROM runs INDEXED BY runs_unindexed
       WHERE indexed_lines < line_count AND status != 'running' ORDER BY started_at DESC LIMIT ${RUNS_PER_SLICE}`,
    );
    this.chunksAfter = db.prepare(
      'SELECT first_line, line_count, size, src, file_off, data FROM log_chunks WHERE rid = ? AND first_line > ? ORDER BY first_line',
    );
    // A run pruned by another process since its chunks were read gets no summaries.
    this.insertGrams = db.prepare(
      'INSERT INTO log_grams (rid, first_line, grams) SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM runs WHERE rid = ?) ON CONFLICT(rid, first_line) DO NOTHING',
    );
    this.advance = db.prepare('UPDATE runs SET indexed_lines = max(indexed_lines, ?) WHERE rid = ?');
  }

  /**
   * Summarises chunks of finished runs, newest run first, until about `maxBytes` were read,
   * and commits them in one short write transaction. Several processes may do this at once:
   * the same summary written twice is kept once.
   */
  indexSome(maxBytes: number): IndexSlice {
    const work = this.workRuns.all() as WorkRun[];
    const rows: Array<{ rid: number; firstLine: number; grams: Buffer }> = [];
    const reached = new Map<number, number>();
    let bytes = 0;
    let more = false;
    for (const run of work) {
      if (bytes >= maxBytes) {
        more = true;
        break;
      }
      let upTo = run.indexed_lines;
      let complete = true;
      for (const chunk of this.chunksAfter.iterate(run.rid, run.indexed_lines) as IterableIterator<ChunkRow>) {
        if (bytes >= maxBytes) {
          complete = false;
          break; // leaving the loop resets the statement
        }
        const data = this.reader.bytesOf(run.rid, chunk.src, chunk.file_off, chunk.size, chunk.data);
        rows.push({ rid: run.rid, firstLine: chunk.first_line, grams: gramsOf(data) });
        bytes += chunk.size;
        upTo = chunk.first_line + chunk.line_count - 1;
      }
      // A finished run gets no new chunks: once all are read, lines counted but never stored
      // (a log cut by a full disk) must not keep it on the work list.
      reached.set(run.rid, complete ? Math.max(upTo, run.line_count) : upTo);
      if (!complete) more = true;
    }
    if (work.length === RUNS_PER_SLICE) more = true;
    if (reached.size > 0) {
      this.db
        .transaction(() => {
          for (const row of rows) this.insertGrams.run(row.rid, row.firstLine, row.grams, row.rid);
          for (const [rid, line] of reached) this.advance.run(line, rid);
        })
        .immediate();
    }
    return { chunks: rows.length, bytes, more };
  }
}
