// Room kept in reserve beside the database (`<db>-reserve`, a file of zeros), so that the end
// of a run can be written when the disk fills up. Freeing a run's unstored output
// (WriteBatcher.giveUpOutput) is not enough on its own: it frees only what the script wrote
// after the last stored line, which can be a few bytes — or nothing, when the store had
// caught up with the script before the disk filled — while the transaction that records the
// steps, the end and the note on the cut needs new pages in the -wal file (25–70 KiB for a
// run of 5–300 steps). Whether the end was saved then depended on how far the store had got
// when the disk filled, i.e. on the load of the machine ("could not save run" in a test
// that filled the disk while a run wrote, under load).
//
// The reserve is made when a writer first creates a run, released (deleted) when a write
// fails for lack of room, and made again once there is room for it twice over.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Room for the end of a run of several hundred steps, with its notes, and then some. */
export const RESERVE_BYTES = 256 * 1024;

export class DiskReserve {
  /** False once released; made again only when the disk has room (restore()). */
  private held = false;
  private checked = false;

  constructor(
    readonly file: string,
    private readonly bytes: number = RESERVE_BYTES,
  ) {}

  /** Makes the reserve once per process (at the first run it writes). Best effort: never throws. */
  ensure(): void {
    if (this.checked) return;
    this.checked = true;
    this.fill();
  }

  /**
   * Deletes the reserve so a write that failed for lack of room can be tried again. True when
   * that freed anything (a reserve made by this or another process sharing the database).
   */
  release(): boolean {
    this.checked = true;
    this.held = false;
    let size: number;
    try {
      size = fs.statSync(this.file).size;
      fs.rmSync(this.file, { force: true });
    } catch {
      return false;
    }
    return size > 0;
  }

  /** After a released reserve: makes it again when the disk has room for it twice over. */
  restore(): void {
    if (this.held || !this.checked) return;
    try {
      const { bavail, bsize } = fs.statfsSync(path.dirname(this.file));
      if (bavail * bsize < 2 * this.bytes) return;
    } catch {
      return;
    }
    this.fill();
  }

  /** Writes zeros up to the reserve's size (a file system allocates blocks only for bytes written). */
  private fill(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.file, fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o600);
    } catch {
      return; // a folder we cannot write to: the store's own writes will say so
    }
    try {
      let size = fs.fstatSync(fd).size;
      const zeros = Buffer.alloc(Math.min(64 * 1024, this.bytes));
      while (size < this.bytes) size += fs.writeSync(fd, zeros, 0, Math.min(zeros.length, this.bytes - size), size);
      this.held = true;
    } catch {
      // No room for all of it: what was written stays (a smaller reserve is still one), and
      // restore() completes it once there is room.
    } finally {
      fs.closeSync(fd);
    }
  }
}
