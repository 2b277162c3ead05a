// Turns raw byte chunks of ONE output stream into whole lines plus the markers found in
// them (docs/spec.md §1). Pure: no I/O.
//
// Hot path: one indexOf(10) and one table lookup per line; a line is decoded only when its
// first significant byte (after spaces/tabs, a BOM and ANSI sequences) is a dialect's lead
// byte and, when every dialect of that byte names its heads, the line starts with one. Lines
// made entirely of bytes of the pushed chunk are returned as one zero-copy subarray of it — callers must not reuse a chunk's memory after pushing it.
//
// Chunking invariance: the result depends only on the byte stream, never on how it was
// split — lines are decoded only once complete, and the line cap is decided per byte.
//
// Line cap: a line whose content (bytes before "\n") exceeds maxLineBytes is cut into
// pieces of exactly maxLineBytes, each followed by an inserted "\n"; the cut is made only
// once a further non-newline byte is seen, so a line of exactly maxLineBytes stays whole.
// The first piece genuinely starts a line and is a marker candidate (its text is simply
// truncated); continuation pieces do not start a line and are never markers. At most
// maxLineBytes bytes are ever held between pushes.
import type { MarkerEvent } from '../protocol/markers';
import { skipAnsiBytes, stripAnsi } from '../protocol/ansi';
import type { Dialect } from './dialect';
import { stepflowDialect } from './stepflowDialect';

export interface OutputParserOptions {
  /** Dialects to recognise, tried in order; default: the StepFlow dialect only. */
  dialects?: readonly Dialect[];
  /** Longest line content kept as one line; default 1 MiB. */
  maxLineBytes?: number;
}

export interface ParsedMarker {
  /** 0-based index of the marker's line within its batch. */
  index: number;
  event: MarkerEvent;
}

export interface ParsedBatch {
  /** The complete lines of this batch, each ending with "\n" (raw bytes, CR kept). */
  bytes: Buffer;
  lineCount: number;
  markers: ParsedMarker[];
}

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

const NEWLINE = Buffer.from('\n');
const EMPTY = Buffer.alloc(0);
/** Above this, pending storage is released once the long line is done. */
const KEEP_STORAGE_BYTES = 64 * 1024;

// Byte classes for the first byte of a line.
const PLAIN = 0; // cannot start a marker: the common case, costs nothing more
const LEAD = 1; // some dialect's lead byte
const SKIP = 2; // whitespace, ESC or a BOM's first byte: look further

export class OutputParser {
  private readonly maxLineBytes: number;
  private readonly classOf = new Uint8Array(256);
  private readonly byLead: Array<readonly Dialect[] | undefined> = new Array(256).fill(undefined);
  /** Per lead byte: every dialect of it names its heads, so a line must start with one to be decoded. */
  private readonly headsOnly = new Uint8Array(256);
  private readonly heads = new HeadTrie();
  /** Bytes of the line in progress: storage[0, pendingLen). */
  private storage: Buffer = EMPTY;
  private pendingLen = 0;
  /** The line in progress continues a line that was cut at the cap. */
  private continuation = false;

