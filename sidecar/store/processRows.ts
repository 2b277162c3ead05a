// The process behind a running run, as stored with it (migrations 4 and 5): who owns the
// run, its process group and start identity, its spool folder, a cancel request from
// another process, and what an adopter needs to continue it. Only the rows: the decisions
// (same host and user, is the group still the recorded one, signals) are made in
// runs/processRecords.ts and runs/adoption.ts.
import type { StreamName } from '../protocol/model';
import type { Database } from './database';

/** What a run's process is, recorded once the script has been spawned. */
export interface ProcessRecord {
  pgid: number;
  procStart: string | null;
  ownerUid: number | null;
  spoolDir: string | null;
  /** Set for a run another process may adopt if its owner dies (runs/adoption.ts). */
  adoptGraceMs: number | null;
}

/** Who owns a run and which process group it is. */
export interface RunOwner {
  status: string;
  ownerPid: number | null;
  ownerHost: string | null;
  ownerUid: number | null;
  pgid: number | null;
  procStart: string | null;
}

/** A running run that was started adoptable, with everything needed to judge and adopt it. */
export interface AdoptableRun extends RunOwner {
  rid: number;
  id: string;
  script: string;
  cwd: string;
  startedAt: number;
  spoolDir: string | null;
  adoptGraceMs: number;
}

/** What a run's (dead) owner stored: read after the claim, when nobody else adds to it. */
export interface StoredProgress {
  /** Lines already stored, per stream: the first this many lines of each spool file. */
  lines: Record<StreamName, number>;
  /** When each stored step started (the replay rebuilds the tracker; these are its times). */
  stepStarts: Map<number, number>;
}

export class ProcessRows {
  constructor(private readonly db: Database) {}

  record(runId: string, info: ProcessRecord): void {
    this.db
      .prepare('UPDATE runs SET pgid = ?, proc_start = ?, owner_uid = ?, spool_dir = ?, adopt_grace_ms = ? WHERE id = ?')
      .run(info.pgid, info.procStart, info.ownerUid, info.spoolDir, info.adoptGraceMs, runId);
  }

  cancelRequestedAt(runId: string): number | null {
    const at = this.db.prepare('SELECT cancel_requested_at FROM runs WHERE id = ?').pluck().get(runId);
    return typeof at === 'number' ? at : null;
  }

  owner(runId: string): RunOwner | undefined {
    return this.db
      .prepare(
        `SELECT status, owner_pid AS ownerPid, owner_host AS ownerHost, owner_uid AS ownerUid, pgid, proc_start AS procStart
         FROM runs WHERE id = ?`,
      )
      .get(runId) as RunOwner | undefined;
  }

  /** Records a cancel request for a run still running; false when it is not running (any more). */
  requestCancel(runId: string, at: number): boolean {
    return this.db.prepare(`UPDATE runs SET cancel_requested_at = ? WHERE id = ? AND status = 'running'`).run(at, runId).changes > 0;
  }

  adoptable(): AdoptableRun[] {
    return this.db
      .prepare(
        `SELECT rid, id, script, cwd, started_at AS startedAt, status, owner_pid AS ownerPid, owner_host AS ownerHost, owner_uid AS ownerUid,
                pgid, proc_start AS procStart, spool_dir AS spoolDir, adopt_grace_ms AS adoptGraceMs
         FROM runs WHERE status = 'running' AND adopt_grace_ms IS NOT NULL`,
      )
      .all() as AdoptableRun[];
  }

  /** Makes the run `ownerPid`'s if it still belongs to `previousOwner`: of two claimants one wins. */
  claim(runId: string, previousOwner: number, ownerPid: number): boolean {
    return this.db.prepare(`UPDATE runs SET owner_pid = ? WHERE id = ? AND status = 'running' AND owner_pid = ?`).run(ownerPid, runId, previousOwner).changes === 1;
  }

  progress(rid: number): StoredProgress {
    const lines: Record<StreamName, number> = { stdout: 0, stderr: 0 };
    const rows = this.db.prepare('SELECT stream, sum(line_count) AS n FROM log_chunks WHERE rid = ? GROUP BY stream').all(rid) as Array<{ stream: number; n: number }>;
    for (const row of rows) lines[row.stream === 2 ? 'stderr' : 'stdout'] = row.n;
    const steps = this.db.prepare('SELECT step_id, started_at FROM steps WHERE rid = ?').all(rid) as Array<{ step_id: number; started_at: number }>;
    return { lines, stepStarts: new Map(steps.map((r) => [r.step_id, r.started_at])) };
  }
}
