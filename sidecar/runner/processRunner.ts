// Starts one script as the leader of its own process group and reports its output and
// how it ended. Cancel/timeout kill the whole group (SIGTERM, then SIGKILL after the grace
// period) and the run ends only once the whole group is gone; a normal run ends when the
// script exits even if a background grandchild keeps the pipes open. A watchdog process
// (processGroup.ts) ends the group if our own process dies, even by SIGKILL.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { Spool } from './spool';
import { groupAlive, isSignallableGroup, startWatchdog, type Watchdog } from './processGroup';
import { EXIT_STATUS_FILE, commandExists, wrapForExitStatus } from './exitStatus';
import { claimFileOf, createClaim } from './ownerClaim';

// Re-exported so callers get the whole process API from one module.
export { shellExitCode } from './exitCode';

export type OutputStream = 'stdout' | 'stderr';
export type OutputListener = (stream: OutputStream, chunk: Buffer) => void;

export interface StartOptions {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Kill the group (reason `timed_out`) after this long; none when absent or ≤ 0. */
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL on cancel/timeout. Default 3000. */
  graceMs?: number;
  /** How long to keep reading after the script exits while something else still holds the pipes. Default 300. */
  drainMs?: number;
  /**
   * Give the script spool files instead of pipes for stdout/stderr (default on POSIX):
   * it then never blocks on a full pipe while we parse. See spool.ts.
   */
  spool?: boolean;
  /**
   * Create the spool folder in this folder instead of $TMPDIR, and leave it there when the
   * script is done: the caller may keep the files (store/logFiles.ts adopts them) and
   * removes the rest with `removeSpool()`.
   */
  spoolIn?: string;
  /**
   * One spool file for both stdout and stderr (delivered as 'stdout'), so lines are kept in
   * exactly the order the script wrote them. Default false (two files).
   */
  mergeStderr?: boolean;
  /** Start a watchdog that ends the group if this process dies (default true on POSIX). */
  watchdog?: boolean;
  /**
   * The run may outlive this process by up to `waitMs`: if we die (a window reload restarts
   * the language server), the watchdog waits that long for another StepFlow process to adopt
   * the run (runs/adoption.ts) before it ends the group. Needs a spool folder (`spoolIn`):
   * the script is started under a wrapper that writes its exit status there (exitStatus.ts),
   * and our claim on the group lives there (ownerClaim.ts). Ignored without a spool.
   */
  adoptable?: { waitMs: number };
  /**
   * Asked when the script exits without a stop of ours: a stop requested from outside (another
   * process recorded a cancel and signalled the group) returns its reason; the run is then
   * treated like our own stop (stragglers get SIGKILL after the grace period, and the run
   * ends only when the group is gone).
   */
  stopRequested?: () => 'cancelled' | undefined;
}

export interface ProcessOutcome {
  exitCode: number | null;
  signal: string | null;
  reason: 'exited' | 'cancelled' | 'timed_out' | 'spawn_failed';
  /** One line, for `spawn_failed`. */
  error?: string;
  /** errno code of a spawn failure (`ENOENT`, `EACCES`), so callers can map it to 127/126. */
  errorCode?: string;
}

export interface RunningProcess {
  readonly pid: number | undefined;
  /** Chunks in the order they were read. Attach before yielding to the event loop, or
   * early output is missed. Listeners must not throw. Returns a disposer. */
  onOutput(listener: OutputListener): { dispose(): void };
  /** SIGTERM to the group, SIGKILL after `graceMs`. No-op once the script has exited. */
  cancel(): void;
  /** Send a signal to the whole process group now (e.g. from the CLI's own SIGINT/exit
   * handler). Returns false when there is no such group (any more). */
  killGroup(signal: NodeJS.Signals): boolean;
  /** The files the script writes its stdout and stderr into (null with pipes; the same file twice when merged). */
  readonly spoolFiles: Readonly<Record<OutputStream, string>> | null;
  /** The spool folder (null with pipes). */
  readonly spoolFolder: string | null;
  /** Removes a spool folder created in `spoolIn` (a no-op otherwise). */
  removeSpool(): void;
  /**
   * Stops following the run WITHOUT ending it (our process is about to go away and another
   * one will adopt the run): the group stays registered with the watchdog, the spool folder
   * stays, and `done` never resolves.
   */
  detach(): void;
  /** Never rejects. */
  readonly done: Promise<ProcessOutcome>;
}

export function startProcess(opts: StartOptions): RunningProcess {
  return new GroupProcess(opts).start();
}

type StopReason = 'cancelled' | 'timed_out';

/** One started script: what is known of it, and the named steps of its life. */
class GroupProcess {
  private readonly graceMs: number;
  private readonly drainMs: number;
  private readonly listeners = new Set<OutputListener>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly unwire: Array<() => void> = [];
  private readonly spool: Spool | undefined;
  private child: ChildProcess | undefined;
  private exited: { code: number | null; signal: string | null } | undefined;
  private stopReason: StopReason | undefined;
  private finished = false;
  private watchdog: Watchdog | undefined;
  private resolveDone!: (o: ProcessOutcome) => void;
  private readonly done = new Promise<ProcessOutcome>((r) => { this.resolveDone = r; });

