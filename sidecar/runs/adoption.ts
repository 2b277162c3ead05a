// Runs a language server left behind when it died or was restarted (a window reload, an
// extension update), found by the next one. Such a run was started adoptable
// (`runs.adopt_grace_ms`, migration 5): its owner's watchdog leaves the script running for
// that long, waiting for a claim. The next language server, on start, takes over every such
// run of this user on this machine whose owner is gone and whose process group is still the
// recorded one (leader start identity) — or whose script has ended meanwhile but left its
// exit status in the spool folder — and follows it on (RunSession.resume): the tree, the log
// and the real end. What is gone without a status stays for markInterrupted, as before.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Store } from '../store/store';
import type { StreamName } from '../protocol/model';
import { isSignallableGroup, sameGroup } from '../runner/processGroup';
import { processIsAlive } from '../store/maintenance';
import { EXIT_STATUS_FILE } from '../runner/exitStatus';
import { MERGED_FILE, type ExistingSpool } from '../runner/spool';
import { currentUid } from './processRecords';

export interface OrphanRun {
  id: string;
  rid: number;
  script: string;
  cwd: string;
  startedAt: number;
  /** The dead owner, whose claim file (runner/ownerClaim.ts) is dropped once we guard the group. */
  ownerPid: number;
  pgid: number;
  procStart: string;
  adoptGraceMs: number;
  spool: ExistingSpool;
}

/** What the run's dead owner stored: read after the claim, when nobody else adds to it. */
export interface StoredProgress {
  /** Lines already stored, per stream: the first this many lines of each spool file. */
  lines: Record<StreamName, number>;
  /** When each stored step started (the replay rebuilds the tracker; these are its times). */
  stepStarts: Map<number, number>;
}

interface Row {
  rid: number;
  id: string;
  script: string;
  cwd: string;
  started_at: number;
  owner_pid: number | null;
  owner_host: string | null;
  owner_uid: number | null;
  pgid: number | null;
  proc_start: string | null;
  spool_dir: string | null;
  adopt_grace_ms: number | null;
}

/** Adoptable runs whose owner is gone and whose script runs on (or left its status). */
export function findOrphans(store: Store, isAlive: (pid: number) => boolean = processIsAlive): OrphanRun[] {
  const rows = store.db
    .prepare(
      `SELECT rid, id, script, cwd, started_at, owner_pid, owner_host, owner_uid, pgid, proc_start, spool_dir, adopt_grace_ms
       FROM runs WHERE status = 'running' AND adopt_grace_ms IS NOT NULL`,
    )
    .all() as Row[];
  const host = os.hostname();
  const uid = currentUid();
  const orphans: OrphanRun[] = [];
  for (const row of rows) {
    if (row.owner_pid === null || row.owner_pid === process.pid || isAlive(row.owner_pid)) continue;
    if (row.owner_host !== host || row.owner_uid !== uid) continue;
    if (!isSignallableGroup(row.pgid) || row.proc_start === null || row.spool_dir === null) continue;
    const ended = fs.existsSync(path.join(row.spool_dir, EXIT_STATUS_FILE));
    if (!ended && !sameGroup(row.pgid, row.proc_start)) continue;
    const spool = existingSpool(store, row.rid, row.spool_dir);
    if (!spool) continue;
    orphans.push({
      id: row.id,
      rid: row.rid,
      script: row.script,
      cwd: row.cwd,
      startedAt: row.started_at,
      ownerPid: row.owner_pid,
      pgid: row.pgid,
      procStart: row.proc_start,
      adoptGraceMs: row.adopt_grace_ms!,
      spool,
    });
  }
  return orphans;
}

/**
 * Makes the run ours in the database: one process wins (the update checks the owner it saw),
 * and from then on nothing marks it interrupted while we live.
 */
export function claimOrphan(store: Store, orphan: OrphanRun): boolean {
  store.flush();
  return (
    store.db
      .prepare(`UPDATE runs SET owner_pid = ? WHERE id = ? AND status = 'running' AND owner_pid = ?`)
      .run(process.pid, orphan.id, orphan.ownerPid).changes === 1
  );
}

/**
 * The run's output files: in its spool folder, or already moved beside the database as the
 * run's own log (store/logFiles.ts adopts a big run's spool file by renaming it).
 */
function existingSpool(store: Store, rid: number, folder: string): ExistingSpool | undefined {
  const logDir = store.logDir;
  const find = (names: string[], own: string): string | undefined => {
    const candidates = names.map((n) => path.join(folder, n));
    if (logDir !== null) candidates.push(path.join(logDir, `${rid}${own}`));
    return candidates.find((f) => fs.existsSync(f));
  };
  if (fs.existsSync(path.join(folder, 'stderr')) || (logDir !== null && fs.existsSync(path.join(logDir, `${rid}.err`)))) {
    const stdout = find(['stdout'], '.out');
    const stderr = find(['stderr'], '.err');
    if (!stdout || !stderr) return undefined;
    return { folder, files: [{ name: 'stdout', path: stdout }, { name: 'stderr', path: stderr }] };
  }
  const merged = find([MERGED_FILE], '.out');
  return merged ? { folder, files: [{ name: 'stdout', path: merged }] } : undefined;
}

export function storedProgress(store: Store, rid: number): StoredProgress {
  const lines: Record<StreamName, number> = { stdout: 0, stderr: 0 };
  const rows = store.db.prepare('SELECT stream, sum(line_count) AS n FROM log_chunks WHERE rid = ? GROUP BY stream').all(rid) as Array<{ stream: number; n: number }>;
  for (const row of rows) lines[row.stream === 2 ? 'stderr' : 'stdout'] = row.n;
  const steps = store.db.prepare('SELECT step_id, started_at FROM steps WHERE rid = ?').all(rid) as Array<{ step_id: number; started_at: number }>;
  return { lines, stepStarts: new Map(steps.map((r) => [r.step_id, r.started_at])) };
}