  constructor(options: OutputParserOptions = {}) {
    const cap = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!Number.isSafeInteger(cap) || cap < 1) throw new RangeError(`maxLineBytes must be a positive integer, got ${cap}`);
    this.maxLineBytes = cap;
    for (const b of [0x20, 0x09, 0x0b, 0x0c, 0x0d, 0x1b, 0xef]) this.classOf[b] = SKIP;
    for (const dialect of options.dialects ?? [stepflowDialect]) {
      for (const b of dialect.leadBytes) {
        // Printable ASCII only: keeps byte-level and string-level views of a line in step.
        if (!Number.isInteger(b) || b < 0x21 || b > 0x7e) {
          throw new RangeError(`dialect ${dialect.id}: lead byte ${b} is not printable ASCII`);
        }
        this.classOf[b] = LEAD;
        const list = this.byLead[b];
        if (!list || !list.includes(dialect)) this.byLead[b] = [...(list ?? []), dialect];
      }
    }
    for (let b = 0; b < 256; b++) {
      const list = this.byLead[b];
      if (!list || list.some((d) => !d.heads)) continue;
      this.headsOnly[b] = 1;
      for (const d of list) for (const head of d.heads!) if (head.charCodeAt(0) === b) this.heads.add(head);
    }
  }

  /** Bytes of a line in progress, held back until its newline (or the cap) comes. */
  get pendingBytes(): number {
    return this.pendingLen;
  }

  /** Feeds the next chunk; returns the lines it completed. */
  push(chunk: Uint8Array): ParsedBatch {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const n = buf.length;
    const cap = this.maxLineBytes;
    const classOf = this.classOf;
    const parts: Buffer[] = [];
    const markers: ParsedMarker[] = [];
    let lines = 0;
    let pend = this.pendingLen;
    let cont = this.continuation;
    let runStart = -1; // start of the run of buf bytes emitted as they are
    let pos = 0;

    while (pos < n) {
      if (pend === 0 && !cont) {
        // Fast path: whole lines inside this chunk, emitted as one run of its bytes.
        const first = pos;
        for (let nl = buf.indexOf(10, pos); nl >= 0 && nl - pos <= cap; nl = buf.indexOf(10, pos)) {
          const cls = classOf[buf[pos]!]!;
          if (cls !== PLAIN) {
            const event = this.match(buf, pos, nl, cls);
            if (event) markers.push({ index: lines, event });
          }
          lines++;
          pos = nl + 1;
        }
        if (runStart < 0 && pos > first) runStart = first;
        if (pos >= n) break;
      }
      const nl = buf.indexOf(10, pos);
      const avail = (nl < 0 ? n : nl) - pos;
      if (pend + avail > cap) {
        // Over the cap and a further content byte is known: emit a piece of exactly cap bytes.
        const take = cap - pend;
        let piece: Buffer;
        let at: number;
        if (pend === 0) {
          if (runStart < 0) runStart = pos;
          parts.push(buf.subarray(runStart, pos + take), NEWLINE);
          runStart = -1;
          piece = buf;
          at = pos;
        } else {
          piece = Buffer.allocUnsafe(cap + 1);
          this.storage.copy(piece, 0, 0, pend);
          buf.copy(piece, pend, pos, pos + take);
          piece[cap] = 10;
          parts.push(piece);
          pend = this.releasePending();
          at = 0;
        }
        if (!cont) {
          const event = this.match(piece, at, at + cap, classOf[piece[at]!]!);
          if (event) markers.push({ index: lines, event });
        }
        lines++;
        cont = true;
        pos += take;
        continue;
      }
      if (nl < 0) {
        // A partial line that fits under the cap: keep it for the next push.
        if (runStart >= 0) parts.push(buf.subarray(runStart, pos));
        runStart = -1;
        pend = this.appendPending(pend, buf, pos, n);
        pos = n;
        break;
      }
      if (pend === 0) {
        // The tail of a cut line, wholly in this chunk: emitted as is, never a marker.
        if (runStart < 0) runStart = pos;
      } else {
        const line = Buffer.allocUnsafe(pend + avail + 1);
        this.storage.copy(line, 0, 0, pend);
        buf.copy(line, pend, pos, nl + 1);
        parts.push(line);
        if (!cont) {
          const event = this.match(line, 0, pend + avail, classOf[line[0]!]!);
          if (event) markers.push({ index: lines, event });
        }
        pend = this.releasePending();
      }
      cont = false;
      lines++;
      pos = nl + 1;
    }
    if (runStart >= 0) parts.push(buf.subarray(runStart, pos));
    this.pendingLen = pend;
    this.continuation = cont;
    return { bytes: join(parts), lineCount: lines, markers };
  }

  /** Flushes a trailing partial line (a "\n" is added) and resets the parser. */
  end(): ParsedBatch {
    const pend = this.pendingLen;
    const cont = this.continuation;
    this.continuation = false;
    if (pend === 0) return { bytes: EMPTY, lineCount: 0, markers: [] };
    const line = Buffer.allocUnsafe(pend + 1);
    this.storage.copy(line, 0, 0, pend);
    line[pend] = 10;
    this.pendingLen = this.releasePending();
    const markers: ParsedMarker[] = [];
    if (!cont) {
      const event = this.match(line, 0, pend, this.classOf[line[0]!]!);
      if (event) markers.push({ index: 0, event });
    }
    return { bytes: line, lineCount: 1, markers };
  }

  /** Parses bytes[start, end) (content without "\n") when it can be a marker line. */
  private match(bytes: Buffer, start: number, end: number, cls: number): MarkerEvent | null {
    if (cls === PLAIN) return null;
    let i = start;
    if (cls === SKIP) {
      while (i < end) {
        const b = bytes[i]!;
        if (b === 0x20 || b === 0x09 || b === 0x0b || b === 0x0c || b === 0x0d) i++;
        else if (b === 0x1b) i = skipAnsiBytes(bytes, i, end);
        else if (b === 0xef && i + 2 < end && bytes[i + 1] === 0xbb && bytes[i + 2] === 0xbf) i += 3;
        else break;
      }
      if (i >= end) return null;
    }
    const dialects = this.byLead[bytes[i]!];
    if (!dialects) return null;
    if (this.headsOnly[bytes[i]!] === 1 && !this.heads.startsAt(bytes, i, end)) return null;
    // Leading junk is already skipped in bytes; ANSI may still sit inside the line.
    let text = stripAnsi(bytes.toString('utf8', i, end));
    if (text.endsWith('\r')) text = text.slice(0, -1);
    for (const dialect of dialects) {
      try {
        const event = dialect.parseLine(text);
        if (event) return event;
      } catch {
        // A faulty dialect must not take the run down; the line stays plain output.
      }
    }
    return null;
  }

  private appendPending(pend: number, buf: Buffer, from: number, to: number): number {
    const need = pend + (to - from);
    if (this.storage.length < need) {
      const grown = Buffer.allocUnsafe(Math.min(this.maxLineBytes, Math.max(need, 256, this.storage.length * 2)));
      this.storage.copy(grown, 0, 0, pend);
      this.storage = grown;
    }
    buf.copy(this.storage, pend, from, to);
    return need;
  }

  /** Drops the line in progress; gives back big storage so idle parsers stay small. */
  private releasePending(): number {
    if (this.storage.length > KEEP_STORAGE_BYTES) this.storage = EMPTY;
    return 0;
  }
}

