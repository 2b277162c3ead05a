// Housekeeping on the shared database: runs whose writer died, retention, and figures for
// the health endpoint. Each change is its own short IMMEDIATE transaction, and each one
// re-checks its condition inside the lock, so two processes doing the same at once is fine.
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { Database } from './database';
import type { LogFiles } from './logFiles';
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
      .prepare(`SELECT rid, id, owner_pid, owner_host FROM runs WHERE status = 'running'`)
      .all() as Array<{ rid: number; id: string; owner_pid: number | null; owner_host: string | null }>;
    // A pid means nothing on another machine, and a run without one cannot be judged.
    const dead = rows.filter(
      (r) => !isOwn(r.id) && r.owner_pid !== null && (r.owner_host === null || r.owner_host === this.host) && !isAlive(r.owner_pid),
    );
    if (dead.length === 0) return [];
    // Their runner's spool folders too (a crash leaves them behind).
    this.logs?.removeDeadSpools(isAlive);
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
    return marked;
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
      logs.removeDeadSpools(processIsAlive);
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
    };
  }
}
