// Log files for the bulk of big runs, beside the database: `<db>-logs/<rid>.log`, which
// the store appends to, and `<rid>.out` / `<rid>.err`, the files the script itself wrote
// its stdout and stderr into (the runner's spool, see runner/spool.ts), adopted as they
// are so that big output is not copied a second time. The database keeps the index (a
// log_chunks row with first line, line count, stream, file, offset, size), so a reader in
// any process finds any line range with one indexed lookup and one pread.
// Only the process that owns a run ever appends to its file, and it writes the bytes
// before committing the rows that point at them: a row never points at missing bytes, and
// bytes without a row (a crash in between) are simply never read.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SPOOL_PREFIX } from '../runner/spool';

interface Writer {
  fd: number;
  size: number;
}

const MAX_READERS = 8;

/** Which file of a run a chunk is in (log_chunks.src): the store's own, or a spool kept. */
export type LogSource = 'log' | 'stdout' | 'stderr';
const SUFFIX: Record<LogSource, string> = { log: '.log', stdout: '.out', stderr: '.err' };
const FILE_NAME = /^(\d+)\.(log|out|err)$/;
const SPOOL_NAME = new RegExp(`^${SPOOL_PREFIX}(\\d+)-`);

export function logSource(src: number | null): LogSource {
  return src === 1 ? 'stdout' : src === 2 ? 'stderr' : 'log';
}

export function sourceCode(source: LogSource): number | null {
  return source === 'stdout' ? 1 : source === 'stderr' ? 2 : null;
}

/** `length` bytes of a file at `offset`; fewer where the file ends sooner. */
export function readAt(fd: number, offset: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buffer, done, length - done, offset + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buffer : buffer.subarray(0, done);
}

export class LogFiles {
  private readonly writers = new Map<number, Writer>();
  /** A few open read descriptors (by file name): a search or a long readLog reads many chunks of one file. */
  private readonly readers = new Map<string, number>();
  /** Spool files already moved in: the run's file, and the spool path it was moved from. */
  private readonly adopted = new Map<string, string>();
  /**
   * What the write transaction under way did to the files (between begin() and commit() or
   * rollback()): spool files moved in, and each file's size before its first append.
   */
  private pending: { adopted: Array<{ target: string; from: string }>; appended: Map<number, number> } | null = null;

  constructor(readonly dir: string) {}

  fileOf(rid: number, source: LogSource = 'log'): string {
    return path.join(this.dir, `${rid}${SUFFIX[source]}`);
  }

  /**
   * Makes the spool file the script is writing (`spoolFile`, in this folder's file system)
   * the run's `source` file, by renaming it: the script and the runner keep their open
   * descriptors. Idempotent. Call before committing a row that points into it.
   */
  adopt(rid: number, source: 'stdout' | 'stderr', spoolFile: string): void {
    const target = this.fileOf(rid, source);
    if (this.adopted.has(target)) return;
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    fs.renameSync(spoolFile, target);
    this.adopted.set(target, spoolFile);
    this.pending?.adopted.push({ target, from: spoolFile });
  }

  /**
   * Where the file now is: the run's own file when the store moved that spool file in, else
   * the file. A scan of the files moved in: asked only after a write failed on a full disk.
   */
  locate(file: string): string {
    for (const [target, from] of this.adopted) if (from === file) return target;
    return file;
  }

  /** A write transaction starts: what adopt() and append() do from now on can be undone by rollback(). */
  begin(): void {
    this.pending = { adopted: [], appended: new Map() };
  }

  /** The transaction committed: its rows point at the files as they are now. */
  commit(): void {
    this.pending = null;
  }

  /**
   * The transaction rolled back, so no row points at what it did to the files: spool files
   * it moved in go back to where the script and the runner put them (so a rolled-back run
   * id never names them, and whoever frees space after a full disk finds them there), and
   * the bytes it appended are cut off again — on a full disk they are room to write the
   * run's end. Best effort: what cannot be undone stays unreferenced, as before.
   */
  rollback(): void {
    const pending = this.pending;
    this.pending = null;
    if (!pending) return;
    for (const { target, from } of pending.adopted.reverse()) {
      try {
        fs.renameSync(target, from);
        this.adopted.delete(target);
      } catch {
        // The spool folder is gone: the file stays the run's own (locate() finds it).
      }
    }
    for (const [rid, size] of pending.appended) {
      this.closeWriter(rid);
      try {
        fs.truncateSync(this.fileOf(rid), size);
      } catch {
        // gone already
      }
    }
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
    if (this.pending && !this.pending.appended.has(rid)) this.pending.appended.set(rid, offset);
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
  read(rid: number, offset: number, size: number, source: LogSource = 'log'): Buffer {
    const fd = this.reader(this.fileOf(rid, source));
    return fd === undefined ? Buffer.alloc(0) : readAt(fd, offset, size);
  }

  /** Deletes the files of pruned runs; a file that cannot be deleted is left for sweep(). */
  remove(rids: Iterable<number>): void {
    for (const rid of rids) {
      this.closeWriter(rid);
      for (const source of ['log', 'stdout', 'stderr'] as const) {
        const file = this.fileOf(rid, source);
        this.dropReader(file);
        this.adopted.delete(file);
        try {
          fs.unlinkSync(file);
        } catch {
          // ENOENT: the run never spilled to that file. Anything else: retried by sweep().
        }
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
    const dead = new Set<number>();
    for (const name of names) {
      const match = FILE_NAME.exec(name);
      if (!match) continue;
      const rid = Number(match[1]);
      if (!isLive(rid) && !this.writers.has(rid)) dead.add(rid);
    }
    this.remove(dead);
    return dead.size;
  }

  /**
   * Deletes the spool folders of processes that died, except those of runs still `running`
   * (`keep`, absolute paths): the process that marks such a run interrupted first keeps what
   * its script wrote (Maintenance.recoverOutput), and only then is the folder removed.
   */
  removeDeadSpools(processIsAlive: (pid: number) => boolean, keep: ReadonlySet<string> = new Set()): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      const spool = SPOOL_NAME.exec(name);
      const folder = path.join(this.dir, name);
      if (spool && !processIsAlive(Number(spool[1])) && !keep.has(folder)) fs.rmSync(folder, { recursive: true, force: true });
    }
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
    for (const file of [...this.readers.keys()]) this.dropReader(file);
  }

  private reader(file: string): number | undefined {
    const cached = this.readers.get(file);
    if (cached !== undefined) return cached;
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return undefined;
    }
    if (this.readers.size >= MAX_READERS) {
      const oldest = this.readers.keys().next().value;
      if (oldest !== undefined) this.dropReader(oldest);
    }
    this.readers.set(file, fd);
    return fd;
  }

  private dropReader(file: string): void {
    const fd = this.readers.get(file);
    if (fd === undefined) return;
    this.readers.delete(file);
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
  }
}
