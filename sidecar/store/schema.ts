// The database schema: a version in `PRAGMA user_version` and an ordered list of forward
// migrations, each run in one IMMEDIATE transaction (several processes may open a fresh
// database at the same moment; the second one finds the work done).
//
// Design notes (figures from test/bench/store.bench.ts on the 2-core CI machine):
// - Runs have an integer surrogate key `rid`; every child row (steps, chunks, warnings,
//   artifacts) carries that 1–3 byte integer instead of the run's text id. Child tables
//   are clustered by (rid, …) so a run's rows are contiguous and ON DELETE CASCADE is a
//   range delete. Typical runs cost ~310 B per run (row + indexes) and ~70 B per step.
// - Logs are stored as chunks of whole lines (never a row per line) with their first line
//   number, so any line range is found through the (rid, first_line) index. The first
//   `inlineLogBytes` (256 KiB) of a run live in `data` inside the database, so typical
//   runs are self-contained; beyond that a run's chunks go to an append-only file next to
//   the database (`<db>-logs/<rid>.log`) and the row keeps `file_off`. A BLOB in a WAL
//   database is written twice (WAL, then checkpoint, with fsyncs): 2M lines took 9–13× the
//   time of a plain file write that way; with the file it is ≈1.0–1.1×.
// - Full-text search: FTS5 was measured and rejected for the write path. A contentless
//   trigram index ingests 11–23× slower than the plain chunk insert and takes 2.6× the
//   bytes; unicode61 is 2.5–4× slower and only finds whole tokens, not substrings. A scan
//   (Latin-1 view + case-insensitive RegExp, ≈1 GB/s: 160 MB in ~170 ms) is fast enough
//   for an interactive search and costs nothing while a run writes. Migration 8 adds
//   per-chunk trigram summaries, built after a run finished, that let a search skip the
//   chunks that cannot match and scan only the rest (logGrams.ts, logIndex.ts).
// - Step paths (for per-step statistics across runs) are JSON arrays of the names from the
//   root: unambiguous whatever characters a name holds; see stepPathKey().
import type { Database } from './database';
import { StoreError } from './errors';
import { rebuildStepStats } from './stepStats';

