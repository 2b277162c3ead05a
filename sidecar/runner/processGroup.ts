// The script's process group as a thing we can check, identify and guard (issue 16):
// - groupAlive: is any member of the group still running (zombies do not count: where PID 1
//   does not reap orphans, a killed grandchild stays <defunct> for ever);
// - startIdentity: what tells this process apart from a later one with the same pid;
// - startWatchdog: a tiny `sh` that ends the group when its owner dies, even by SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

/** True while some process of group `pgid` is alive (not a zombie). */
export function groupAlive(pgid: number | undefined): boolean {
  if (pgid === undefined || pgid <= 0) return false;
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
 * The watchdog's script. Its stdin is a pipe whose only write end is in our process (libuv
 * opens it close-on-exec, so neither the script nor any other child inherits it). A line
 * means "done, the run ended normally": it exits. End-of-file without a line means we died
 * (even by SIGKILL, which no handler of ours sees): it sends SIGTERM to the group, SIGKILL
 * after the grace period, and exits. It runs in a session of its own, so a Ctrl-C or a
 * hang-up meant for us does not reach it.
 */
const WATCHDOG = [
  'trap "" INT HUP',
  'if read -r _; then exit 0; fi',
  'kill -s TERM -- "-$1" 2>/dev/null || exit 0',
  'sleep "$2"',
  'kill -s KILL -- "-$1" 2>/dev/null',
  'exit 0',
].join('\n');

export interface Watchdog {
  /** The run is over (or we stop it ourselves): the watchdog exits without touching the group. */
  release(): void;
}

/** Starts a watchdog for group `pgid` (POSIX only; undefined where it cannot run). */
export function startWatchdog(pgid: number, graceMs: number): Watchdog | undefined {
  if (process.platform === 'win32') return undefined;
  let child: ChildProcess;
  try {
    child = spawn('/bin/sh', ['-c', WATCHDOG, 'stepflow-watchdog', String(pgid), (Math.max(0, graceMs) / 1000).toFixed(3)], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
  } catch {
    return undefined;
  }
  child.on('error', () => undefined);
  child.stdin?.on('error', () => undefined);
  // Neither the watchdog nor its pipe keeps our process alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      try {
        child.stdin?.end('done\n');
      } catch {
        // already gone: it has nothing left to guard either
      }
    },
  };
}
