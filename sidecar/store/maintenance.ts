// Housekeeping on the shared database: runs whose writer died, retention, and figures for
// the health endpoint. Each change is its own short IMMEDIATE transaction, and each one
// re-checks its condition inside the lock, so two processes doing the same at once is fine.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Database } from './database';
import { readAt, sourceCode, type LogFiles } from './logFiles';
import { MERGED_FILE } from '../runner/spool';
import { isSignallableGroup, sameGroup } from '../runner/processGroup';
import { removeSummaryOf } from '../runs/stepSummary';
import { schemaVersion } from './schema';

export interface PruneOptions {
  /** Keep at most this many runs (running ones are never deleted). */
  maxRuns?: number;
  /** Keep the stored log bytes of all runs at or under this. */
  maxBytes?: number;
}

export interface StoreMetrics {
  schemaVersion: number;
  pageSize: number;
  pageCount: number;
  freePages: number;
  dbBytes: number;
  walBytes: number;
  logFileBytes: number;
  runs: number;
  runsByStatus: Record<string, number>;
  dataVersion: number;
  /** The connection's settings (database.ts applyPragmas). */
  journalMode: string;
  synchronous: number;
  cacheSizeKiB: number;
  mmapSizeBytes: number;
}

/** Default liveness test: signal 0 checks that the process exists without touching it. */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

const DELETE_BATCH = 100;
/** Recovered output is stored in chunks of whole lines up to this size. */
const RECOVER_CHUNK = 256 * 1024;
/** A recovered tail up to this size goes inside the database; a bigger one stays in its file. */
const RECOVER_INLINE = 1024 * 1024;

export class Maintenance {
  private readonly host = os.hostname();

  constructor(
    private readonly db: Database,
    private readonly logs: LogFiles | null,
  ) {}

  /**
   * Marks `interrupted` the runs still `running` whose owner process (on this host) is gone.
   * Their end is the last thing they wrote; steps still open become `cancelled`.
   */
  markInterrupted(isAlive: (pid: number) => boolean, isOwn: (runId: string) => boolean): string[] {
    const rows = this.db
      .prepare(`SELECT rid, id, owner_pid, owner_host, spool_dir, pgid, proc_start, adopt_grace_ms FROM runs WHERE status = 'running'`)
      .all() as Array<{
        rid: number;
        id: string;
        owner_pid: number | null;
        owner_host: string | null;
        spool_dir: string | null;
        pgid: number | null;
        proc_start: string | null;
        adopt_grace_ms: number | null;
      }>;
    // A pid means nothing on another machine, and a run without one cannot be judged. An
    // adoptable run (the editor's, whose language server a reload restarts) whose script
    // still runs is not interrupted: the next language server adopts it (runs/adoption.ts),
    // or its owner's watchdog ends it after the grace period and a later check marks it.
    const dead = rows.filter(
      (r) =>
        !isOwn(r.id) &&
        r.owner_pid !== null &&
        (r.owner_host === null || r.owner_host === this.host) &&
        !isAlive(r.owner_pid) &&
        !(r.adopt_grace_ms !== null && isSignallableGroup(r.pgid) && r.proc_start !== null && sameGroup(r.pgid, r.proc_start)),
    );
    if (dead.length === 0) return [];
    const lastSeen = this.db.prepare(
      `SELECT max(r.started_at,
                  coalesce((SELECT at FROM log_chunks WHERE rid = r.rid ORDER BY first_line DESC LIMIT 1), 0),
                  coalesce((SELECT max(coalesce(ended_at, started_at)) FROM steps WHERE rid = r.rid), 0)) AS ended_at,
              max(r.line_count, coalesce((SELECT first_line + line_count - 1 FROM log_chunks WHERE rid = r.rid ORDER BY first_line DESC LIMIT 1), 0)) AS lines
       FROM runs r WHERE r.rid = ?`,
    );
    const markRun = this.db.prepare(
      `UPDATE runs SET status = 'interrupted', ended_at = ?, duration_ms = ? - started_at, line_count = ?, error = coalesce(error, ?)
       WHERE rid = ? AND status = 'running'`,
    );
    const closeSteps = this.db.prepare(
      `UPDATE steps SET status = 'cancelled', ended_at = ?, duration_ms = max(0, ? - started_at) WHERE rid = ? AND status = 'running'`,
    );
    const marked: string[] = [];
    this.db
      .transaction(() => {
        for (const run of dead) {
          const status = this.db.prepare('SELECT status FROM runs WHERE rid = ?').pluck().get(run.rid);
          if (status !== 'running') continue; // another process got there first
          // What the script wrote after the owner's last flush (and after the owner died,
          // until its watchdog ended the group) is still in its spool files: keep it.
          if (run.spool_dir) {
            try {
              this.recoverOutput(run.rid, run.spool_dir);
            } catch (err) {
              process.emitWarning(`StepFlow could not keep the last output of run ${run.id}: ${(err as Error).message}`);
            }
          }
          const seen = lastSeen.get(run.rid) as { ended_at: number; lines: number };
          const error = JSON.stringify({
            message: `interrupted: the process that ran it (pid ${run.owner_pid}) stopped`,
            file: null,
            line: null,
            column: null,
          });
          if (markRun.run(seen.ended_at, seen.ended_at, seen.lines, error, run.rid).changes === 0) continue;
          closeSteps.run(seen.ended_at, seen.ended_at, run.rid);
          marked.push(run.id);
        }
      })
      .immediate();
    for (const id of marked) removeSummaryOf(this.logs?.dir ?? null, id);
    // Then their runner's spool folders (a crash leaves them behind); not those of runs
    // still running, whose owner may yet die and leave output to keep.
    this.logs?.removeDeadSpools(isAlive, this.runningSpoolDirs());
    return marked;
  }

