// The process behind a running run, as stored with it (migration 4), and cancelling a run
// from any StepFlow process of the same user on the same machine:
// a run started by `stepflow run` in a terminal can be cancelled from VS Code or the
// dashboard. The canceller records a cancel request, then signals the script's process
// group (SIGTERM, SIGKILL after the grace period) — but only after checking that the group
// leader is still the very process that was recorded (its start identity), so a pid reused
// by some other program is never signalled. The owner sees its script die and, finding the
// request, records the run as cancelled.
import * as os from 'node:os';
import type { Store } from '../store/store';
import { isSignallableGroup, sameGroup } from '../runner/processGroup';

export interface ProcessInfo {
  pgid: number;
  procStart: string | null;
  spoolDir: string | null;
  /** Set for a run another process may adopt if we die (runs/adoption.ts). */
  adoptGraceMs?: number;
}

/** Stores the run's process group, its start identity and spool folder (after createRun). */
export function recordProcess(store: Store, runId: string, info: ProcessInfo): void {
  store.recordProcess(runId, { pgid: info.pgid, procStart: info.procStart, ownerUid: currentUid(), spoolDir: info.spoolDir, adoptGraceMs: info.adoptGraceMs ?? null });
}

/** True once some process asked to cancel this run. */
export function cancelRequested(store: Store, runId: string): boolean {
  try {
    return store.cancelRequestedAt(runId) !== null;
  } catch {
    return false; // a database that cannot be read: judge by the exit alone
  }
}

export type CancelAnswer = { cancelled: true } | { cancelled: false; reason: string };

/**
 * Cancels a run some other process owns: refuses (with the reason) a run that is not
 * running, runs on another machine or as another user, or whose process cannot be
 * identified for certain; otherwise records the request, sends SIGTERM to the group and,
 * after `graceMs`, SIGKILL to whatever of it is left.
 */
export function cancelElsewhere(store: Store, runId: string, graceMs = 3000): CancelAnswer {
  const row = store.runOwner(runId);
  if (!row) return { cancelled: false, reason: `no run with id "${runId}"` };
  if (row.status !== 'running') return { cancelled: false, reason: `that run is not running (${row.status})` };
  const host = os.hostname();
  if (row.ownerHost !== null && row.ownerHost !== host) {
    return { cancelled: false, reason: `that run runs on another machine (${row.ownerHost}); cancel it there` };
  }
  const uid = currentUid();
  if (row.ownerUid !== null && uid !== null && row.ownerUid !== uid) {
    return { cancelled: false, reason: `that run belongs to another user (uid ${row.ownerUid})` };
  }
  if (!isSignallableGroup(row.pgid) || row.procStart === null) {
    return { cancelled: false, reason: 'that run was started without a process record StepFlow can verify here; cancel it where it runs' };
  }
  if (!sameGroup(row.pgid, row.procStart)) {
    return { cancelled: false, reason: `the process of that run (pid ${row.pgid}) is gone; its pid may belong to another program now` };
  }
  if (!store.requestCancel(runId, Date.now())) return { cancelled: false, reason: 'that run has just finished' };
  const pgid = row.pgid;
  const procStart = row.procStart;
  signalGroup(pgid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (sameGroup(pgid, procStart)) signalGroup(pgid, 'SIGKILL');
  }, Math.max(0, graceMs));
  timer.unref();
  return { cancelled: true };
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  if (!isSignallableGroup(pgid)) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    // gone meanwhile
  }
}

export function currentUid(): number | null {
  return typeof process.getuid === 'function' ? process.getuid() : null;
}
