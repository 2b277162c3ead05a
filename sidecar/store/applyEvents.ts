// How each RunEvent changes the rows, inside the writer's transaction. The statements are
// prepared once per store; the writer calls apply() in event order and endBatch() last.
import type { RunEvent } from '../protocol/events';
import type { StepError, StepWarning } from '../protocol/model';
import type { Database, Statement } from './driver';
import { parseStepPath, stepPathKey } from './schema';
import { StepStatsTable } from './stepStats';

/** What the writer knows about one run it writes; `work` is rolled back with a failed flush. */
export interface RunState {
  id: string;
  /** Not created by this store (events for a run another Store instance started). */
  adopted: boolean;
  finished: boolean;
  lastChunk: unknown;
  /** Names from the root of the run's *open* steps: a new step is always a child of one. */
  stepNames: Map<number, string[]>;
  work: RunProgress;
  committed: RunProgress;
}

export interface RunProgress {
  rid: number | undefined;
  /** Log bytes stored inside the database so far. */
  inlineBytes: number;
  /** Some chunks live in the run's log file: all later ones go there too. */
  spilled: boolean;
}

type Stmt = Statement;

interface NewStep {
  rid: number;
  stepId: number;
  parentId: number | null;
  name: string;
  path: string;
  startedAt: number;
  firstLine: number;
  finish: { status: string; endedAt: number; durationMs: number; error: string | null; line: number } | null;
}

export class EventApplier {
  private readonly s: Record<
    'insertStep' | 'stepPath' | 'stepCount' | 'finishStep' | 'failedStep' | 'insertWarning' | 'insertArtifact' | 'runError' | 'finishRun' | 'stepMeta' | 'runMeta' | 'runScript',
    Stmt
  >;
  private readonly stats: StepStatsTable;
  /** Scripts of the runs seen in this batch (statistics are kept per script). */
  private scripts = new Map<number, string>();
  private newSteps = new Map<string, NewStep>();
  private stepCounts = new Map<number, number>();
  private metaPatches = new Map<string, { rid: number; stepId: number | null; patch: Record<string, string> }>();
  private finished: RunState[] = [];

