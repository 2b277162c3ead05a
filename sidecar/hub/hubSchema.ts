// The hub's PostgreSQL schema: its own numbered migrations, applied at start in one
// transaction under an advisory lock, so two hubs starting on one database at the same
// moment do not both migrate (the second finds the work done). Not the SQLite schema:
// the hub stores finished runs from many machines as they were shipped (the record as
// JSON, plus the columns lists, filters and statistics need), not a live write path.
import type { PoolClient } from 'pg';

export interface HubMigration {
  version: number;
  description: string;
  sql: string;
}

export const HUB_MIGRATIONS: readonly HubMigration[] = [
  {
    version: 1,
    description: 'tokens, runs from many machines, their steps and log lines',
    sql: `
      CREATE TABLE hub_tokens (
        id          bigserial PRIMARY KEY,
        name        text NOT NULL,
        token_hash  bytea NOT NULL UNIQUE,   -- SHA-256 of the token; the token itself is never stored
        created_at  timestamptz NOT NULL DEFAULT now(),
        revoked_at  timestamptz
      );

      CREATE TABLE runs (
        id           text PRIMARY KEY,       -- the run id the machine gave it: a re-sent run replaces itself
        seq          bigserial NOT NULL,     -- tie-breaker of the list cursor
        host         text NOT NULL,
        username     text NOT NULL,
        script       text NOT NULL,
        profile      text,
        status       text NOT NULL,
        started_at   bigint NOT NULL,        -- ms since the epoch, as the machine recorded it
        ended_at     bigint,
        duration_ms  bigint,
        line_count   integer NOT NULL,
        step_count   integer NOT NULL,
        failed_step  text,
        record       jsonb NOT NULL,         -- the RunRecord as \`stepflow show --json\` prints it
        received_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX runs_started ON runs (started_at DESC, seq DESC);
      CREATE INDEX runs_script ON runs (script, started_at DESC);
      CREATE INDEX runs_host ON runs (host, started_at DESC);

      -- One row per step, for statistics across runs and machines (and step-name search).
      CREATE TABLE steps (
        run_id       text NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step_id      integer NOT NULL,
        script       text NOT NULL,
        host         text NOT NULL,
        path         text NOT NULL,          -- JSON array of names from the root, as the local store's
        name         text NOT NULL,
        status       text NOT NULL,
        started_at   bigint NOT NULL,
        ended_at     bigint,
        duration_ms  bigint,
        PRIMARY KEY (run_id, step_id)
      );
      CREATE INDEX steps_statistics ON steps (script, path, host) WHERE status = 'succeeded';

      -- Log lines arrive before their run's row (a run shows once all of its log is here),
      -- so no foreign key; (run_id, line) makes a re-sent chunk a no-op.
      CREATE TABLE log_lines (
        run_id  text NOT NULL,
        line    integer NOT NULL,
        stream  text NOT NULL,
        at      bigint NOT NULL,
        text    text NOT NULL,
        PRIMARY KEY (run_id, line)
      );
    `,
  },
];

export const HUB_SCHEMA_VERSION = HUB_MIGRATIONS[HUB_MIGRATIONS.length - 1]!.version;

/** Brings the database to HUB_SCHEMA_VERSION; refuses one a newer StepFlow migrated. */
export async function migrateHub(client: PoolClient): Promise<number> {
  await client.query('BEGIN');
  try {
    // Any constant: every hub takes the same lock, held until COMMIT.
    await client.query('SELECT pg_advisory_xact_lock(7420001)');
    await client.query('CREATE TABLE IF NOT EXISTS stepflow_hub_schema (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM stepflow_hub_schema');
    const current = rows[0]?.v ?? 0;
    if (current > HUB_SCHEMA_VERSION) {
      throw new Error(`the hub database has schema version ${current}, newer than this StepFlow understands (${HUB_SCHEMA_VERSION}); update StepFlow`);
    }
    for (const migration of HUB_MIGRATIONS) {
      if (migration.version <= current) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO stepflow_hub_schema (version, description) VALUES ($1, $2)', [migration.version, migration.description]);
    }
    await client.query('COMMIT');
    return HUB_SCHEMA_VERSION;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
