// The outbox of finished runs for a team hub (migration 7; docs/architecture.md, "Team
// hub"). Rows are put in by a trigger when a run leaves `running`; the shipper
// (sidecar/hub/shipper.ts) claims a due row, sends the run, and deletes the row only once
// the hub has stored all of it. Claiming is a lease on next_attempt_at, so two processes
// over one database (the CLI and the language server) do not send the same run at once.
import type { Database } from './database';

export interface OutboxEntry {
  rid: number;
  runId: string;
  attempts: number;
  /** Log lines the hub has acknowledged: sending resumes after them. */
  sentLines: number;
}

export class HubOutbox {
  private readonly due;
  private readonly claimRow;
  private readonly deleteRow;
  private readonly progressRow;
  private readonly failRow;
  private readonly countRows;

  constructor(db: Database) {
    this.due = db.prepare(
      `SELECT o.rid, r.id AS runId, o.attempts, o.sent_lines AS sentLines
       FROM hub_outbox o JOIN runs r ON r.rid = o.rid
       WHERE o.next_attempt_at <= ? ORDER BY o.next_attempt_at, o.rid LIMIT ?`,
    );
    this.claimRow = db.prepare('UPDATE hub_outbox SET next_attempt_at = ? WHERE rid = ? AND next_attempt_at <= ?');
    this.deleteRow = db.prepare('DELETE FROM hub_outbox WHERE rid = ?');
    this.progressRow = db.prepare('UPDATE hub_outbox SET sent_lines = max(sent_lines, ?) WHERE rid = ?');
    this.failRow = db.prepare('UPDATE hub_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE rid = ?');
    this.countRows = db.prepare('SELECT count(*) FROM hub_outbox').pluck();
  }

  /** Runs whose delivery is due at `now`, oldest first. */
  listDue(now: number, limit: number): OutboxEntry[] {
    return this.due.all(now, limit) as OutboxEntry[];
  }

  /** Takes a row due by `dueBy` (default `now`) for `leaseMs`; false when another process took it first. */
  claim(rid: number, now: number, leaseMs: number, dueBy = now): boolean {
    return this.claimRow.run(now + leaseMs, rid, dueBy).changes > 0;
  }

  delivered(rid: number): void {
    this.deleteRow.run(rid);
  }

  progress(rid: number, sentLines: number): void {
    this.progressRow.run(sentLines, rid);
  }

  failed(rid: number, nextAttemptAt: number, error: string): void {
    this.failRow.run(nextAttemptAt, error.slice(0, 500), rid);
  }

  count(): number {
    return this.countRows.get() as number;
  }
}
