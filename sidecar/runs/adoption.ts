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

/** Adoptable runs whose owner is gone and whose script runs on (or left its status). */
export function findOrphans(store: Store, isAlive: (pid: number) => boolean = processIsAlive): OrphanRun[] {
  const rows = store.adoptableRuns();
  const host = os.hostname();
  const uid = currentUid();
  const orphans: OrphanRun[] = [];
  for (const row of rows) {
    if (row.ownerPid === null || row.ownerPid === process.pid || isAlive(row.ownerPid)) continue;
    if (row.ownerHost !== host || row.ownerUid !== uid) continue;
    if (!isSignallableGroup(row.pgid) || row.procStart === null || row.spoolDir === null) continue;
    const ended = fs.existsSync(path.join(row.spoolDir, EXIT_STATUS_FILE));
    if (!ended && !sameGroup(row.pgid, row.procStart)) continue;
    const spool = existingSpool(store, row.rid, row.spoolDir);
    if (!spool) continue;
    orphans.push({
      id: row.id,
      rid: row.rid,
      script: row.script,
      cwd: row.cwd,
      startedAt: row.startedAt,
      ownerPid: row.ownerPid,
      pgid: row.pgid,
      procStart: row.procStart,
      adoptGraceMs: row.adoptGraceMs,
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
  return store.claimRun(orphan.id, orphan.ownerPid, process.pid);
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
