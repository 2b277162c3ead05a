// Helpers for the process-lifetime tests: a CLI child we can signal, waits on
// conditions with an overall timeout, and "is this pid gone" that treats a zombie as gone
// (PID 1 on the build machines does not reap orphans, so a killed grandchild can stay
// <defunct> although it is dead).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { STEPFLOW_BIN } from '../support/cli';
import { Store } from '../../sidecar/store/store';
import type { RunRecord } from '../../sidecar/protocol/model';

/**
 * A script whose grandchild ignores SIGTERM (only SIGKILL ends it); $T is the folder where
 * it writes script.pid and grandchild.pid. It prints READY once both are up.
 */
export const STUBBORN = [
  '#!/usr/bin/env bash',
  'echo $$ > "$T/script.pid"',
  'echo "STEP_START:Work"',
  `bash -c 'trap "" TERM; echo $$ > "$T/grandchild.pid"; while :; do sleep 0.2; done' &`,
  'while [ ! -s "$T/grandchild.pid" ]; do sleep 0.02; done',
  'echo READY',
  'wait',
].join('\n');

export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Pids (not zombies) whose process group is `pgid`. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Kills whatever a failed test left behind. */
export function killGroupQuietly(pgid: number | undefined): void {
  if (!pgid || !Number.isSafeInteger(pgid) || pgid <= 1) return; // kill(-1) would signal everything
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // gone
  }
}

export interface CliChild {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startCli(args: string[], home: string, env: Record<string, string> = {}): CliChild {
  const child = spawn(process.execPath, [STEPFLOW_BIN, ...args], {
    env: { ...process.env, STEPFLOW_HOME: home, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (err += t));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** The runs in a database, read without marking anything interrupted. */
export function storedRuns(home: string): RunRecord[] {
  const file = path.join(home, 'stepflow.db');
  if (!fs.existsSync(file)) return [];
  const store = new Store(file);
  try {
    return store.listRuns({ limit: 50 }).map((r) => store.getRun(r.id)!);
  } finally {
    store.close();
  }
}

export function readPid(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
