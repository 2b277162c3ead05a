// The hub's store: every query the hub's API and dashboard need, over PostgreSQL with the
// `pg` client, each one parameterised ($1, $2 …: no value is ever spliced into SQL text).
// It answers in the local store's shapes (ListedRun, RunRecord, LogLine, StepStatistic,
// ScriptStatistic) so the dashboard's components work unchanged, with `host` and `user`
// added. Statistics are the local store's Welford aggregates: PostgreSQL sums each
// machine's samples (count, mean, M2), and the team figure is their Chan merge
// (sidecar/stats/welford.ts), exactly what one machine holding all samples would have.
import { createHash, randomBytes } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import type { HistoryQuery, ListedRun, LogLine, LogSearchHit } from '../protocol/history';
import type { RunRecord, StepRecord } from '../protocol/model';
import type { RunExpectations } from '../protocol/stats';
import type { ScriptStatistic, StepStatistic } from '../protocol/statistics';
import { buildExpectations, EXPECTATION_RUNS } from '../stats/eta';
import { EMPTY_AGGREGATE, mergeAggregates, sampleStdDev, type Aggregate } from '../stats/welford';
import { LAST_DURATIONS } from '../store/stepStats';
import { parseStepPath, stepPathKey } from '../store/schema';
import { UserError } from '../util/errors';
import { migrateHub } from './hubSchema';

/** A step's statistics on one machine (GET /api/statistics: `byHost`). */
export interface HostStepStatistic extends StepStatistic {
  host: string;
}

export interface HubToken {
  id: number;
  name: string;
  createdAt: string;
  revokedAt: string | null;
}

const MAX_LIMIT = 1000;
/** A valid token is looked up once per this long, not on every request (a revocation takes at most this). */
const TOKEN_CACHE_MS = 30_000;

export class HubStore {
  private readonly pool: Pool;
  private readonly validTokens = new Map<string, number>();

  private constructor(pool: Pool, readonly url: string) {
    this.pool = pool;
  }

  /** Connects, migrates, and returns the store; a clear UserError when the database cannot be reached. */
  static async open(url: string, options: { max?: number } = {}): Promise<HubStore> {
    if (!/^postgres(ql)?:\/\//i.test(url)) throw new UserError(`the hub database must be a postgres:// URL, got "${redactUrl(url)}"`);
    const pool = new Pool({ connectionString: url, max: options.max ?? 20, connectionTimeoutMillis: 10_000 });
    // An idle client whose server went away must not crash the process: the next query reconnects.
    pool.on('error', () => undefined);
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new UserError(`cannot connect to the hub database ${redactUrl(url)}: ${(err as Error).message}`);
    }
    try {
      await migrateHub(client);
    } catch (err) {
      client.release();
      await pool.end().catch(() => undefined);
      throw new UserError(`cannot prepare the hub database ${redactUrl(url)}: ${(err as Error).message}`);
    }
    client.release();
    return new HubStore(pool, redactUrl(url));
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  // ── tokens ──────────────────────────────────────────────────────────────────────────

  /** A new token for a client; only its hash is stored, so it is shown once. */
  async createToken(name: string): Promise<{ id: number; token: string }> {
    const token = `sfh_${randomBytes(32).toString('base64url')}`;
    const { rows } = await this.pool.query<{ id: string }>('INSERT INTO hub_tokens (name, token_hash) VALUES ($1, $2) RETURNING id', [name, tokenHash(token)]);
    return { id: Number(rows[0]!.id), token };
  }

  async listTokens(): Promise<HubToken[]> {
    const { rows } = await this.pool.query<{ id: string; name: string; created_at: Date; revoked_at: Date | null }>(
      'SELECT id, name, created_at, revoked_at FROM hub_tokens ORDER BY id',
    );
    return rows.map((r) => ({ id: Number(r.id), name: r.name, createdAt: r.created_at.toISOString(), revokedAt: r.revoked_at?.toISOString() ?? null }));
  }

  /** False when there is no such live token. */
  async revokeToken(id: number): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE hub_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
    this.validTokens.clear();
    return (rowCount ?? 0) > 0;
  }

  /** Whether `token` is a live token of this hub. */
  async tokenValid(token: string | undefined, now = Date.now()): Promise<boolean> {
    if (!token || token.length > 200) return false;
    const hash = tokenHash(token);
    const key = hash.toString('base64');
    const until = this.validTokens.get(key);
    if (until !== undefined && until > now) return true;
    const { rowCount } = await this.pool.query('SELECT 1 FROM hub_tokens WHERE token_hash = $1 AND revoked_at IS NULL', [hash]);
    if ((rowCount ?? 0) === 0) {
      this.validTokens.delete(key);
      return false;
    }
    if (this.validTokens.size > 1000) this.validTokens.clear();
    this.validTokens.set(key, now + TOKEN_CACHE_MS);
    return true;
  }