  /** Spool folders of runs still `running`: never removed by a sweep. */
  private runningSpoolDirs(): Set<string> {
    const dirs = this.db.prepare(`SELECT spool_dir FROM runs WHERE status = 'running' AND spool_dir IS NOT NULL`).pluck().all() as string[];
    return new Set(dirs.map((d) => path.resolve(d)));
  }

  /**
   * Stores the output of run `rid` that its spool files hold beyond the lines already stored.
   * Stream by stream: skip as many lines as are stored for that stream (with one merged
   * spool every line is stream 1, so this is simply "all stored lines"), store the rest as
   * new chunks numbered after the last stored line. A spool file the store already adopted
   * (`<rid>.out`/`.err`, spilled runs) is read where it is now. Inside the caller's transaction.
   */
  private recoverOutput(rid: number, spoolDir: string): void {
    const perStream = new Map<number, number>();
    for (const row of this.db.prepare('SELECT stream, sum(line_count) AS n FROM log_chunks WHERE rid = ? GROUP BY stream').all(rid) as Array<{ stream: number; n: number }>) {
      perStream.set(row.stream, row.n);
    }
    let nextLine =
      1 + ((this.db.prepare('SELECT coalesce(max(first_line + line_count - 1), 0) FROM log_chunks WHERE rid = ?').pluck().get(rid) as number) ?? 0);
    const insert = this.db.prepare(
      `INSERT INTO log_chunks (rid, first_line, line_count, stream, at, size, src, file_off, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(rid, first_line) DO NOTHING`,
    );
    let addedBytes = 0;
    for (const stream of [1, 2] as const) {
      const source = stream === 1 ? 'stdout' : 'stderr';
      const candidates = stream === 1 ? [path.join(spoolDir, MERGED_FILE), path.join(spoolDir, 'stdout')] : [path.join(spoolDir, 'stderr')];
      if (this.logs) candidates.push(this.logs.fileOf(rid, source));
      let file = candidates.find((f) => fs.existsSync(f));
      if (!file) continue;
      const fd = fs.openSync(file, 'r');
      let tail: Buffer;
      let tailOffset: number;
      let at: number;
      try {
        const size = fs.fstatSync(fd).size;
        at = Math.floor(fs.fstatSync(fd).mtimeMs);
        tailOffset = offsetAfterLines(fd, size, perStream.get(stream) ?? 0);
        if (tailOffset >= size) continue;
        // Only a tail small enough to store inline is read into memory.
        tail = size - tailOffset <= RECOVER_INLINE ? readAt(fd, tailOffset, size - tailOffset) : Buffer.alloc(0);
        if (tail.length === 0) {
          // A big tail stays in its file: adopt a spool file as the run's, point rows into it.
          const wholeEnd = lastNewlineBefore(fd, tailOffset, size);
          if (this.logs && wholeEnd > tailOffset) {
            const own = this.logs.fileOf(rid, source);
            if (file !== own) {
              this.logs.adopt(rid, source, file);
              file = own;
            }
            for (const [off, len, lines] of splitLines(fd, tailOffset, wholeEnd)) {
              insert.run(rid, nextLine, lines, stream, at, len, sourceCode(source), off, null);
              nextLine += lines;
              addedBytes += len;
            }
            tailOffset = wholeEnd;
          }
          tail = readAt(fd, tailOffset, Math.min(size - tailOffset, RECOVER_INLINE));
        }
      } finally {
        fs.closeSync(fd);
      }
      // Inline: whole lines in chunks; a last line without its newline gets one.
      let start = 0;
      while (start < tail.length) {
        let end = Math.min(tail.length, start + RECOVER_CHUNK);
        if (end < tail.length) {
          const nl = tail.lastIndexOf(10, end - 1);
          end = nl >= start ? nl + 1 : tail.indexOf(10, end) + 1 || tail.length;
        }
        let piece = tail.subarray(start, end);
        if (piece[piece.length - 1] !== 10) piece = Buffer.concat([piece, Buffer.from('\n')]);
        let lines = 0;
        for (let i = piece.indexOf(10); i >= 0; i = piece.indexOf(10, i + 1)) lines++;
        insert.run(rid, nextLine, lines, stream, at, piece.length, null, null, piece);
        nextLine += lines;
        addedBytes += piece.length;
        start = end;
      }
    }
    if (addedBytes > 0) {
      this.db.prepare('UPDATE runs SET line_count = max(line_count, ?), log_bytes = log_bytes + ? WHERE rid = ?').run(nextLine - 1, addedBytes, rid);
    }
  }