/**
 * The dialects' heads as a byte trie, so checking a line costs one table step per byte of
 * its head whatever the number of heads (GitHub has 94). Rows are added as heads need them.
 */
class HeadTrie {
  /** next[node * 256 + byte]: the child node, 0 for none (the root is never a child). */
  private next = new Uint16Array(256);
  private final = new Uint8Array(1);
  private nodes = 1;

  add(head: string): void {
    let node = 0;
    for (let k = 0; k < head.length; k++) {
      const b = head.charCodeAt(k) & 0xff;
      let child = this.next[node * 256 + b]!;
      if (child === 0) {
        child = this.nodes++;
        if (this.nodes * 256 > this.next.length) {
          const grown = new Uint16Array(this.next.length * 2);
          grown.set(this.next);
          this.next = grown;
          const final = new Uint8Array(grown.length / 256);
          final.set(this.final);
          this.final = final;
        }
        this.next[node * 256 + b] = child;
      }
      node = child;
    }
    this.final[node] = 1;
  }

  /**
   * Whether bytes[i, end) starts with a head. An ESC where a head's byte should be counts as
   * a match: an ANSI sequence may hide inside the head, and the decoded line decides.
   */
  startsAt(bytes: Buffer, i: number, end: number): boolean {
    let node = 0;
    for (let j = i; j < end; j++) {
      const c = bytes[j]!;
      if (c === 0x1b) return true;
      node = this.next[node * 256 + c]!;
      if (node === 0) return false;
      if (this.final[node] === 1) return true;
    }
    return false;
  }
}

function join(parts: Buffer[]): Buffer {
  if (parts.length === 0) return EMPTY;
  if (parts.length === 1) return parts[0]!;
  return Buffer.concat(parts);
}