  // ── ingest ──────────────────────────────────────────────────────────────────────────

  /** Stores log lines of a run; lines it already holds are left as they are. Returns how many were new. */
  async addLogLines(runId: string, lines: readonly LogLine[]): Promise<number> {
    if (lines.length === 0) return 0;
    const { rowCount } = await this.pool.query(
      `INSERT INTO log_lines (run_id, line, stream, at, text)
       SELECT $1, * FROM unnest($2::integer[], $3::text[], $4::bigint[], $5::text[])
       ON CONFLICT (run_id, line) DO NOTHING`,
      [runId, ...lineColumns(lines)],
    );
    return rowCount ?? 0;
  }

  /**
   * Stores (or replaces) a finished run with its steps — and `lines`, a log small enough to
   * come with it — in ONE statement, so one round trip and atomic without a transaction
   * block: the run is upserted, its steps upserted and any step it no longer has deleted
   * (disjoint rows), the lines inserted unless present. The steps' foreign key is checked
   * at the end of the statement, when the run row exists.
   */
  async putRun(host: string, user: string, run: RunRecord, lines: readonly LogLine[] = []): Promise<void> {
    const steps = flattenSteps(run.steps);
    const failed = steps.find((s) => s.step.status === 'failed')?.step.name ?? null;
    const startedAt = Date.parse(run.startedAt);
    const endedAt = run.endedAt === null ? null : Date.parse(run.endedAt);
    const { host: _h, user: _u, ...record } = run;
    await this.pool.query(
      `WITH run AS (
         INSERT INTO runs (id, host, username, script, profile, status, started_at, ended_at, duration_ms, line_count, step_count, failed_step, record)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (id) DO UPDATE SET host = excluded.host, username = excluded.username, script = excluded.script,
           profile = excluded.profile, status = excluded.status, started_at = excluded.started_at, ended_at = excluded.ended_at,
           duration_ms = excluded.duration_ms, line_count = excluded.line_count, step_count = excluded.step_count,
           failed_step = excluded.failed_step, record = excluded.record, received_at = now()
         RETURNING id
       ), stale_steps AS (
         DELETE FROM steps WHERE run_id = $1 AND step_id <> ALL($14::integer[])
       ), new_steps AS (
         INSERT INTO steps (run_id, step_id, script, host, path, name, status, started_at, ended_at, duration_ms)
         SELECT $1, s.step_id, $4, $2, s.path, s.name, s.status, s.started_at, s.ended_at, s.duration_ms
         FROM unnest($14::integer[], $15::text[], $16::text[], $17::text[], $18::bigint[], $19::bigint[], $20::bigint[])
           AS s(step_id, path, name, status, started_at, ended_at, duration_ms)
         ON CONFLICT (run_id, step_id) DO UPDATE SET script = excluded.script, host = excluded.host, path = excluded.path,
           name = excluded.name, status = excluded.status, started_at = excluded.started_at, ended_at = excluded.ended_at,
           duration_ms = excluded.duration_ms
       ), new_lines AS (
         INSERT INTO log_lines (run_id, line, stream, at, text)
         SELECT $1, * FROM unnest($21::integer[], $22::text[], $23::bigint[], $24::text[])
         ON CONFLICT (run_id, line) DO NOTHING
       )
       SELECT id FROM run`,
      [
        run.id,
        host,
        user,
        run.script,
        run.profile,
        run.status,
        startedAt,
        endedAt,
        run.durationMs,
        run.lineCount,
        steps.length,
        failed,
        pgJson(record),
        steps.map((s) => s.step.id),
        steps.map((s) => s.pathKey),
        steps.map((s) => pgText(s.step.name)),
        steps.map((s) => s.step.status),
        steps.map((s) => Math.round(s.step.startedAt)),
        steps.map((s) => (s.step.endedAt === null ? null : Math.round(s.step.endedAt))),
        steps.map((s) => (s.step.durationMs === null ? null : Math.round(s.step.durationMs))),
        ...lineColumns(lines),
      ],
    );
  }

  // ── reads (the dashboard's) ─────────────────────────────────────────────────────────

