// Append-only log files for the bulk of big runs: `<db>-logs/<rid>.log`. The database keeps
// the index (a log_chunks row with first line, line count, stream, offset, size), so a
// reader in any process finds any line range with one indexed lookup and one pread.
// Only the process that owns a run ever appends to its file, and it writes the bytes
// before committing the rows that point at them: a row never points at missing bytes, and
// bytes without a row (a crash in between) are simply never read.
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Writer {
  fd: number;
  size: number;
}

const MAX_READERS = 8;

export class LogFiles {
  private readonly writers = new Map<number, Writer>();
  /** A few open read descriptors: a search or a long readLog reads many chunks of one file. */
  private readonly readers = new Map<number, number>();

  constructor(readonly dir: string) {}

  fileOf(rid: number): string {
    return path.join(this.dir, `${rid}.log`);
  }

  /** Appends the parts in one writev and returns the offset where they start. */
  append(rid: number, parts: readonly Buffer[]): number {
    let writer = this.writers.get(rid);
    if (!writer) {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      // 'a' + the real size, not 'w': leftovers of a rolled-back attempt stay unreferenced
      // instead of being overwritten while someone might still hold an old row.
      const fd = fs.openSync(this.fileOf(rid), 'a', 0o600);
      writer = { fd, size: fs.fstatSync(fd).size };
      this.writers.set(rid, writer);
    }
    const offset = writer.size;
    let pending = parts.filter((p) => p.length > 0);
    while (pending.length > 0) {
      let written = fs.writevSync(writer.fd, pending);
      writer.size += written;
      // A short write is legal; continue with what is left.
      const rest: Buffer[] = [];
      for (const part of pending) {
        if (written >= part.length) {
          written -= part.length;
        } else {
          rest.push(written > 0 ? part.subarray(written) : part);
          written = 0;
        }
      }
      pending = rest;
    }
    return offset;
  }

  /** The run is finished (or its write failed): release the descriptor. */
  closeWriter(rid: number): void {
    const writer = this.writers.get(rid);
    if (!writer) return;
    this.writers.delete(rid);
    fs.closeSync(writer.fd);
  }

  /** Reads `size` bytes at `offset`; shorter (or empty) when the file lost its tail. */
  read(rid: number, offset: number, size: number): Buffer {
    const fd = this.reader(rid);
    if (fd === undefined) return Buffer.alloc(0);
    const buffer = Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) {
      const n = fs.readSync(fd, buffer, done, size - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return done === size ? buffer : buffer.subarray(0, done);
  }

  /** Deletes the files of pruned runs; a file that cannot be deleted is left for sweep(). */
  remove(rids: Iterable<number>): void {
    for (const rid of rids) {
      this.dropReader(rid);
      this.closeWriter(rid);
      try {
        fs.unlinkSync(this.fileOf(rid));
      } catch {
        // ENOENT: the run never spilled to a file. Anything else: retried by sweep().
      }
    }
  }

  /** Deletes files whose run no longer exists. Call only while holding the write lock. */
  sweep(isLive: (rid: number) => boolean): number {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      const match = /^(\d+)\.log$/.exec(name);
      if (!match) continue;
      const rid = Number(match[1]);
      if (isLive(rid) || this.writers.has(rid)) continue;
      this.remove([rid]);
      removed += 1;
    }
    return removed;
  }

  /** Total bytes of the log files (for metrics). */
  totalBytes(): number {
    let total = 0;
    try {
      for (const name of fs.readdirSync(this.dir)) {
        try {
          total += fs.statSync(path.join(this.dir, name)).size;
        } catch {
          // deleted meanwhile
        }
      }
    } catch {
      // no folder yet
    }
    return total;
  }

  close(): void {
    for (const rid of [...this.writers.keys()]) this.closeWriter(rid);
    for (const rid of [...this.readers.keys()]) this.dropReader(rid);
  }

  private reader(rid: number): number | undefined {
    const cached = this.readers.get(rid);
    if (cached !== undefined) return cached;
    let fd: number;
    try {
      fd = fs.openSync(this.fileOf(rid), 'r');
    } catch {
      return undefined;
    }
    if (this.readers.size >= MAX_READERS) {
      const oldest = this.readers.keys().next().value;
      if (oldest !== undefined) this.dropReader(oldest);
    }
    this.readers.set(rid, fd);
    return fd;
  }

  private dropReader(rid: number): void {
    const fd = this.readers.get(rid);
    if (fd === undefined) return;
    this.readers.delete(rid);
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
  }
}
