// The script's process group as a thing we can check, identify and guard:
// - groupAlive: is any member of the group still running (zombies do not count: where PID 1
//   does not reap orphans, a killed grandchild stays <defunct> for ever);
// - startIdentity: what tells this process apart from a later one with the same pid;
// - startWatchdog: a tiny `sh` that ends the group when its owner dies, even by SIGKILL;
// - isSignallableGroup: the one guard before any kill(-pgid): a pgid of 0 or 1 would mean
//   "our own group" or "every process we may signal" (kill(-1) as root ends the machine's
//   processes), so such a number (from a corrupt record, say) is never used.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

/** True while some process of group `pgid` is alive (not a zombie). */
export function groupAlive(pgid: number | undefined): boolean {
  if (!isSignallableGroup(pgid)) return false;
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    // EPERM: a group exists that we may not signal (not ours) — alive, but not for us to judge.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  // kill(-pgid, 0) also succeeds for a group of zombies only: look for a live member.
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return true;
  }
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const fields = statFields(Number(name));
    if (fields && fields[0] !== 'Z' && Number(fields[2]) === pgid) return true;
  }
  return false;
}

/** The fields of /proc/<pid>/stat after the command name (field 3, the state, is index 0). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

export function isSignallableGroup(pgid: unknown): pgid is number {
  return typeof pgid === 'number' && Number.isSafeInteger(pgid) && pgid > 1;
}

/**
 * Is group `pgid` still the one whose leader had identity `procStart`? The leader alive with
 * that identity: yes. The leader gone but members of its group alive: yes — a pid that is
 * still some group's id is never handed to a new process, so that group is still ours.
 * A live leader with another identity (the pid was reused), or nothing left: no.
 */
export function sameGroup(pgid: number, procStart: string): boolean {
  const now = startIdentity(pgid);
  if (now !== null) return now === procStart;
  return groupAlive(pgid);
}

let bootId: string | null | undefined;

/**
 * What identifies process `pid` beyond its number, so that a pid reused by a later process is
 * never mistaken for it: on Linux the boot id and the start time in clock ticks since boot
 * (/proc/<pid>/stat field 22). Null elsewhere, and when the process does not exist (or is a
 * zombie): callers then refuse to signal anything on the strength of a stored pid.
 */
export function startIdentity(pid: number): string | null {
  if (process.platform !== 'linux' || !(pid > 0)) return null;
  if (bootId === undefined) {
    try {
      bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      bootId = null;
    }
  }
  if (!bootId) return null;
  const fields = statFields(pid);
  if (!fields || fields[0] === 'Z') return null;
  const start = fields[22 - 3];
  return start ? `linux:${bootId}:${start}` : null;
}

/**
 * The watchdog's script: ONE per StepFlow process, guarding every group it runs. Its stdin is
 * a pipe whose only write end is in our process (libuv opens it close-on-exec, so neither a
 * script nor any other child inherits it). `+PGID GRACE_S` adds a group, `-PGID` removes it
 * (the run ended). End-of-file means we died — even by SIGKILL, which no handler of ours
 * sees: it sends SIGTERM to every group still registered, SIGKILL after the longest grace
 * period, and exits. It runs in a session of its own, so a Ctrl-C or a hang-up meant for us
 * does not reach it. Pure shell (no process per line): registering a run costs one write.
 *
 * `~PGID GRACE_S TICKS CLAIM_FILE` adds an *adoptable* group (a run of the editor's language
 * server, which a window reload restarts): on end-of-file it is not signalled at once. The
 * watchdog waits up to TICKS × 0.2 s for another StepFlow process to adopt the run, which it
 * says by removing CLAIM_FILE (runs/adoption.ts); a group that is adopted, or gone, is
 * dropped, and only the groups still unclaimed after the wait get SIGTERM, then SIGKILL.
 */