  /** Newest first; `host` narrows to one machine. */
  async listRuns(query: HistoryQuery & { host?: string }): Promise<ListedRun[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.status?.length) where.push(`r.status = ANY(${param(query.status)}::text[])`);
    if (query.script) where.push(`r.script = ${param(query.script)}`);
    if (query.profile) where.push(`r.profile = ${param(query.profile)}`);
    if (query.host) where.push(`r.host = ${param(query.host)}`);
    if (query.until !== undefined) where.push(`r.started_at < ${param(query.until)}`);
    if (query.since !== undefined) where.push(`r.started_at >= ${param(query.since)}`);
    if (query.cursor !== undefined) {
      const [at, seq] = query.cursor.split('.').map(Number);
      if (Number.isFinite(at) && Number.isFinite(seq)) where.push(`(r.started_at, r.seq) < (${param(at)}, ${param(seq)})`);
    }
    if (query.search) {
      const like = param(`%${escapeLike(query.search)}%`);
      where.push(`(r.id ILIKE ${like} OR r.script ILIKE ${like} OR r.profile ILIKE ${like} OR r.host ILIKE ${like} OR r.username ILIKE ${like}
        OR EXISTS (SELECT 1 FROM steps s WHERE s.run_id = r.id AND s.name ILIKE ${like})
        OR EXISTS (SELECT 1 FROM log_lines l WHERE l.run_id = r.id AND l.text ILIKE ${like}))`);
    }
    const limit = Math.min(Math.max(1, Math.floor(query.limit ?? 50)), MAX_LIMIT);
    const { rows } = await this.pool.query<ListRow>(
      `SELECT r.id, r.seq, r.host, r.username, r.script, r.profile, r.status, r.started_at, r.ended_at, r.duration_ms, r.line_count, r.step_count,
              r.failed_step, r.record->'args' AS args, r.record->>'cwd' AS cwd, r.record->'exitCode' AS exit_code, r.record->>'signal' AS signal
       FROM runs r ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
       ORDER BY r.started_at DESC, r.seq DESC LIMIT ${param(limit)}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id,
      script: r.script,
      args: Array.isArray(r.args) ? r.args.map(String) : [],
      cwd: r.cwd ?? '',
      profile: r.profile,
      status: r.status as ListedRun['status'],
      exitCode: typeof r.exit_code === 'number' ? r.exit_code : null,
      signal: r.signal,
      startedAt: Number(r.started_at),
      endedAt: r.ended_at === null ? null : Number(r.ended_at),
      durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
      lineCount: r.line_count,
      stepCount: r.step_count,
      failedStep: r.failed_step,
      host: r.host,
      user: r.username,
      cursor: `${r.started_at}.${r.seq}`,
    }));
  }

  /** By id, or by a prefix only one run's id starts with (an ambiguous one is a UserError). */
  async getRun(idOrPrefix: string): Promise<RunRecord | undefined> {
    if (!idOrPrefix) return undefined;
    let { rows } = await this.pool.query<RecordRow>('SELECT record, host, username FROM runs WHERE id = $1', [idOrPrefix]);
    if (rows.length === 0) ({ rows } = await this.pool.query<RecordRow>(`SELECT record, host, username FROM runs WHERE id LIKE $1 ORDER BY id LIMIT 2`, [`${escapeLike(idOrPrefix)}%`]));
    if (rows.length > 1) throw new UserError(`run id "${idOrPrefix}" is ambiguous`);
    const row = rows[0];
    return row ? { ...row.record, host: row.host, user: row.username } : undefined;
  }

  async readLog(runId: string, fromLine: number, maxLines: number): Promise<LogLine[]> {
    const { rows } = await this.pool.query<{ line: number; stream: LogLine['stream']; at: string; text: string }>(
      'SELECT line, stream, at, text FROM log_lines WHERE run_id = $1 AND line >= $2 ORDER BY line LIMIT $3',
      [runId, fromLine, Math.min(maxLines, 10_000)],
    );
    return rows.map((r) => ({ line: r.line, stream: r.stream, at: Number(r.at), text: r.text }));
  }

  /** Log lines containing `text` (case-insensitive), newest run first; only runs the hub shows (their record arrived). */
  async searchLogs(text: string, options: { runId?: string; limit?: number } = {}): Promise<LogSearchHit[]> {
    const params: unknown[] = [`%${escapeLike(text)}%`];
    const runFilter = options.runId !== undefined ? (params.push(options.runId), `AND r.id = $${params.length}`) : '';
    params.push(Math.min(Math.max(1, options.limit ?? 100), 1000));
    const { rows } = await this.pool.query<{ run_id: string; line: number; stream: LogLine['stream']; text: string }>(
      `SELECT l.run_id, l.line, l.stream, l.text FROM log_lines l JOIN runs r ON r.id = l.run_id
       WHERE l.text ILIKE $1 ${runFilter} ORDER BY r.started_at DESC, l.line LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({ runId: r.run_id, line: r.line, stream: r.stream, text: r.text }));
  }

  async runsByStatus(): Promise<Record<string, number>> {
    const { rows } = await this.pool.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM runs GROUP BY status');
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** The machines runs came from, with how many each. */
  async hosts(): Promise<Array<{ host: string; runs: number; lastStartedAt: number }>> {
    const { rows } = await this.pool.query<{ host: string; n: string; last: string }>('SELECT host, count(*) AS n, max(started_at) AS last FROM runs GROUP BY host ORDER BY host');
    return rows.map((r) => ({ host: r.host, runs: Number(r.n), lastStartedAt: Number(r.last) }));
  }

  async scriptStatistics(script?: string, host?: string): Promise<ScriptStatistic[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (script !== undefined) (params.push(script), where.push(`script = $${params.length}`));
    if (host !== undefined) (params.push(host), where.push(`host = $${params.length}`));
    const { rows } = await this.pool.query<{ script: string; runs: string; succeeded: string; failed: string; mean: string | null; last: string }>(
      `SELECT script, count(*) AS runs, count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
              count(*) FILTER (WHERE status IN ('failed', 'timed_out')) AS failed,
              avg(duration_ms) FILTER (WHERE status = 'succeeded') AS mean, max(started_at) AS last
       FROM runs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} GROUP BY script ORDER BY last DESC LIMIT 500`,
      params,
    );
    return rows.map((r) => ({
      script: r.script,
      runs: Number(r.runs),
      succeeded: Number(r.succeeded),
      failed: Number(r.failed),
      meanDurationMs: r.mean === null ? null : Math.round(Number(r.mean)),
      lastStartedAt: Number(r.last),
    }));
  }

  /**
   * Step statistics of succeeded steps: per machine (`byHost`), and across machines
   * (`steps`, the Chan merge of the machines' aggregates) — or, with `host`, that machine's.
   */
  async stepStatistics(script?: string, host?: string): Promise<{ steps: StepStatistic[]; byHost: HostStepStatistic[] }> {
    const where = [`status = 'succeeded'`, 'duration_ms IS NOT NULL'];
    const params: unknown[] = [];
    if (script !== undefined) (params.push(script), where.push(`script = $${params.length}`));
    if (host !== undefined) (params.push(host), where.push(`host = $${params.length}`));
    const filter = where.join(' AND ');
    // Per machine: count, mean and M2 (the population variance times n) — Welford's aggregate.
    const perHost = await this.pool.query<AggregateRow & { host: string }>(
      `SELECT script, path, host, count(*) AS n, avg(duration_ms) AS mean, coalesce(var_pop(duration_ms), 0) * count(*) AS m2,
              min(duration_ms) AS min, max(duration_ms) AS max, max(ended_at) AS updated, min(step_id) AS step_order,
              (array_agg(duration_ms ORDER BY ended_at DESC))[1:${LAST_DURATIONS}] AS last
       FROM steps WHERE ${filter} GROUP BY script, path, host`,
      params,
    );
    // The latest durations across machines, for the merged rows.
    const latest = await this.pool.query<{ script: string; path: string; last: string[] }>(
      `SELECT script, path, (array_agg(duration_ms ORDER BY ended_at DESC))[1:${LAST_DURATIONS}] AS last FROM steps WHERE ${filter} GROUP BY script, path`,
      params,
    );
    const lastOf = new Map(latest.rows.map((r) => [`${r.script}\u0000${r.path}`, r.last.map(Number).reverse()]));
    const byHost: HostStepStatistic[] = [];
    const merged = new Map<string, { script: string; path: string; agg: Aggregate; updated: number; order: number }>();
    for (const r of perHost.rows) {
      const agg: Aggregate = { count: Number(r.n), mean: Number(r.mean), m2: Number(r.m2), min: Number(r.min), max: Number(r.max) };
      byHost.push({ ...toStatistic(r.script, r.path, agg, r.last.map(Number).reverse(), Number(r.updated)), host: r.host });
      const key = `${r.script}\u0000${r.path}`;
      const entry = merged.get(key) ?? { script: r.script, path: r.path, agg: EMPTY_AGGREGATE, updated: 0, order: Number(r.step_order) };
      entry.agg = mergeAggregates(entry.agg, agg);
      entry.updated = Math.max(entry.updated, Number(r.updated));
      entry.order = Math.min(entry.order, Number(r.step_order));
      merged.set(key, entry);
    }
    const ordered = [...merged.entries()].sort(([, a], [, b]) => a.script.localeCompare(b.script) || a.order - b.order || a.path.localeCompare(b.path));
    const steps = ordered.map(([key, e]) => toStatistic(e.script, e.path, e.agg, lastOf.get(key) ?? [], e.updated));
    byHost.sort((a, b) => a.script.localeCompare(b.script) || a.host.localeCompare(b.host) || a.name.localeCompare(b.name));
    return { steps, byHost };
  }

  /** What a run of `script` started at `before` can expect, from the script's recent successful runs on any machine. */
  async runExpectations(script: string, before: number): Promise<RunExpectations | null> {
    const { rows } = await this.pool.query<{ record: RunRecord }>(
      `SELECT record FROM runs WHERE script = $1 AND status = 'succeeded' AND started_at < $2 ORDER BY started_at DESC LIMIT $3`,
      [script, before, EXPECTATION_RUNS],
    );
    return buildExpectations(rows.map((r) => r.record));
  }

  /** The newest runs' records (a dashboard's live subscription to all runs). */
  async recentRecords(limit: number): Promise<RunRecord[]> {
    const { rows } = await this.pool.query<RecordRow>('SELECT record, host, username FROM runs ORDER BY started_at DESC, seq DESC LIMIT $1', [limit]);
    return rows.map((row) => ({ ...row.record, host: row.host, user: row.username }));
  }

  /** Runs and log lines stored (GET /api/health). */
  async counts(): Promise<{ runs: number; logLines: number }> {
    const { rows } = await this.pool.query<{ runs: string; lines: string }>(
      'SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM log_lines) AS lines',
    );
    return { runs: Number(rows[0]!.runs), logLines: Number(rows[0]!.lines) };
  }
}