  constructor(private readonly opts: StartOptions) {
    this.graceMs = opts.graceMs ?? 3000;
    this.drainMs = Math.max(0, opts.drainMs ?? 300);
    const useSpool = (opts.spool ?? true) && process.platform !== 'win32';
    this.spool = useSpool
      ? new Spool((stream, chunk) => this.deliver(stream, chunk), opts.spoolIn, { merged: opts.mergeStderr === true })
      : undefined;
  }

  start(): RunningProcess {
    const adoptable = this.adoptable();
    try {
      this.child = this.spawn(adoptable);
    } catch (e) {
      // Synchronous failures (bad argument types, EINVAL…) become an outcome as well.
      this.finish(spawnFailure(this.opts, e));
      return this.failedHandle();
    }
    const c = this.child;
    if (c.pid !== undefined && this.opts.watchdog !== false) this.guard(c.pid, adoptable);
    this.spool?.follow();
    this.wirePipe(c.stdout, 'stdout');
    this.wirePipe(c.stderr, 'stderr');
    this.watchEnd(c);
    if (this.opts.timeoutMs !== undefined && this.opts.timeoutMs > 0) this.later(this.opts.timeoutMs, () => this.terminate('timed_out'));
    return this.handle(c);
  }

  // ── start ────────────────────────────────────────────────────────────────────────────

  /**
   * Adoptable: the script runs under the exit-status wrapper, with our claim in its spool
   * folder (unless the command cannot be found: it then fails to spawn exactly as before).
   */
  private adoptable(): { waitMs: number; folder: string } | undefined {
    const { adoptable, spoolIn, command, env } = this.opts;
    return adoptable && this.spool && spoolIn !== undefined && commandExists(command, env)
      ? { waitMs: adoptable.waitMs, folder: this.spool.folder }
      : undefined;
  }