export const WATCHDOG_SCRIPT = [
  'trap "" INT HUP',
  'groups=" "',
  'adoptable=" "',
  'grace=0',
  'ticks=0',
  'while read -r cmd g t f; do',
  '  case $cmd in',
  // Only a plain number above 1 is ever registered: `kill -- -1` would signal everything.
  '    +*) p=${cmd#+}; case $p in ""|*[!0-9]*|0*|1) ;; *) groups="$groups$p "; grace=$g ;; esac ;;',
  // $p is digits only here, so the eval names a variable and nothing else.
  '    "~"*) p=${cmd#"~"}; case $p in ""|*[!0-9]*|0*|1) ;; *) case $t in ""|*[!0-9]*) ;; *) [ -z "$f" ] || { adoptable="$adoptable$p "; grace=$g; ticks=$t; eval "claim_$p=\\\$f"; } ;; esac ;; esac ;;',
  '    -*) x=" ${cmd#-} "; case $groups in *"$x"*) groups="${groups%%"$x"*} ${groups#*"$x"}" ;; esac; case $adoptable in *"$x"*) adoptable="${adoptable%%"$x"*} ${adoptable#*"$x"}" ;; esac ;;',
  '  esac',
  'done',
  '[ -n "${groups# }" ] || [ -n "${adoptable# }" ] || exit 0',
  'for p in $groups; do kill -s TERM -- "-$p" 2>/dev/null; done',
  'while [ -n "${adoptable# }" ]; do',
  '  unclaimed=" "',
  '  for p in $adoptable; do eval "c=\\\$claim_$p"; [ -e "$c" ] && kill -s 0 -- "-$p" 2>/dev/null && unclaimed="$unclaimed$p "; done',
  '  adoptable=$unclaimed',
  '  [ "$ticks" -gt 0 ] || break',
  '  ticks=$((ticks - 1))',
  '  [ -n "${adoptable# }" ] && sleep 0.2',
  'done',
  'for p in $adoptable; do kill -s TERM -- "-$p" 2>/dev/null; groups="$groups$p "; done',
  '[ -n "${groups# }" ] || exit 0',
  'sleep "$grace"',
  'for p in $groups; do kill -s KILL -- "-$p" 2>/dev/null; done',
  'exit 0',
].join('\n');

export interface Watchdog {
  /** The run is over (or we stop it ourselves): the watchdog forgets the group. */
  release(): void;
}

/**
 * A group that outlives our death for a while: the watchdog waits up to `waitMs` for another
 * StepFlow process to adopt it (by removing `claimFile`) before it ends the group.
 */
export interface Adoptable {
  waitMs: number;
  claimFile: string;
}

interface Registration {
  graceMs: number;
  adoptable?: Adoptable;
}

interface SharedWatchdog {
  child: ChildProcess;
  /** Registered groups (re-sent to a replacement watchdog). */
  groups: Map<number, Registration>;
  alive: boolean;
  maxGrace: number;
  maxTicks: number;
}

/** The adoption wait is counted in ticks of the script's `sleep 0.2`. */
const TICK_MS = 200;

let shared: SharedWatchdog | undefined;

function watchdogProcess(): SharedWatchdog | undefined {
  if (shared?.alive) return shared;
  let child: ChildProcess;
  try {
    child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'stepflow-watchdog'], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  } catch {
    return undefined;
  }
  const groups = shared?.groups ?? new Map<number, Registration>();
  const dog: SharedWatchdog = { child, groups, alive: true, maxGrace: 0, maxTicks: 0 };
  child.on('error', () => (dog.alive = false));
  child.on('exit', () => (dog.alive = false));
  child.stdin?.on('error', () => (dog.alive = false));
  // Neither the watchdog nor its pipe keeps our process alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  shared = dog;
  // A replacement (someone killed the previous one) takes over the groups still running.
  for (const [pgid, registration] of groups) send(dog, pgid, registration);
  return dog;
}

function send(dog: SharedWatchdog, pgid: number, { graceMs, adoptable }: Registration): void {
  dog.maxGrace = Math.max(dog.maxGrace, graceMs);
  const grace = (dog.maxGrace / 1000).toFixed(3);
  if (!adoptable) {
    dog.child.stdin?.write(`+${pgid} ${grace}\n`);
    return;
  }
  dog.maxTicks = Math.max(dog.maxTicks, Math.ceil(Math.max(0, adoptable.waitMs) / TICK_MS));
  dog.child.stdin?.write(`~${pgid} ${grace} ${dog.maxTicks} ${adoptable.claimFile}\n`);
}

/**
 * Guards group `pgid` with this process's watchdog (POSIX only; undefined where it cannot run).
 * With `adoptable`, our death leaves the group `adoptable.waitMs` to be adopted first.
 */
export function startWatchdog(pgid: number, graceMs: number, adoptable?: Adoptable): Watchdog | undefined {
  if (process.platform === 'win32' || !isSignallableGroup(pgid)) return undefined;
  // The script reads the claim file's name up to the end of the line.
  if (adoptable && (adoptable.claimFile === '' || /[\r\n]/.test(adoptable.claimFile))) adoptable = undefined;
  const dog = watchdogProcess();
  if (!dog) return undefined;
  const registration: Registration = { graceMs: Math.max(0, graceMs), ...(adoptable ? { adoptable } : {}) };
  dog.groups.set(pgid, registration);
  try {
    send(dog, pgid, registration);
  } catch {
    return undefined;
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      dog.groups.delete(pgid);
      const current = shared;
      if (current?.alive) {
        current.groups.delete(pgid);
        try {
          current.child.stdin?.write(`-${pgid}\n`);
        } catch {
          // gone: it has nothing left to guard either
        }
      }
    },
  };
}