  /** Deletes the oldest finished runs beyond the bounds, their rows and log files. */
  prune(options: PruneOptions): { deletedRuns: number } {
    // Cheap when within bounds: the CLI prunes after every run.
    const totals = this.db.prepare('SELECT count(*) AS runs, coalesce(sum(log_bytes), 0) AS bytes FROM runs').get() as { runs: number; bytes: number };
    const maxRuns = options.maxRuns === undefined ? Infinity : Math.max(0, options.maxRuns);
    const maxBytes = options.maxBytes === undefined ? Infinity : Math.max(0, options.maxBytes);
    if (totals.runs <= maxRuns && totals.bytes <= maxBytes) return { deletedRuns: 0 };
    const finished = this.db
      .prepare(`SELECT rid, log_bytes FROM runs WHERE status != 'running' ORDER BY started_at, rid`)
      .all() as Array<{ rid: number; log_bytes: number }>;
    const doomed = new Set<number>();
    let runs = totals.runs;
    let bytes = totals.bytes;
    // Oldest first, until both bounds hold; running runs are never candidates.
    for (const run of finished) {
      if (runs <= maxRuns && bytes <= maxBytes) break;
      doomed.add(run.rid);
      runs -= 1;
      bytes -= run.log_bytes;
    }
    if (doomed.size === 0) return { deletedRuns: 0 };

    const rids = [...doomed];
    let deletedRuns = 0;
    // Batches keep each write lock short: other processes keep writing meanwhile.
    for (let i = 0; i < rids.length; i += DELETE_BATCH) {
      const batch = rids.slice(i, i + DELETE_BATCH);
      const placeholders = batch.map(() => '?').join(', ');
      const removed = this.db
        .transaction(() => {
          const gone = this.db.prepare(`SELECT rid FROM runs WHERE rid IN (${placeholders}) AND status != 'running'`).pluck().all(...batch) as number[];
          this.db.prepare(`DELETE FROM runs WHERE rid IN (${placeholders}) AND status != 'running'`).run(...batch);
          return gone;
        })
        .immediate();
      deletedRuns += removed.length;
      this.logs?.remove(removed); // after the commit: a row never points at a deleted file
    }
    this.compact();
    return { deletedRuns };
  }