  private spawn(adoptable: { folder: string } | undefined): ChildProcess {
    const { opts, spool } = this;
    const invocation = adoptable
      ? wrapForExitStatus(opts.command, opts.args, path.join(adoptable.folder, EXIT_STATUS_FILE))
      : { command: opts.command, args: opts.args };
    return spawn(invocation.command, invocation.args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: spool ? ['ignore', ...spool.childFds] : ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group, so cancel reaches every descendant
      windowsHide: true,
    });
  }

  /** The watchdog that ends the group if our process dies (after the adoption wait, for an adoptable run). */
  private guard(pid: number, adoptable: { waitMs: number; folder: string } | undefined): void {
    const claimed = adoptable && createClaim(adoptable.folder);
    this.watchdog = startWatchdog(pid, this.graceMs, claimed ? { waitMs: adoptable.waitMs, claimFile: claimFileOf(adoptable.folder, process.pid) } : undefined);
  }

  private wirePipe(stream: Readable | null, name: OutputStream): void {
    if (!stream) return;
    const onData = (chunk: Buffer): void => this.deliver(name, chunk);
    stream.on('data', onData);
    // Kept after the run: a late EIO/EPIPE must not become an uncaught 'error'.
    stream.on('error', () => {});
    this.unwire.push(() => {
      stream.off('data', onData);
      stream.destroy(); // stop reading: a grandchild may hold the pipe open for hours
    });
  }

  private deliver(stream: OutputStream, chunk: Buffer): void {
    for (const l of this.listeners) l(stream, chunk);
  }

  /** Listens for the script's failed spawn, exit and close. */
  private watchEnd(c: ChildProcess): void {
    // Kept for the child's lifetime: also emitted when kill() fails on a live child, and
    // an 'error' without a listener would crash the sidecar. Only a failed spawn ends the run.
    c.on('error', (err) => { if (c.pid === undefined) this.finish(spawnFailure(this.opts, err)); });
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => this.onExit(c, code, signal);
    // With spool files 'close' carries no news (there are no pipes to reach EOF).
    const onClose = (): void => { if (this.exited && !this.spool) this.finish(this.outcomeFromExit()); };
    c.once('exit', onExit);
    c.once('close', onClose);
    this.unwire.push(() => { c.off('exit', onExit); c.off('close', onClose); });
  }

  // ── end ──────────────────────────────────────────────────────────────────────────────

  private onExit(c: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = { code, signal };
    if (!this.stopReason && this.opts.stopRequested) {
      const outside = this.opts.stopRequested();
      if (outside) {
        this.stopReason = outside;
        this.killAfterGrace();
      }
    }
    // A stopped run (by us or from outside) ends when nothing of its group is left.
    if (this.stopReason && process.platform !== 'win32') {
      this.finishWhenGroupGone();
      return;
    }
    // Spool files have no 'close': when nothing of the script's process group is left,
    // nobody can write any more, so finish now; otherwise a background grandchild may
    // still write — follow it for drainMs, then stop.
    if (this.spool && !groupAlive(c.pid)) {
      this.finish(this.outcomeFromExit());
      return;
    }
    // With pipes 'close' normally follows at once (pipes at EOF). If a background
    // grandchild still holds them, read what is already there for drainMs, then stop.
    this.later(this.drainMs, () => this.finish(this.outcomeFromExit()));
  }

  private terminate(reason: StopReason): void {
    if (this.finished || this.exited || !this.child || this.child.pid === undefined || this.stopReason) return;
    this.stopReason = reason;
    this.killGroup('SIGTERM');
    this.killAfterGrace();
  }

  /**
   * Whatever is left after the grace period — the script or any straggler that ignored
   * SIGTERM — gets SIGKILL. `finished` means the group is gone: never signal a pgid after.
   */
  private killAfterGrace(): void {
    this.later(Math.max(0, this.graceMs), () => { if (!this.finished) this.killGroup('SIGKILL'); });
  }

  private killGroup(signal: NodeJS.Signals): boolean {
    const pid = this.child?.pid;
    if (pid === undefined || !isSignallableGroup(pid)) return false;
    try {
      // Negative pid = the process group led by the script (spawned detached).
      if (process.platform === 'win32') return this.child!.kill(signal);
      process.kill(-pid, signal);
      return true;
    } catch {
      return false; // ESRCH: the group is gone; EPERM cannot happen for our own children
    }
  }

  /**
   * After a stop: keep following the output until no member of the group is left (polled,
   * with an overall bound in case a process cannot die), then finish. This interval is
   * referenced on purpose: our process must not exit while the group it stops still lives.
   */
  private finishWhenGroupGone(): void {
    const pid = this.child?.pid;
    const deadline = Date.now() + Math.max(0, this.graceMs) + 5000;
    const poll = setInterval(() => {
      if (this.finished) return clearInterval(poll);
      if (groupAlive(pid) && Date.now() < deadline) return;
      clearInterval(poll);
      this.finish(this.outcomeFromExit());
    }, 25);
    this.unwire.push(() => clearInterval(poll));
  }

  private outcomeFromExit(): ProcessOutcome {
    return { exitCode: this.exited?.code ?? null, signal: this.exited?.signal ?? null, reason: this.stopReason ?? 'exited' };
  }

  private finish(outcome: ProcessOutcome): void {
    if (this.finished) return;
    // Everything the script wrote reaches the listeners before the run is declared over.
    this.stopFollowing({ final: true });
    // A stopped run ends only when its group is gone (see onExit), so the watchdog has
    // nothing left to guard; a normal run's background stragglers are left alone, by design.
    this.watchdog?.release();
    this.resolveDone(outcome);
  }

  /** Stops following the run WITHOUT ending it: see RunningProcess.detach. */
  private detach(): void {
    if (this.finished) return;
    this.stopFollowing({ final: false });
    // The watchdog keeps the group registered (adoptable): our exit is its cue.
  }

  /** Reads what the spool still holds (all of it when final), then drops timers, listeners and pipes. */
  private stopFollowing({ final }: { final: boolean }): void {
    this.finished = true;
    this.spool?.drain({ final });
    this.spool?.close({ keepFiles: !final || this.opts.spoolIn !== undefined });
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const off of this.unwire.splice(0)) off();
    this.listeners.clear();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => { this.timers.delete(t); fn(); }, ms);
    t.unref(); // never keep our own process alive just for these
    this.timers.add(t);
  }

  // ── the caller's handle ──────────────────────────────────────────────────────────────

  private handle(c: ChildProcess): RunningProcess {
    const spool = this.spool;
    return {
      get pid() { return c.pid; },
      onOutput: (listener) => {
        if (!this.finished) this.listeners.add(listener);
        return { dispose: () => { this.listeners.delete(listener); } };
      },
      cancel: () => this.terminate('cancelled'),
      killGroup: (signal) => this.killGroup(signal),
      spoolFiles: spool ? spool.paths : null,
      spoolFolder: spool ? spool.folder : null,
      removeSpool: () => spool?.remove(),
      detach: () => this.detach(),
      done: this.done,
    };
  }

  private failedHandle(): RunningProcess {
    return { pid: undefined, onOutput: () => ({ dispose() {} }), cancel() {}, killGroup: () => false, spoolFiles: null, spoolFolder: null, removeSpool: () => this.spool?.remove(), detach() {}, done: this.done };
  }
}

function spawnFailure(opts: StartOptions, e: unknown): ProcessOutcome {
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  let why: string;
  if (code === 'ENOENT' && !existsSync(opts.cwd)) why = `working directory not found: ${opts.cwd}`;
  else if (code === 'ENOENT') why = 'command not found';
  else if (code === 'EACCES') why = 'permission denied';
  else why = String(err?.message ?? e);
  const error = `cannot start ${opts.command}: ${why}${code ? ` (${code})` : ''}`.replace(/\s*[\r\n]+\s*/g, ' ');
  return { exitCode: null, signal: null, reason: 'spawn_failed', error, ...(code ? { errorCode: code } : {}) };
}
