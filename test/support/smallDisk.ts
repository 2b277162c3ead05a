// A real small file system for the disk-full tests: a 2 MB tmpfs (so root, as in CI: the
// tests fail, never skip, when mount is not permitted), and a filler file that takes its room.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Mounts a 2 MB tmpfs at `<dir>/small` and returns its path (unmountSmallDisk after the test). */
export function mountSmallDisk(dir: string): string {
  const mnt = path.join(dir, 'small');
  fs.mkdirSync(mnt);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(`mount -t tmpfs failed (this test needs root, as in CI): ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`);
  }
  return mnt;
}

export function unmountSmallDisk(mnt: string): void {
  execFileSync('umount', [mnt]);
}

/** Writes `bytes` of zeros into `file`, or as many as there is room for (all of it by default). */
export function fillDisk(file: string, bytes = Infinity): void {
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(64 * 1024);
  try {
    for (let left = bytes; left > 0; left -= block.length) fs.writeSync(fd, block, 0, Math.min(block.length, left));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
}
