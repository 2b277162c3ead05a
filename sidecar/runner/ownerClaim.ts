// Who guards an adoptable run's process group right now: `owner-<pid>` in its spool folder.
// The owner's watchdog (processGroup.ts) waits, after the owner died, for that file to go
// away; a process that adopts the run (runs/adoption.ts) first creates its own claim and
// registers the group with its own watchdog, and only then removes the previous owner's
// claim — so at every moment at least one live watchdog guards the group.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function claimFileOf(spoolDir: string, ownerPid: number): string {
  return path.join(spoolDir, `owner-${ownerPid}`);
}

/** Creates this process's claim; false when the folder is gone (nothing to adopt then). */
export function createClaim(spoolDir: string, ownerPid: number = process.pid): boolean {
  try {
    fs.writeFileSync(claimFileOf(spoolDir, ownerPid), `${ownerPid}\n`, { mode: 0o600 });
    return true;
  } catch {
    return false;
  }
}

/** Lets the previous owner's watchdog go: it stops guarding the group. */
export function dropClaim(spoolDir: string, ownerPid: number): void {
  fs.rmSync(claimFileOf(spoolDir, ownerPid), { force: true });
}
