// Reading runs back: the full run record (docs/spec.md §4 shape) and history listings.
// (Per-step statistics: stepStats.ts.)
import type { HistoryQuery, ListedRun } from '../protocol/history';
import type { ArtifactRecord, RunRecord, RunStatus, StepError, StepRecord, StepStatus, StepWarning } from '../protocol/model';
import type { RecentStepRun, ScriptStatistic } from '../protocol/statistics';
import type { Database, Statement } from './driver';
import { StoreError } from './errors';
import { LOG_GRAMS_JOIN, LOG_MATCH_CONDITION, Needle } from './logReader';

export interface RunRow {
  rid: number;
  id: string;
  script: string;
  args: string | null;
  cwd: string;
  profile: string | null;
  status: RunStatus;
  exit_code: number | null;
  signal: string | null;
  started_at: number;
  ended_at: number | null;
  duration_ms: number | null;
  line_count: number;
  step_count: number;
  error: string | null;
  meta: string | null;
  /** Migration 6; absent in rows read before it. */
  summary?: string | null;
}

interface StepRow {
  step_id: number;
  parent_id: number | null;
  name: string;
  status: StepStatus;
  started_at: number;
  ended_at: number | null;
  duration_ms: number | null;
  first_line: number;
  last_line: number | null;
  error: string | null;
  meta: string | null;
}

interface WarningRow {
  step_id: number | null;
  type: StepWarning['type'];
  severity: StepWarning['severity'];
  message: string;
  file: string | null;
  line: number | null;
  col: number | null;
}

const MAX_LIMIT = 10_000;

export class RunQueries {
  private readonly byId;
  private readonly byPrefix;
  private readonly steps;
  private readonly warnings;
  private readonly artifacts;
  private readonly listCache = new Map<string, Statement>();
  private recentSteps: Statement | undefined;

  constructor(private readonly db: Database) {
    this.byId = db.prepare('SELECT * FROM runs WHERE id = ?');
    this.byPrefix = db.prepare('SELECT * FROM runs WHERE id GLOB ? ORDER BY id LIMIT 4');
    this.steps = db.prepare(
      `SELECT step_id, parent_id, name, status, started_at, ended_at, duration_ms, first_line, last_line, error, meta
       FROM steps WHERE rid = ? ORDER BY step_id`,
    );
    this.warnings = db.prepare('SELECT step_id, type, severity, message, file, line, col FROM warnings WHERE rid = ? ORDER BY rowid');
    this.artifacts = db.prepare(
      `SELECT a.step_id, a.path, a.description, s.name AS step
       FROM artifacts a LEFT JOIN steps s ON s.rid = a.rid AND s.step_id = a.step_id
       WHERE a.rid = ? ORDER BY a.rowid`,
    );
  }

  /** The run with this id, else the one run whose id starts with it. Ambiguous: StoreError. */
  findRun(idOrPrefix: string): RunRow | undefined {
    if (!idOrPrefix) return undefined;
    const exact = this.byId.get(idOrPrefix) as RunRow | undefined;
    if (exact) return exact;
    const rows = this.byPrefix.all(globPrefix(idOrPrefix)) as RunRow[];
    if (rows.length > 1) {
      const shown = rows.slice(0, 3).map((r) => r.id).join(', ');
      throw new StoreError(`run id "${idOrPrefix}" is ambiguous: it matches ${shown}${rows.length > 3 ? ', …' : ''}`, 'AMBIGUOUS_ID');
    }
    return rows[0];
  }

  getRun(idOrPrefix: string): RunRecord | undefined {
    const run = this.findRun(idOrPrefix);
    if (!run) return undefined;
    // One read transaction: the run, its steps and its warnings from the same snapshot.
    return this.db.transaction(() => this.record(run))();
  }

