// The script's stdout and stderr go to two spool files instead of pipes, and we follow
// them. The files live in a folder of their own, in $TMPDIR or beside the database (the
// store may then keep them as the run's log files instead of copying them, by renaming them
// out of the folder: see store/logFiles.ts). Why: a pipe holds 64 KiB, so a chatty script blocks on every write until we have
// parsed and stored the previous chunk — its work and ours run one after the other. With
// a file the script never waits for us; both cores work at once (docs/performance.md).
// Reading is event driven (fs.watch = inotify, on each file, so a renamed file is still
// followed) with a slow poll as a safety net, and paced: see COALESCE_MS.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Bytes read per file per step; small enough to keep stdout/stderr interleaving fine-grained. */
const READ_CHUNK = 256 * 1024;
/** Bytes read before yielding to the event loop (a backlog must not starve other work). */
const READ_BUDGET = 8 * 1024 * 1024;
const POLL_MS = 50;
/**
 * A script that writes one line per write(2) (a bash `echo` loop, Python with
 * PYTHONUNBUFFERED, C stdio under `stdbuf -oL`) wakes us once per line: reading on every
 * inotify event made ~one pread per line and one inotify read per write, a core's worth of
 * syscalls stolen from the script on two cores (docs/performance.md, "line-at-a-time").
 * So an event that comes within this long of the previous read does not read at once: the
 * watchers are paused and one read after the rest of the interval takes everything written
 * meanwhile, and so on every interval while output keeps coming. The first event after a
 * quiet spell still reads at once, so a sparse marker is as live as before; a marker in a
 * dense stream waits at most this long. STEPFLOW_SPOOL_COALESCE_MS overrides it (0: read on
 * every event, the old behaviour) so the benchmarks can measure both in one run.
 */
const COALESCE_MS = 5;
const EMPTY = Buffer.alloc(0);
/**
 * The one read buffer of every spool in this process. Reads are synchronous and what they
 * deliver is copied out or handed over (takeScratch) before the next read, so one buffer
 * serves them all: a buffer per spool could hold up to 256 KiB resident per run, with
 * thousands of runs at once (docs/performance.md, "500 concurrent runs in one process").
 */
let scratch = Buffer.allocUnsafe(READ_CHUNK);
/** Spool folders are named `stepflow-spool-<pid>-<random>`. */
export const SPOOL_PREFIX = 'stepflow-spool-';

export type SpoolStream = 'stdout' | 'stderr';

/** The files of a spool some other process created (a run being adopted). */
export interface ExistingSpool {
  folder: string;
  files: Array<{ name: SpoolStream; path: string }>;
}
/** The one file of a merged spool (stdout and stderr together, in write order). */
export const MERGED_FILE = 'output';

interface SpoolFile {
  name: SpoolStream;
  path: string;
  writeFd: number;
  readFd: number;
  /** Next byte to read. */
  position: number;
  /** Read but not delivered: the start of a line whose newline has not been written yet. */
  tail: Buffer;
}

export class Spool {
  private readonly dir: string;
  private readonly files: SpoolFile[] = [];
  private readonly watchers: fs.FSWatcher[] = [];
  private poll: NodeJS.Timeout | undefined;
  private scheduled = false;
  /** A paced read is pending (the watchers are paused until it finds nothing new). */
  private paced: NodeJS.Timeout | undefined;
  private watching = false;
  private lastReadAt = Number.NEGATIVE_INFINITY;
  private bytesRead = 0;
  /** Chunks of whole lines delivered so far. */
  private handedOver = 0;
  private readonly coalesceMs = coalesceMsFromEnv();
  private closed = false;
  private following = false;