interface ListRow {
  id: string;
  seq: string;
  host: string;
  username: string;
  script: string;
  profile: string | null;
  status: string;
  started_at: string;
  ended_at: string | null;
  duration_ms: string | null;
  line_count: number;
  step_count: number;
  failed_step: string | null;
  args: unknown;
  cwd: string | null;
  exit_code: unknown;
  signal: string | null;
}

interface RecordRow {
  record: RunRecord;
  host: string;
  username: string;
}

interface AggregateRow {
  script: string;
  path: string;
  n: string;
  mean: string;
  m2: string;
  min: string;
  max: string;
  updated: string | null;
  step_order: number;
  last: string[];
}

function toStatistic(script: string, pathKey: string, agg: Aggregate, last: number[], updated: number): StepStatistic {
  const path = parseStepPath(pathKey);
  return {
    script,
    path,
    name: path[path.length - 1] ?? '',
    count: agg.count,
    meanMs: agg.mean,
    minMs: agg.min,
    maxMs: agg.max,
    stdDevMs: sampleStdDev(agg),
    lastDurationsMs: last,
    updatedAt: updated,
  };
}

/** Log lines as the four array parameters of an unnest (line, stream, at, text). */
function lineColumns(lines: readonly LogLine[]): [number[], string[], number[], string[]] {
  return [lines.map((l) => l.line), lines.map((l) => l.stream), lines.map((l) => Math.round(l.at)), lines.map((l) => pgText(l.text))];
}

/** Every step of a run tree with its statistics key (names from the root), in start order. */
function flattenSteps(roots: readonly StepRecord[]): Array<{ step: StepRecord; pathKey: string }> {
  const out: Array<{ step: StepRecord; pathKey: string }> = [];
  const visit = (steps: readonly StepRecord[], names: string[]) => {
    for (const step of steps) {
      const path = [...names, step.name];
      out.push({ step, pathKey: stepPathKey(path) });
      visit(step.children ?? [], path);
    }
  };
  visit(roots, []);
  return out.sort((a, b) => a.step.id - b.step.id);
}

export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** `%`, `_` and `\` match themselves in a LIKE pattern. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => '\\' + c);
}

/** PostgreSQL text cannot hold NUL. */
function pgText(text: string): string {
  return text.includes('\u0000') ? text.replace(/\u0000/g, '\uFFFD') : text;
}

/** JSON for a jsonb parameter (which cannot hold \u0000 either). */
function pgJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? pgText(v) : v));
}

/** A database URL without its password, to print. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}