  listRuns(query: HistoryQuery = {}): ListedRun[] {
    const where: string[] = [];
    const params: unknown[] = [];
    const statuses = query.status ?? [];
    if (statuses.length) {
      where.push(`r.status IN (${statuses.map(() => '?').join(', ')})`);
      params.push(...statuses);
    }
    // An empty filter (a cleared field of the panel) filters nothing, as in the REST API's query string.
    if (query.script) (where.push('r.script = ?'), params.push(query.script));
    if (query.profile) (where.push('r.profile = ?'), params.push(query.profile));
    if (query.until !== undefined) (where.push('r.started_at < ?'), params.push(query.until));
    if (query.since !== undefined) (where.push('r.started_at >= ?'), params.push(query.since));
    if (query.cursor !== undefined) {
      const [at, rid] = query.cursor.split('.').map(Number);
      if (Number.isFinite(at) && Number.isFinite(rid)) (where.push('(r.started_at, r.rid) < (?, ?)'), params.push(at, rid));
    }
    if (query.search) {
      const like = `%${query.search.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      const needle = Needle.of(query.search) !== null;
      where.push(`(r.id LIKE ? ESCAPE '\\' OR r.script LIKE ? ESCAPE '\\' OR r.args LIKE ? ESCAPE '\\' OR r.profile LIKE ? ESCAPE '\\'
        OR EXISTS (SELECT 1 FROM steps s WHERE s.rid = r.rid AND s.name LIKE ? ESCAPE '\\')
        ${needle ? `OR EXISTS (SELECT 1 FROM log_chunks c ${LOG_GRAMS_JOIN} WHERE c.rid = r.rid AND ${LOG_MATCH_CONDITION})` : ''})`);
      params.push(like, like, like, like, like);
      if (needle) params.push(query.search, query.search);
    }
    const limit = Math.min(Math.max(1, Math.floor(query.limit ?? 50)), MAX_LIMIT);
    const sql = `SELECT r.rid, r.id, r.script, r.args, r.cwd, r.profile, r.status, r.exit_code, r.signal, r.started_at, r.ended_at,
                        r.duration_ms, r.line_count, r.step_count, f.name AS failed_step
                 FROM runs r LEFT JOIN steps f ON f.rid = r.rid AND f.step_id = r.failed_step
                 ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
                 ORDER BY r.started_at DESC, r.rid DESC LIMIT ?`;
    let stmt = this.listCache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      if (this.listCache.size < 64) this.listCache.set(sql, stmt);
    }
    const rows = stmt.all(...params, limit) as Array<RunRow & { failed_step: string | null }>;
    return rows.map((r) => ({
      id: r.id,
      script: r.script,
      args: parseArgs(r.args),
      cwd: r.cwd,
      profile: r.profile,
      status: r.status,
      exitCode: r.exit_code,
      signal: r.signal,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      durationMs: durationOf(r),
      lineCount: r.line_count,
      stepCount: r.step_count,
      failedStep: r.failed_step,
      cursor: `${r.started_at}.${r.rid}`,
    }));
  }

  /**
   * The latest runs of one step (script and stepPathKey), newest first, with the status as
   * every view shows it (protocol/results.ts shownStatus): a step the script closed as
   * succeeded counts as failed when a step inside it failed.
   */
  recentStepRuns(script: string, pathKey: string, limit: number): RecentStepRun[] {
    this.recentSteps ??= this.db.prepare(
      `SELECT r.id AS runId,
              CASE WHEN s.status = 'succeeded' AND EXISTS (
                SELECT 1 FROM steps d
                WHERE d.rid = s.rid AND d.step_id > s.step_id AND d.status = 'failed'
                  AND d.first_line >= s.first_line AND (s.last_line IS NULL OR d.first_line <= s.last_line)
                  AND substr(d.path, 1, length(s.path) - 1) = substr(s.path, 1, length(s.path) - 1)
                  AND substr(d.path, length(s.path), 1) = ','
              ) THEN 'failed' ELSE s.status END AS status,
              s.duration_ms AS durationMs, s.started_at AS startedAt
       FROM runs r JOIN steps s ON s.rid = r.rid
       WHERE r.script = ? AND s.path = ?
       ORDER BY s.started_at DESC, r.rid DESC LIMIT ?`,
    );
    return this.recentSteps.all(script, pathKey, limit) as RecentStepRun[];
  }

  /** Run figures per script (at most 500 scripts, the latest started first). */
  scriptStatistics(script?: string): ScriptStatistic[] {
    const rows = this.db
      .prepare(
        `SELECT script, count(*) AS runs, sum(status = 'succeeded') AS succeeded, sum(status IN ('failed', 'timed_out')) AS failed,
                avg(CASE WHEN status = 'succeeded' THEN duration_ms END) AS mean, max(started_at) AS last
         FROM runs ${script !== undefined ? 'WHERE script = ?' : ''} GROUP BY script ORDER BY last DESC LIMIT 500`,
      )
      .all(...(script !== undefined ? [script] : [])) as Array<{ script: string; runs: number; succeeded: number; failed: number; mean: number | null; last: number }>;
    return rows.map((r) => ({
      script: r.script,
      runs: r.runs,
      succeeded: r.succeeded,
      failed: r.failed,
      meanDurationMs: r.mean === null ? null : Math.round(r.mean),
      lastStartedAt: r.last,
    }));
  }

  runningRunIds(): string[] {
    return this.db.prepare(`SELECT id FROM runs WHERE status = 'running' ORDER BY started_at, rid`).pluck().all() as string[];
  }

  private record(run: RunRow): RunRecord {
    const stepRows = this.steps.all(run.rid) as StepRow[];
    const warningRows = this.warnings.all(run.rid) as WarningRow[];
    const artifactRows = this.artifacts.all(run.rid) as Array<{ step_id: number | null; path: string; description: string | null; step: string | null }>;
    const byId = new Map<number, StepRecord>();
    const roots: StepRecord[] = [];
    for (const s of stepRows) {
      // Key order follows docs/spec.md §4; the extra fields come before `children`.
      const step: StepRecord = {
        id: s.step_id,
        name: s.name,
        status: s.status,
        durationMs: s.duration_ms,
        error: parseError(s.error),
        warnings: [],
        meta: parseMeta(s.meta),
        startedAt: s.started_at,
        endedAt: s.ended_at,
        firstLine: s.first_line,
        lastLine: s.last_line,
        children: [],
      };
      byId.set(s.step_id, step);
      const parent = s.parent_id === null ? undefined : byId.get(s.parent_id);
      (parent ? parent.children : roots).push(step);
    }
    const runWarnings: StepWarning[] = [];
    for (const w of warningRows) {
      const warning: StepWarning = { type: w.type, severity: w.severity, message: w.message, file: w.file, line: w.line, column: w.col };
      const step = w.step_id === null ? undefined : byId.get(w.step_id);
      (step ? step.warnings : runWarnings).push(warning);
    }
    const artifacts: ArtifactRecord[] = artifactRows.map((a) => ({ path: a.path, description: a.description, step: a.step, stepId: a.step_id }));
    return {
      id: run.id,
      script: run.script,
      args: parseArgs(run.args),
      cwd: run.cwd,
      profile: run.profile,
      status: run.status,
      exitCode: run.exit_code,
      signal: run.signal,
      startedAt: new Date(run.started_at).toISOString(),
      endedAt: run.ended_at === null ? null : new Date(run.ended_at).toISOString(),
      durationMs: durationOf(run),
      lineCount: run.line_count,
      error: parseError(run.error),
      warnings: runWarnings,
      meta: parseMeta(run.meta),
      steps: roots,
      artifacts,
      summary: run.summary ?? null,
    };
  }
}

function durationOf(run: Pick<RunRow, 'duration_ms' | 'ended_at' | 'started_at'>): number | null {
  if (run.duration_ms !== null) return run.duration_ms;
  return run.ended_at === null ? null : run.ended_at - run.started_at;
}

/** GLOB pattern for "starts with": * ? [ in the prefix are matched literally. */
function globPrefix(prefix: string): string {
  return prefix.replace(/[*?[]/g, (c) => `[${c}]`) + '*';
}

function parseArgs(json: string | null): string[] {
  if (!json) return [];
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.map(String) : [];
}

function parseMeta(json: string | null): Record<string, string> {
  if (!json) return {};
  const value: unknown = JSON.parse(json);
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string>) : {};
}

function parseError(json: string | null): StepError | null {
  if (!json) return null;
  const e = JSON.parse(json) as Partial<StepError>;
  return { message: String(e.message ?? ''), file: e.file ?? null, line: e.line ?? null, column: e.column ?? null };
}
