// A script another StepFlow process started, followed by this one after that process died
// (runs/adoption.ts): the same RunningProcess as startProcess() gives its own runs, built from
// what the run recorded — its process group, the leader's start identity and its spool files.
// We are not the script's parent, so nothing tells us when it exits: the leader is polled
// (its start identity, so a reused pid is never taken for it), and its status is what the
// exit-status wrapper wrote into the spool folder (exitStatus.ts).
import { groupAlive, isSignallableGroup, sameGroup, startIdentity, startWatchdog, type Watchdog } from './processGroup';
import { Spool, type ExistingSpool } from './spool';
import { readExitStatus } from './exitStatus';
import { claimFileOf, createClaim } from './ownerClaim';
import type { OutputListener, ProcessOutcome, RunningProcess } from './processRunner';

export interface AdoptedProcessOptions {
  pgid: number;
  /** The leader's start identity as recorded when the run started. */
  procStart: string;
  spool: ExistingSpool;
  graceMs?: number;
  drainMs?: number;
  /** How long our own watchdog leaves the group to a next adopter if we die too. */
  waitMs: number;
  stopRequested?: () => 'cancelled' | undefined;
}

/** How often the leader is looked at (there is no exit event for a process we did not start). */
const POLL_MS = 100;

export function followAdoptedProcess(opts: AdoptedProcessOptions): RunningProcess {
  const { pgid, procStart } = opts;
  const graceMs = Math.max(0, opts.graceMs ?? 3000);
  const drainMs = Math.max(0, opts.drainMs ?? 300);
  const listeners = new Set<OutputListener>();
  const timers = new Set<NodeJS.Timeout>();
  let finished = false;
  let exited: { exitCode: number | null; signal: string | null } | undefined;
  let stopReason: 'cancelled' | undefined;
  let stopDeadline = Number.POSITIVE_INFINITY;
  let resolveDone!: (o: ProcessOutcome) => void;
  const done = new Promise<ProcessOutcome>((r) => { resolveDone = r; });

  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => { timers.delete(t); fn(); }, ms);
    t.unref();
    timers.add(t);
  };

  const killGroup = (signal: NodeJS.Signals): boolean => {
    if (finished || !isSignallableGroup(pgid) || !sameGroup(pgid, procStart)) return false;
    try {
      process.kill(-pgid, signal);
      return true;
    } catch {
      return false;
    }
  };

  const spool = new Spool((stream, chunk) => { for (const l of listeners) l(stream, chunk); }, opts.spool.folder, { existing: opts.spool });
  // Guard the group ourselves before the previous owner's watchdog lets go of it.
  let watchdog: Watchdog | undefined;
  if (createClaim(opts.spool.folder)) {
    watchdog = startWatchdog(pgid, graceMs, { waitMs: opts.waitMs, claimFile: claimFileOf(opts.spool.folder, process.pid) });
  }

  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearInterval(poll);
    for (const t of timers) clearTimeout(t);
    timers.clear();
    spool.drain();
    spool.close({ keepFiles: true });
    watchdog?.release();
    listeners.clear();
    resolveDone({ exitCode: exited?.exitCode ?? null, signal: exited?.signal ?? null, reason: stopReason ?? 'exited' });
  };

  // Referenced on purpose, like the owner's poll after a stop: the run is ours to finish.
  const poll = setInterval(() => {
    if (finished) return;
    if (!exited) {
      if (startIdentity(pgid) === procStart) return; // the script (its wrapper) still runs
      exited = readExitStatus(opts.spool.folder) ?? { exitCode: null, signal: null };
      if (!stopReason && opts.stopRequested?.()) {
        stopReason = 'cancelled';
        stopDeadline = Date.now() + graceMs + 5000;
        later(graceMs, () => killGroup('SIGKILL'));
      }
      // A normal exit leaves background stragglers alone, as for our own runs: follow their
      // output for drainMs.
      if (!stopReason && groupAlive(pgid)) later(drainMs, finish);
    }
    if (!groupAlive(pgid) || (stopReason && Date.now() > stopDeadline)) finish();
  }, POLL_MS);

  spool.follow();

  return {
    pid: pgid,
    onOutput(listener) {
      if (!finished) listeners.add(listener);
      return { dispose: () => { listeners.delete(listener); } };
    },
    cancel() {
      if (finished || stopReason) return;
      stopReason = 'cancelled';
      stopDeadline = Date.now() + graceMs + 5000;
      killGroup('SIGTERM');
      later(graceMs, () => killGroup('SIGKILL'));
    },
    killGroup,
    spoolFiles: spool.paths,
    spoolFolder: spool.folder,
    removeSpool: () => spool.remove(),
    detach() {
      if (finished) return;
      finished = true;
      clearInterval(poll);
      for (const t of timers) clearTimeout(t);
      spool.drain({ final: false });
      spool.close({ keepFiles: true });
      listeners.clear();
    },
    done,
  };
}