  constructor(db: Database) {
    this.s = {
      insertStep: db.prepare(
        `INSERT INTO steps (rid, step_id, parent_id, name, path, status, started_at, ended_at, duration_ms, first_line, last_line, error)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(rid, step_id) DO NOTHING`,
      ),
      stepPath: db.prepare('SELECT path FROM steps WHERE rid = ? AND step_id = ?').pluck(),
      stepCount: db.prepare('UPDATE runs SET step_count = max(step_count, ?) WHERE rid = ?'),
      finishStep: db.prepare(
        `UPDATE steps SET status = ?, ended_at = ?, duration_ms = ?, error = ?, last_line = ?
         WHERE rid = ? AND step_id = ?`,
      ),
      failedStep: db.prepare('UPDATE runs SET failed_step = coalesce(failed_step, ?) WHERE rid = ?'),
      insertWarning: db.prepare(
        `INSERT INTO warnings (rid, step_id, type, severity, message, file, line, col, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertArtifact: db.prepare('INSERT INTO artifacts (rid, step_id, path, description, at) VALUES (?, ?, ?, ?, ?)'),
      runError: db.prepare('UPDATE runs SET error = ? WHERE rid = ?'),
      finishRun: db.prepare(
        `UPDATE runs SET status = ?, exit_code = ?, signal = ?, ended_at = ?, duration_ms = ?,
                line_count = max(line_count, ?), error = coalesce(?, error), summary = coalesce(?, summary)
         WHERE rid = ?`,
      ),
      // json_patch merges one object into another: any key, no JSON-path quoting to get wrong.
      stepMeta: db.prepare(`UPDATE steps SET meta = json_patch(coalesce(meta, '{}'), ?) WHERE rid = ? AND step_id = ?`),
      runMeta: db.prepare(`UPDATE runs SET meta = json_patch(coalesce(meta, '{}'), ?) WHERE rid = ?`),
      runScript: db.prepare('SELECT script FROM runs WHERE rid = ?').pluck(),
    };
    this.stats = new StepStatsTable(db);
  }

  /** Applies one event of a run whose rowid is known. Output and runStarted never get here. */
  apply(state: RunState, event: RunEvent): void {
    const rid = state.work.rid!;
    const s = this.s;
    switch (event.type) {
      case 'stepStarted': {
        // The tracker's path; rebuilt from the parents only for events made by hand (tests).
        const names = event.path ?? [...this.parentNames(state, rid, event.parentId), event.name];
        state.stepNames.set(event.stepId, names);
        // Held until endBatch(): a step that also finishes in this batch costs one INSERT
        // instead of an INSERT and an UPDATE (most steps are shorter than a flush interval).
        this.newSteps.set(`${rid}:${event.stepId}`, {
          rid,
          stepId: event.stepId,
          parentId: event.parentId,
          name: event.name,
          path: stepPathKey(names),
          startedAt: event.startedAt,
          firstLine: event.line,
          finish: null,
        });
        this.stepCounts.set(rid, Math.max(this.stepCounts.get(rid) ?? 0, event.stepId));
        return;
      }
      case 'stepFinished': {
        const names = event.path ?? state.stepNames.get(event.stepId);
        state.stepNames.delete(event.stepId);
        const error = errorJson(event.error);
        const pending = this.newSteps.get(`${rid}:${event.stepId}`);
        if (pending) pending.finish = { status: event.status, endedAt: event.endedAt, durationMs: event.durationMs, error, line: event.line };
        else s.finishStep.run(event.status, event.endedAt, event.durationMs, error, event.line, rid, event.stepId);
        if (event.status === 'failed') s.failedStep.run(event.stepId, rid);
        // Only succeeded steps feed the baseline, in this same transaction.
        if (event.status === 'succeeded') {
          const pathKey = pending?.path ?? (names ? stepPathKey(names) : (s.stepPath.get(rid, event.stepId) as string | undefined));
          if (pathKey !== undefined) this.stats.add(this.scriptOf(rid), pathKey, event.stepId, event.durationMs, event.endedAt);
        }
        return;
      }
      case 'warning':
        insertWarning(s.insertWarning, rid, event.stepId, event.warning, event.at);
        return;
      case 'meta': {
        // PROGRESS may arrive on every line: merge a batch's values and write each row once.
        const key = `${rid}:${event.stepId ?? ''}`;
        const entry = this.metaPatches.get(key) ?? { rid, stepId: event.stepId, patch: {} };
        entry.patch[event.key] = event.value;
        this.metaPatches.set(key, entry);
        return;
      }
      case 'artifact':
        s.insertArtifact.run(rid, event.stepId, event.path, event.description, event.at);
        return;
      case 'runError':
        s.runError.run(errorJson(event.error), rid);
        return;
      case 'runFinished':
        s.finishRun.run(event.status, event.exitCode, event.signal, event.endedAt, event.durationMs, event.lineCount, errorJson(event.error), event.summary ?? null, rid);
        this.finished.push(state);
        return;
      case 'runStarted':
      case 'output':
        return;
    }
  }

  /** Writes the merged metadata; returns the runs that finished in this batch. */
  endBatch(): RunState[] {
    for (const n of this.newSteps.values()) {
      const f = n.finish;
      this.s.insertStep.run(n.rid, n.stepId, n.parentId, n.name, n.path, f ? f.status : 'running', n.startedAt, f?.endedAt ?? null, f?.durationMs ?? null, n.firstLine, f?.line ?? null, f?.error ?? null);
    }
    for (const [rid, count] of this.stepCounts) this.s.stepCount.run(count, rid);
    for (const { rid, stepId, patch } of this.metaPatches.values()) {
      const json = JSON.stringify(patch);
      if (stepId === null) this.s.runMeta.run(json, rid);
      else this.s.stepMeta.run(json, rid, stepId);
    }
    const finished = this.finished;
    this.reset();
    return finished;
  }

  /** After a failed transaction. */
  reset(): void {
    this.scripts = new Map();
    this.newSteps = new Map();
    this.stepCounts = new Map();
    this.metaPatches = new Map();
    this.finished = [];
  }

  private scriptOf(rid: number): string {
    let script = this.scripts.get(rid);
    if (script === undefined) {
      script = (this.s.runScript.get(rid) as string | undefined) ?? '';
      this.scripts.set(rid, script);
    }
    return script;
  }

  private parentNames(state: RunState, rid: number, parentId: number | null): string[] {
    if (parentId === null) return [];
    const known = state.stepNames.get(parentId);
    if (known) return known;
    // A parent this store never saw start (an adopted run): its path is in the database.
    const stored = this.s.stepPath.get(rid, parentId) as string | undefined;
    return stored === undefined ? [] : parseStepPath(stored);
  }
}

function errorJson(error: StepError | null): string | null {
  if (!error) return null;
  return JSON.stringify({ message: error.message, file: error.file ?? null, line: error.line ?? null, column: error.column ?? null });
}

function insertWarning(stmt: Stmt, rid: number, stepId: number | null, w: StepWarning, at: number): void {
  stmt.run(rid, stepId, w.type, w.severity, w.message, w.file ?? null, w.line ?? null, w.column ?? null, at);
}
