// Per-step duration statistics (docs/spec.md §6): one `step_stats` row per script and step
// path holding a Welford aggregate. The writer adds each succeeded step's duration in the
// same transaction that finishes the step; rebuildStepStats() recomputes every row from the
// stored history (`stepflow stats --rebuild`, and migration 2 for existing databases).
import type { StepStatistic } from '../protocol/statistics';
import type { Database } from './database';
import { EMPTY_AGGREGATE, addSample, sampleStdDev, type Aggregate } from '../stats/welford';

/** How many of the latest durations a row keeps (for trends and hovers). */
export const LAST_DURATIONS = 20;

interface StatRow {
  script: string;
  path: string;
  count: number;
  mean: number;
  m2: number;
  min_ms: number;
  max_ms: number;
  last_ms: string;
  step_order: number;
  updated_at: number;
}

const UPSERT = `INSERT INTO step_stats (script, path, count, mean, m2, min_ms, max_ms, last_ms, step_order, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT(script, path) DO UPDATE SET count = excluded.count, mean = excluded.mean, m2 = excluded.m2,
    min_ms = excluded.min_ms, max_ms = excluded.max_ms, last_ms = excluded.last_ms,
    step_order = min(step_order, excluded.step_order), updated_at = excluded.updated_at`;

export class StepStatsTable {
  private readonly get;
  private readonly upsert;
  private readonly all;
  private readonly ofScript;

  constructor(private readonly db: Database) {
    this.get = db.prepare('SELECT * FROM step_stats WHERE script = ? AND path = ?');
    this.upsert = db.prepare(UPSERT);
    this.all = db.prepare('SELECT * FROM step_stats ORDER BY script, step_order, path');
    this.ofScript = db.prepare('SELECT * FROM step_stats WHERE script = ? ORDER BY step_order, path');
  }

  /** Adds one succeeded duration. Call inside the transaction that records the step's finish. */
  add(script: string, pathKey: string, stepOrder: number, durationMs: number, at: number): void {
    const row = this.get.get(script, pathKey) as StatRow | undefined;
    const before: Aggregate = row ? { count: row.count, mean: row.mean, m2: row.m2, min: row.min_ms, max: row.max_ms } : EMPTY_AGGREGATE;
    const after = addSample(before, durationMs);
    const last = row ? parseDurations(row.last_ms) : [];
    last.push(durationMs);
    this.upsert.run(script, pathKey, after.count, after.mean, after.m2, after.min, after.max, JSON.stringify(last.slice(-LAST_DURATIONS)), stepOrder, at);
  }

  list(script?: string): StepStatistic[] {
    const rows = (script === undefined ? this.all.all() : this.ofScript.all(script)) as StatRow[];
    return rows.map(toStat);
  }

  /** Recomputes every row from the stored history, in one transaction. */
  rebuild(): { steps: number; samples: number } {
    return this.db.transaction(() => rebuildStepStats(this.db)).immediate();
  }
}

/** Replaces all statistics with what the stored runs say. Runs inside the caller's transaction. */
export function rebuildStepStats(db: Database): { steps: number; samples: number } {
  const rows = db
    .prepare(
      `SELECT r.script, s.path, s.step_id, s.duration_ms, coalesce(s.ended_at, r.started_at) AS at
       FROM steps s JOIN runs r ON r.rid = s.rid
       WHERE s.status = 'succeeded' AND s.duration_ms IS NOT NULL
       ORDER BY r.started_at, r.rid, s.ended_at, s.step_id -- finish order, as the writer saw them`,
    )
    .iterate() as IterableIterator<{ script: string; path: string; step_id: number; duration_ms: number; at: number }>;
  const stats = new Map<string, { script: string; path: string; agg: Aggregate; last: number[]; order: number; at: number }>();
  let samples = 0;
  for (const row of rows) {
    const key = `${row.script}\u0000${row.path}`;
    const entry = stats.get(key) ?? { script: row.script, path: row.path, agg: EMPTY_AGGREGATE, last: [] as number[], order: 0, at: 0 };
    entry.agg = addSample(entry.agg, row.duration_ms);
    entry.last.push(row.duration_ms);
    if (entry.last.length > LAST_DURATIONS) entry.last.shift();
    entry.order = entry.agg.count === 1 ? row.step_id : Math.min(entry.order, row.step_id);
    entry.at = Math.max(entry.at, row.at);
    stats.set(key, entry);
    samples++;
  }
  db.prepare('DELETE FROM step_stats').run();
  const upsert = db.prepare(UPSERT);
  for (const e of stats.values()) {
    upsert.run(e.script, e.path, e.agg.count, e.agg.mean, e.agg.m2, e.agg.min, e.agg.max, JSON.stringify(e.last), e.order, e.at);
  }
  return { steps: stats.size, samples };
}

function toStat(row: StatRow): StepStatistic {
  const path = parseNames(row.path);
  return {
    script: row.script,
    path,
    name: path[path.length - 1] ?? '',
    count: row.count,
    meanMs: row.mean,
    minMs: row.min_ms,
    maxMs: row.max_ms,
    stdDevMs: sampleStdDev({ count: row.count, m2: row.m2 }),
    lastDurationsMs: parseDurations(row.last_ms),
    updatedAt: row.updated_at,
  };
}

function parseDurations(json: string): number[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number') : [];
  } catch {
    return [];
  }
}

/** Same reading as schema.ts parseStepPath (not imported: schema.ts imports this file). */
function parseNames(key: string): string[] {
  try {
    const value: unknown = JSON.parse(key);
    return Array.isArray(value) ? value.map(String) : [key];
  } catch {
    return [key];
  }
}
