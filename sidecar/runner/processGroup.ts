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
 */
export const WATCHDOG_SCRIPT = [
  'trap "" INT HUP',
  'groups=" "',
  'grace=0',
  'while read -r cmd g; do',
  '  case $cmd in',
  // Only a plain number above 1 is ever registered: `kill -- -1` would signal everything.
  '    +*) p=${cmd#+}; case $p in ""|*[!0-9]*|0*|1) ;; *) groups="$groups$p "; grace=$g ;; esac ;;',
  '    -*) x=" ${cmd#-} "; case $groups in *"$x"*) groups="${groups%%"$x"*} ${groups#*"$x"}" ;; esac ;;',
  '  esac',
  'done',
  '[ -n "${groups# }" ] || exit 0',
  'for p in $groups; do kill -s TERM -- "-$p" 2>/dev/null; done',
  'sleep "$grace"',
  'for p in $groups; do kill -s KILL -- "-$p" 2>/dev/null; done',
  'exit 0',
].join('\n');

export interface Watchdog {
  /** The run is over (or we stop it ourselves): the watchdog forgets the group. */
  release(): void;
}

interface SharedWatchdog {
  child: ChildProcess;
  /** Registered groups and their grace periods (re-sent to a replacement watchdog). */
  groups: Map<number, number>;
  alive: boolean;
  maxGrace: number;
}

let shared: SharedWatchdog | undefined;

function watchdogProcess(): SharedWatchdog | undefined {
  if (shared?.alive) return shared;
  let child: ChildProcess;
  try {
    child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'stepflow-watchdog'], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  } catch {
    return undefined;
  }
  const groups = shared?.groups ?? new Map<number, number>();
  const dog: SharedWatchdog = { child, groups, alive: true, maxGrace: 0 };
  child.on('error', () => (dog.alive = false));
  child.on('exit', () => (dog.alive = false));
  child.stdin?.on('error', () => (dog.alive = false));
  // Neither the watchdog nor its pipe keeps our process alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  shared = dog;
  // A replacement (someone killed the previous one) takes over the groups still running.
  for (const [pgid, graceMs] of groups) send(dog, pgid, graceMs);
  return dog;
}

function send(dog: SharedWatchdog, pgid: number, graceMs: number): void {
  dog.maxGrace = Math.max(dog.maxGrace, graceMs);
  dog.child.stdin?.write(`+${pgid} ${(dog.maxGrace / 1000).toFixed(3)}\n`);
}

/** Guards group `pgid` with this process's watchdog (POSIX only; undefined where it cannot run). */
export function startWatchdog(pgid: number, graceMs: number): Watchdog | undefined {
  if (process.platform === 'win32' || !isSignallableGroup(pgid)) return undefined;
  const dog = watchdogProcess();
  if (!dog) return undefined;
  const grace = Math.max(0, graceMs);
  dog.groups.set(pgid, grace);
  try {
    send(dog, pgid, grace);
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
