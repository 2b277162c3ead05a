// The script's stdout and stderr go to two spool files instead of pipes, and we follow
// them. The files live in a folder of their own, in $TMPDIR or beside the database (the
// store may then keep them as the run's log files instead of copying them, by renaming them
// out of the folder: see store/logFiles.ts). Why: a pipe holds 64 KiB, so a chatty script blocks on every write until we have
// parsed and stored the previous chunk — its work and ours run one after the other. With
// a file the script never waits for us; both cores work at once (docs/performance.md).
// Reading is event driven (fs.watch = inotify, on each file, so a renamed file is still
// followed) with a slow poll as a safety net.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Bytes read per file per step; small enough to keep stdout/stderr interleaving fine-grained. */
const READ_CHUNK = 256 * 1024;
/** Bytes read before yielding to the event loop (a backlog must not starve other work). */
const READ_BUDGET = 8 * 1024 * 1024;
const POLL_MS = 50;
const EMPTY = Buffer.alloc(0);
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
  private closed = false;
  private following = false;
  private scratch = Buffer.allocUnsafe(READ_CHUNK);

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
    for (const file of this.files) {
      try {
        const watcher = fs.watch(file.path, () => this.schedule());
        watcher.on('error', () => undefined);
        this.watchers.push(watcher);
      } catch {
        // No inotify (or out of watches): the poll below still delivers, just later.
      }
    }
    this.poll = setInterval(() => this.schedule(), POLL_MS);
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

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.closed && this.readSome(READ_BUDGET)) this.schedule();
    });
  }

  /**
   * Reads up to `budget` bytes, alternating streams; true when more may be waiting.
   * Delivers whole lines only (a partial last line waits for the next read), so the parser
   * never has to glue a line across two chunks, which would copy every chunk once more.
   */
  private readSome(budget: number): boolean {
    let total = 0;
    for (;;) {
      let progressed = false;
      for (const file of this.files) {
        const carry = file.tail.length; // always < READ_CHUNK: a full buffer is delivered
        if (carry > 0) file.tail.copy(this.scratch, 0);
        const n = fs.readSync(file.readFd, this.scratch, carry, READ_CHUNK - carry, file.position);
        if (n === 0) continue;
        file.position += n;
        total += n;
        progressed = true;
        const filled = carry + n;
        const lastNewline = this.scratch.lastIndexOf(10, filled - 1);
        // A line longer than the whole buffer goes as it is; the parser copes with pieces.
        const cut = lastNewline >= 0 ? lastNewline + 1 : filled === READ_CHUNK ? filled : 0;
        file.tail = cut === filled ? EMPTY : Buffer.from(this.scratch.subarray(cut, filled));
        if (cut > 0) this.deliver(file.name, this.takeScratch(cut));
      }
      if (!progressed) return false;
      if (total >= budget) return true;
    }
  }

  /**
   * The first `length` bytes of the scratch buffer, for a receiver that keeps them (the
   * store, until its next flush): a mostly full buffer is handed over and replaced, a
   * short one is copied rather than pinning 256 KiB for a few lines.
   */
  private takeScratch(length: number): Buffer {
    if (length < READ_CHUNK / 2) return Buffer.from(this.scratch.subarray(0, length));
    const chunk = this.scratch.subarray(0, length);
    this.scratch = Buffer.allocUnsafe(READ_CHUNK);
    return chunk;
  }
}