  /** Hands freed pages back to the file system and removes log files nobody points at. */
  compact(): void {
    if (this.logs) {
      const logs = this.logs;
      const live = this.db.prepare('SELECT 1 FROM runs WHERE rid = ?').pluck();
      // Under the write lock: a writer creates a new run's file only while holding it.
      this.db.transaction(() => logs.sweep((rid) => live.get(rid) !== undefined)).immediate();
      logs.removeDeadSpools(processIsAlive, this.runningSpoolDirs());
    }
    this.db.pragma('incremental_vacuum');
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  metrics(): StoreMetrics {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pageCount = this.db.pragma('page_count', { simple: true }) as number;
    const runsByStatus: Record<string, number> = {};
    let runs = 0;
    for (const row of this.db.prepare('SELECT status, count(*) AS n FROM runs GROUP BY status').all() as Array<{ status: string; n: number }>) {
      runsByStatus[row.status] = row.n;
      runs += row.n;
    }
    let walBytes = 0;
    try {
      walBytes = this.db.memory ? 0 : fs.statSync(`${this.db.name}-wal`).size;
    } catch {
      // no WAL file at the moment
    }
    return {
      schemaVersion: schemaVersion(this.db),
      pageSize,
      pageCount,
      freePages: this.db.pragma('freelist_count', { simple: true }) as number,
      dbBytes: pageSize * pageCount,
      walBytes,
      logFileBytes: this.logs?.totalBytes() ?? 0,
      runs,
      runsByStatus,
      dataVersion: this.db.pragma('data_version', { simple: true }) as number,
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: Number(this.db.pragma('synchronous', { simple: true })),
      // Negative cache_size is KiB, positive a page count (SQLite's convention); ours is set in KiB.
      cacheSizeKiB: Math.abs(Number(this.db.pragma('cache_size', { simple: true }))),
      mmapSizeBytes: Number(this.db.pragma('mmap_size', { simple: true })),
    };
  }
}

const SCAN_BLOCK = 1024 * 1024;


/** The offset just past the `lines`-th newline of the file (its size when it has fewer). */
function offsetAfterLines(fd: number, size: number, lines: number): number {
  if (lines <= 0) return 0;
  let seen = 0;
  for (let pos = 0; pos < size; pos += SCAN_BLOCK) {
    const block = readAt(fd, pos, Math.min(SCAN_BLOCK, size - pos));
    for (let i = block.indexOf(10); i >= 0; i = block.indexOf(10, i + 1)) {
      if (++seen === lines) return pos + i + 1;
    }
  }
  return size;
}

/** The offset just past the last newline in [from, to), or `from` when there is none. */
function lastNewlineBefore(fd: number, from: number, to: number): number {
  for (let end = to; end > from; end -= SCAN_BLOCK) {
    const start = Math.max(from, end - SCAN_BLOCK);
    const nl = readAt(fd, start, end - start).lastIndexOf(10);
    if (nl >= 0) return start + nl + 1;
  }
  return from;
}

/** [offset, length, lines] pieces of whole lines, each up to about RECOVER_CHUNK bytes. */
function splitLines(fd: number, from: number, to: number): Array<[number, number, number]> {
  const pieces: Array<[number, number, number]> = [];
  let start = from;
  let lines = 0;
  for (let pos = from; pos < to; pos += SCAN_BLOCK) {
    const block = readAt(fd, pos, Math.min(SCAN_BLOCK, to - pos));
    for (let i = block.indexOf(10); i >= 0; i = block.indexOf(10, i + 1)) {
      lines++;
      const end = pos + i + 1;
      if (end - start >= RECOVER_CHUNK) {
        pieces.push([start, end - start, lines]);
        start = end;
        lines = 0;
      }
    }
  }
  if (to > start) pieces.push([start, to - start, lines]);
  return pieces;
}