export interface Migration {
  version: number;
  description: string;
  up(db: Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs, steps, warnings, artifacts, log chunks',
    up(db) {
      db.exec(`
        CREATE TABLE runs (
          rid         INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: names log files
          id          TEXT NOT NULL UNIQUE,
          script      TEXT NOT NULL,
          args        TEXT,                -- JSON array; NULL = []
          cwd         TEXT NOT NULL,
          profile     TEXT,
          status      TEXT NOT NULL DEFAULT 'running',
          exit_code   INTEGER,
          signal      TEXT,
          started_at  INTEGER NOT NULL,    -- ms since the epoch
          ended_at    INTEGER,
          duration_ms INTEGER,
          line_count  INTEGER NOT NULL DEFAULT 0,
          step_count  INTEGER NOT NULL DEFAULT 0,
          log_bytes   INTEGER NOT NULL DEFAULT 0,
          failed_step INTEGER,             -- step_id of the first step that failed
          error       TEXT,                -- JSON StepError
          meta        TEXT,                -- JSON object; NULL = {}
          owner_pid   INTEGER,
          owner_host  TEXT
        );
        CREATE INDEX runs_started ON runs(started_at);
        CREATE INDEX runs_status ON runs(status, started_at);
        CREATE INDEX runs_script ON runs(script, started_at);

        CREATE TABLE steps (
          rid         INTEGER NOT NULL REFERENCES runs(rid) ON DELETE CASCADE,
          step_id     INTEGER NOT NULL,    -- 1-based per run, in start order
          parent_id   INTEGER,
          name        TEXT NOT NULL,
          path        TEXT NOT NULL,       -- JSON array of names from the root (stepPathKey)
          status      TEXT NOT NULL DEFAULT 'running',
          started_at  INTEGER NOT NULL,
          ended_at    INTEGER,
          duration_ms INTEGER,
          first_line  INTEGER NOT NULL,
          last_line   INTEGER,
          error       TEXT,                -- JSON StepError
          meta        TEXT,                -- JSON object; NULL = {}
          PRIMARY KEY (rid, step_id)
        ) WITHOUT ROWID;

        CREATE TABLE warnings (
          rid      INTEGER NOT NULL REFERENCES runs(rid) ON DELETE CASCADE,
          step_id  INTEGER,                -- NULL: on the run
          type     TEXT NOT NULL,
          severity TEXT NOT NULL,
          message  TEXT NOT NULL,
          file     TEXT,
          line     INTEGER,
          col      INTEGER,
          at       INTEGER NOT NULL
        );
        CREATE INDEX warnings_run ON warnings(rid, step_id);

        CREATE TABLE artifacts (
          rid         INTEGER NOT NULL REFERENCES runs(rid) ON DELETE CASCADE,
          step_id     INTEGER,             -- NULL: on the run
          path        TEXT NOT NULL,
          description TEXT,
          at          INTEGER NOT NULL
        );
        CREATE INDEX artifacts_run ON artifacts(rid);

        -- A rowid table (not WITHOUT ROWID): rows hold up to ~256 KiB of data, and SQLite
        -- advises rowid tables for rows that large. data is the last column so reading the
        -- other columns never walks the overflow pages.
        CREATE TABLE log_chunks (
          rid        INTEGER NOT NULL REFERENCES runs(rid) ON DELETE CASCADE,
          first_line INTEGER NOT NULL,     -- 1-based; lines are numbered per run over both streams
          line_count INTEGER NOT NULL,
          stream     INTEGER NOT NULL,     -- 1 stdout, 2 stderr
          at         INTEGER NOT NULL,     -- arrival of the first line (ms)
          size       INTEGER NOT NULL,     -- bytes
          file_off   INTEGER,              -- offset in <db>-logs/<rid>.log, or NULL when inline
          data       BLOB                  -- whole lines, each ending in "\\n"; NULL when in the file
        );
        CREATE UNIQUE INDEX log_chunks_line ON log_chunks(rid, first_line);
      `);
    },
  },
  {
    version: 2,
    description: 'per-step duration statistics (Welford aggregates), filled from the history so far',
    up(db) {
      // One row per script and step path: count, mean and M2 of the succeeded durations
      // (Welford), min/max and the last few durations. Updated in the transaction that
      // finishes a step (applyEvents.ts); it outlives pruned runs, which is the point.
      db.exec(`
        CREATE TABLE step_stats (
          script     TEXT NOT NULL,
          path       TEXT NOT NULL,       -- stepPathKey(): JSON array of names from the root
          count      INTEGER NOT NULL,
          mean       REAL NOT NULL,       -- ms
          m2         REAL NOT NULL,       -- sum of squared differences from the mean (ms²)
          min_ms     INTEGER NOT NULL,
          max_ms     INTEGER NOT NULL,
          last_ms    TEXT NOT NULL,       -- JSON array of the last durations, oldest first
          step_order INTEGER NOT NULL,    -- smallest step_id seen: lists steps in run order
          updated_at INTEGER NOT NULL,
          PRIMARY KEY (script, path)
        ) WITHOUT ROWID;
      `);
      rebuildStepStats(db);
    },
  },
  {
    version: 3,
    description: 'log chunks can point into the script\'s own output files',
    up(db) {
      // Which file a chunk's `file_off` is in: NULL the store's own <rid>.log; 1 or 2 the
      // spool file the script wrote its stdout or stderr into, kept as <rid>.out / <rid>.err
      // (logFiles.ts) so big output is never copied a second time.
      db.exec('ALTER TABLE log_chunks ADD COLUMN src INTEGER');
    },
  },
  {
    version: 4,
    description: 'the process behind a running run: process group, start identity, user, spool folder, cancel request',
    up(db) {
      // Written by the owner right after the script is spawned (runs/processRecords.ts):
      // - pgid: the script's process group (its leader is the script);
      // - proc_start: the leader's start identity (Linux: "linux:<boot id>:<start time in
      //   ticks>", /proc/<pid>/stat field 22), so a pid reused by another program is never
      //   signalled; NULL where it cannot be known (then only the owner may cancel);
      // - owner_uid: who runs it (another user's run is not ours to cancel);
      // - spool_dir: the folder of the script's output files, kept when the owner dies so
      //   the process that marks the run interrupted can keep what was written;
      // - cancel_requested_at: set by another process that cancels the run, so the owner
      //   records it as cancelled, not failed, when its script dies of the signal.
      db.exec(`
        ALTER TABLE runs ADD COLUMN pgid INTEGER;
        ALTER TABLE runs ADD COLUMN proc_start TEXT;
        ALTER TABLE runs ADD COLUMN owner_uid INTEGER;
        ALTER TABLE runs ADD COLUMN spool_dir TEXT;
        ALTER TABLE runs ADD COLUMN cancel_requested_at INTEGER;
      `);
    },
  },
  {
    version: 5,
    description: 'runs that outlive their owner for a while, to be adopted by the next language server',
    up(db) {
      // adopt_grace_ms: NULL — the run ends with the process that owns it (`stepflow run`,
      // `stepflow serve`); a number — a run of the editor's language server, which a window
      // reload restarts: when the owner dies its watchdog leaves the script running this long
      // for the next language server to adopt (runs/adoption.ts), and no process marks the
      // run interrupted while its process group is still alive.
      db.exec('ALTER TABLE runs ADD COLUMN adopt_grace_ms INTEGER');
    },
  },
  {
    version: 6,
    description: 'the Markdown a run wrote to $GITHUB_STEP_SUMMARY',
    up(db) {
      // summary: written once, with the run's end (runs/stepSummary.ts: masked, at most 1 MiB);
      // NULL when the script wrote none. Kept in the row, not in a file: it is small and read
      // with the run record.
      db.exec('ALTER TABLE runs ADD COLUMN summary TEXT');
    },
  },
  {
    version: 7,
    description: 'the outbox of finished runs for a team hub',
    up(db) {
      // A trigger, not the writer, queues a run: whichever path ends it (the writer's
      // runFinished, markInterrupted) queues it in the same transaction, so a finished run
      // is never missing from the outbox (docs/architecture.md, "Team hub"). Every finished
      // run is queued, hub or not: the row is small, dies with the run (prune), and a hub
      // configured later receives the runs still kept. sent_lines: the log lines the hub
      // has acknowledged, so a retry resumes there.
      db.exec(`
        CREATE TABLE hub_outbox (
          rid             INTEGER PRIMARY KEY REFERENCES runs(rid) ON DELETE CASCADE,
          queued_at       INTEGER NOT NULL,
          attempts        INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER NOT NULL DEFAULT 0,
          sent_lines      INTEGER NOT NULL DEFAULT 0,
          last_error      TEXT
        );
        CREATE INDEX hub_outbox_due ON hub_outbox(next_attempt_at);
        CREATE TRIGGER runs_finished_to_hub_outbox AFTER UPDATE OF status ON runs
          WHEN OLD.status = 'running' AND NEW.status <> 'running'
          BEGIN
            INSERT OR IGNORE INTO hub_outbox (rid, queued_at)
              VALUES (NEW.rid, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
          END;
      `);
    },
  },
  {
    version: 8,
    description: 'trigram summaries of log chunks, so a search skips the chunks that cannot match',
    up(db) {
      // log_grams: one row per summarised chunk (logGrams.ts: a bitmap of its trigrams, 128 B
      // to 8 KiB), keyed like log_chunks; a rowid table, as the rows are kilobytes. Written
      // after a run finished, by whichever long-lived process has time (logIndex.ts), never
      // on the write path. A chunk without a row is scanned, so existing databases keep
      // their results and get faster as the summaries are filled in.
      // runs.indexed_lines: the run's chunks up to this line are summarised. The partial
      // index holds exactly the runs with work left (all of them, right after this migration).
      db.exec(`
        CREATE TABLE log_grams (
          rid        INTEGER NOT NULL REFERENCES runs(rid) ON DELETE CASCADE,
          first_line INTEGER NOT NULL,     -- the chunk's log_chunks.first_line
          grams      BLOB NOT NULL
        );
        CREATE UNIQUE INDEX log_grams_line ON log_grams(rid, first_line);
        ALTER TABLE runs ADD COLUMN indexed_lines INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX runs_unindexed ON runs(started_at) WHERE indexed_lines < line_count;
      `);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Brings the database to SCHEMA_VERSION. Safe to call from several processes at once. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
  const current = schemaVersion(db);
  if (current > latest) {
    throw new StoreError(
      `database ${db.name} has schema version ${current}, newer than this StepFlow understands (${latest}); update StepFlow`,
      'SCHEMA_TOO_NEW',
    );
  }
  if (current === latest) return current;
  db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const from = schemaVersion(db);
    for (const migration of migrations) {
      if (migration.version <= from) continue;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }
  }).immediate();
  return schemaVersion(db);
}

/**
 * The key of a step for statistics across runs: the names from the root step down to it.
 * A JSON array, so no name can collide with a path separator.
 */
export function stepPathKey(names: readonly string[]): string {
  return JSON.stringify(names);
}

export function parseStepPath(key: string): string[] {
  try {
    const value: unknown = JSON.parse(key);
    return Array.isArray(value) ? value.map(String) : [key];
  } catch {
    return [key];
  }
}