  /**
   * `parent`: where to create the spool folder (default $TMPDIR). Its name carries our pid,
   * so a sweep can tell the folder of a crashed process from that of a live one.
   */
  constructor(
    private readonly deliver: (stream: SpoolStream, chunk: Buffer) => void,
    parent: string = os.tmpdir(),
    { merged = false, existing }: { merged?: boolean; existing?: ExistingSpool } = {},
  ) {
    if (existing) {
      // A run adopted from a process that died (runs/adoption.ts): its script still writes
      // into these files; read them from the start, write nothing.
      this.dir = existing.folder;
      for (const { name, path: file } of existing.files) {
        this.files.push({ name, path: file, writeFd: -1, readFd: fs.openSync(file, 'r'), position: 0, tail: EMPTY });
      }
      return;
    }
    fs.mkdirSync(parent, { recursive: true, mode: 0o700 });
    this.dir = fs.mkdtempSync(path.join(parent, `${SPOOL_PREFIX}${process.pid}-`));
    // Merged: ONE file, opened O_APPEND, whose descriptor becomes both the child's fd 1 and
    // fd 2, so every write of the script and its children lands in the order it was made
    // (two files read one after the other cannot tell which line came first). Its lines are
    // delivered as 'stdout'.
    for (const name of merged ? (['stdout'] as const) : (['stdout', 'stderr'] as const)) {
      const file = path.join(this.dir, merged ? MERGED_FILE : name);
      const writeFd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND, 0o600);
      const readFd = fs.openSync(file, 'r');
      this.files.push({ name, path: file, writeFd, readFd, position: 0, tail: EMPTY });
    }
  }

  /** Where the script's output goes (a file may be renamed away later; we follow it anyway). */
  get paths(): Record<SpoolStream, string> {
    return { stdout: this.files[0]!.path, stderr: (this.files[1] ?? this.files[0]!).path };
  }

  /** The spool folder (recorded with the run, so that output of a process that died is kept). */
  get folder(): string {
    return this.dir;
  }

  /** The descriptors to hand to spawn() as the child's stdout and stderr (the same one when merged). */
  get childFds(): [number, number] {
    return [this.files[0]!.writeFd, (this.files[1] ?? this.files[0]!).writeFd];
  }

  /** After spawn: our copies of the write ends are not needed, and we start following. */
  follow(): void {
    this.following = true;
    for (const file of this.files) if (file.writeFd >= 0) fs.closeSync(file.writeFd);
    this.watch((file) => file.path);
    this.poll = setInterval(() => this.onChange(), POLL_MS);
  }

  private watch(target: (file: SpoolFile) => string): void {
    this.watching = true;
    for (const file of this.files) {
      for (const where of new Set([target(file), file.path])) {
        try {
          const watcher = fs.watch(where, () => this.onChange());
          watcher.on('error', () => undefined);
          this.watchers.push(watcher);
          break;
        } catch {
          // No inotify (or out of watches): the poll still delivers, just later.
        }
      }
    }
  }

  /**
   * Pausing means closing the watchers: an open one wakes us on every write even when we
   * ignore it. Only on Linux, where they can be re-opened on the open descriptor
   * (/proc/self/fd/N follows the inode: the store may have renamed the file meanwhile).
   */
  private pauseWatching(): void {
    if (!this.watching || process.platform !== 'linux') return;
    for (const watcher of this.watchers) watcher.close();
    this.watchers.length = 0;
    this.watching = false;
  }

  private resumeWatching(): void {
    if (this.watching || this.closed) return;
    this.watch((file) => `/proc/self/fd/${file.readFd}`);
  }

  /**
   * Reads everything written so far, synchronously (at exit, before the run is finished).
   * `final: false` (we stop following a script that goes on writing) keeps a last line
   * without its newline back: the script may still finish it.
   */
  drain({ final = true }: { final?: boolean } = {}): void {
    while (!this.closed && this.readSome(Number.POSITIVE_INFINITY)) {
      // keep reading until both files are at their end
    }
    if (!final) return;
    // The script is done: a last line without a newline is all there will be of it.
    for (const file of this.files) {
      if (this.closed || file.tail.length === 0) continue;
      const tail = file.tail;
      file.tail = EMPTY;
      this.deliver(file.name, tail);
    }
  }

  /** Stops following, and (unless `keepFiles`: the caller removes them with remove()) removes the files. */
  close({ keepFiles = false }: { keepFiles?: boolean } = {}): void {
    if (this.closed) return;
    this.closed = true;
    for (const watcher of this.watchers) watcher.close();
    if (this.poll) clearInterval(this.poll);
    if (this.paced) clearTimeout(this.paced);
    for (const file of this.files) {
      fs.closeSync(file.readFd);
      if (!this.following && file.writeFd >= 0) fs.closeSync(file.writeFd); // spawn failed before follow()
    }
    if (!keepFiles) this.remove();
  }

  /** Removes the spool folder, with whatever is still in it. */
  remove(): void {
    // In the background: freeing the pages of a big spool takes the kernel ~10 ms per
    // 160 MB, which the run's last database writes need not wait for. A pending removal
    // keeps the process alive until it is done, so nothing is left behind.
    fs.rm(this.dir, { recursive: true, force: true }, () => undefined);
  }

  /** A watcher or the poll says the files may have grown. */
  private onChange(): void {
    if (this.scheduled || this.paced || this.closed) return;
    const wait = this.lastReadAt + this.coalesceMs - performance.now();
    if (wait <= 0) this.schedule();
    else this.readLater(wait);
  }

  /** Reads on the next turn of the event loop (at once after a quiet spell, and for a backlog). */
  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.closed) this.readNow(false);
    });
  }

  private readLater(ms: number): void {
    this.pauseWatching();
    this.paced = setTimeout(() => {
      this.paced = undefined;
      if (!this.closed) this.readNow(true);
    }, ms);
  }

  private readNow(paced: boolean): void {
    const before = this.bytesRead;
    const handedOver = this.handedOver;
    const more = this.readSome(READ_BUDGET);
    // A read that found only the start of a line does not count: Python's print() writes
    // the text and its newline separately, and the newline must not wait for the interval.
    if (this.handedOver > handedOver) this.lastReadAt = performance.now();
    if (more) return this.schedule(); // a backlog: read on without waiting
    if (paced && this.bytesRead > before) return this.readLater(this.coalesceMs); // still coming
    if (this.watching) return;
    this.resumeWatching();
    // Written between our last read and the new watch: no event will tell us.
    if (this.files.some((file) => this.sizeOf(file) > file.position)) this.readLater(this.coalesceMs);
  }

  private sizeOf(file: SpoolFile): number {
    try {
      return fs.fstatSync(file.readFd).size;
    } catch {
      return 0;
    }
  }

  /**
   * Reads up to `budget` bytes, alternating streams; true when more may be waiting.
   * Delivers whole lines only (a partial last line waits for the next read), so the parser
   * never has to glue a line across two chunks, which would copy every chunk once more.
   */
  private readSome(budget: number): boolean {
    let total = 0;
    // A short read means we reached the end of what was written: reading again at once
    // would fetch the line or two a line-at-a-time writer added meanwhile, one pread per
    // line. Only a full buffer (a backlog) is read on at once. Unpaced (coalesce 0), the
    // reader works as it did before pacing: on until a read finds nothing.
    const untilDry = this.coalesceMs === 0;
    for (;;) {
      let progressed = false;
      let full = false;
      for (const file of this.files) {
        const carry = file.tail.length; // always < READ_CHUNK: a full buffer is delivered
        if (carry > 0) file.tail.copy(scratch, 0);
        const n = fs.readSync(file.readFd, scratch, carry, READ_CHUNK - carry, file.position);
        if (n === 0) continue;
        file.position += n;
        this.bytesRead += n;
        total += n;
        progressed = true;
        if (n === READ_CHUNK - carry) full = true;
        const filled = carry + n;
        const lastNewline = scratch.lastIndexOf(10, filled - 1);
        // A line longer than the whole buffer goes as it is; the parser copes with pieces.
        const cut = lastNewline >= 0 ? lastNewline + 1 : filled === READ_CHUNK ? filled : 0;
        file.tail = cut === filled ? EMPTY : Buffer.from(scratch.subarray(cut, filled));
        if (cut > 0) {
          this.handedOver++;
          this.deliver(file.name, this.takeScratch(cut));
        }
      }
      if (!(full || (untilDry && progressed))) return false;
      if (total >= budget) return true;
    }
  }

  /**
   * The first `length` bytes of the scratch buffer, for a receiver that keeps them (the
   * store, until its next flush): a mostly full buffer is handed over and replaced, a
   * short one is copied rather than pinning 256 KiB for a few lines.
   */
  private takeScratch(length: number): Buffer {
    if (length < READ_CHUNK / 2) return Buffer.from(scratch.subarray(0, length));
    const chunk = scratch.subarray(0, length);
    scratch = Buffer.allocUnsafe(READ_CHUNK);
    return chunk;
  }
}

function coalesceMsFromEnv(): number {
  const text = process.env['STEPFLOW_SPOOL_COALESCE_MS'];
  const value = text ? Number(text) : Number.NaN;
  return Number.isFinite(value) && value >= 0 ? value : COALESCE_MS;
}
