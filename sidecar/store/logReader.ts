// Reading and searching stored output. A chunk's bytes are inline (`data`) or in one of the
// run's log files (`src`, `file_off`); either way only the chunks a request needs are read.
import type { LogLine, LogSearchHit } from '../protocol/history';
import type { StreamName } from '../protocol/model';
import type { Database } from './database';
import { logSource, type LogFiles } from './logFiles';
import { LOWER, mayContain, needleGrams } from './logGrams';

interface StepSpan {
  path: string;
  first_line: number;
  last_line: number | null;
}

export interface SearchQuery {
  runId?: string;
  limit?: number;
}

interface ChunkRow {
  rid: number;
  first_line: number;
  line_count: number;
  stream: number;
  at: number;
  size: number;
  src: number | null;
  file_off: number | null;
  data: Buffer | null;
}

const NL = 0x0a;
const CR = 0x0d;
/** Name of the SQL function that tests a chunk for a (lower-cased) needle. */
export const LOG_MATCH_FUNCTION = 'sf_log_match';
/**
 * Name of the SQL function that tells from a chunk's trigram summary (log_grams.grams, NULL
 * while the chunk is not indexed) whether it may hold the text.
 */
export const LOG_MAY_MATCH_FUNCTION = 'sf_log_may_match';
/** The join that gives each chunk `c` its summary `g` (none yet: NULLs). */
export const LOG_GRAMS_JOIN = 'LEFT JOIN log_grams g ON g.rid = c.rid AND g.first_line = c.first_line';
/**
 * "Chunk `c` (with its summary `g`, LOG_GRAMS_JOIN) holds the text", the text bound to both
 * `?`. One CASE term, not two ANDed terms: SQLite tests a term in the innermost loop of the
 * tables it names, so a match on `c` alone would read every chunk before its summary was
 * looked at; in a CASE the bytes are read only when the summary lets the chunk through.
 */
export const LOG_MATCH_CONDITION = `CASE WHEN ${LOG_MAY_MATCH_FUNCTION}(g.grams, ?) THEN ${LOG_MATCH_FUNCTION}(c.rid, c.src, c.file_off, c.size, c.data, ?) ELSE 0 END`;

export class LogReader {
  private readonly ridOf;
  private readonly startChunk;
  private readonly chunksFrom;
  private readonly searchAll;
  private readonly searchRun;
  private readonly stepSpans;

  constructor(
    db: Database,
    private readonly logs: LogFiles | null,
  ) {
    // Case-insensitive for ASCII letters (like SQL LIKE), exact for everything else; the
    // same function serves listRuns({search}) so both agree on what matches.
    let cached: Needle | undefined;
    db.function(LOG_MATCH_FUNCTION, { deterministic: false }, (rid, src, fileOff, size, data, text) => {
      if (typeof text !== 'string') return 0;
      if (cached?.text !== text) cached = Needle.of(text) ?? undefined;
      if (!cached) return 0;
      const bytes = this.bytesOf(rid as number, src as number | null, fileOff as number | null, size as number, data as Buffer | null);
      return cached.find(bytes, 0) >= 0 ? 1 : 0;
    });
    let cachedMay: Needle | undefined;
    db.function(LOG_MAY_MATCH_FUNCTION, { deterministic: true }, (grams, text) => {
      if (!(grams instanceof Uint8Array) || typeof text !== 'string') return 1;
      if (cachedMay?.text !== text) cachedMay = Needle.of(text) ?? undefined;
      return !cachedMay?.grams || mayContain(grams, cachedMay.grams) ? 1 : 0;
    });
    this.ridOf = db.prepare('SELECT rid FROM runs WHERE id = ?').pluck();
    this.startChunk = db.prepare('SELECT first_line FROM log_chunks WHERE rid = ? AND first_line <= ? ORDER BY first_line DESC LIMIT 1').pluck();
    this.chunksFrom = db.prepare(
      'SELECT rid, first_line, line_count, stream, at, size, src, file_off, data FROM log_chunks WHERE rid = ? AND first_line >= ? ORDER BY first_line',
    );
    const search = (where: string) =>
      db.prepare(
        `SELECT r.id AS run_id, c.rid, c.first_line, c.line_count, c.stream, c.at, c.size, c.src, c.file_off, c.data
         FROM runs r JOIN log_chunks c ON c.rid = r.rid ${LOG_GRAMS_JOIN}
         WHERE ${where} ${LOG_MATCH_CONDITION}
         ORDER BY r.started_at DESC, r.rid DESC, c.first_line`,
      );
    this.stepSpans = db.prepare(
      'SELECT s.path, s.first_line, s.last_line FROM steps s JOIN runs r ON r.rid = s.rid WHERE r.id = ? ORDER BY s.first_line, s.step_id',
    );
    this.searchAll = search('');
    this.searchRun = search('r.id = ? AND');
  }

  /**
   * Up to `maxLines` committed lines from the 1-based `fromLine`, reading only the chunks
   * needed. `at` is the arrival of the chunk's first line: lines coalesced into one chunk
   * (at most 250 ms apart) share it.
   */
  readLog(runId: string, fromLine: number, maxLines: number): LogLine[] {
    const out: LogLine[] = [];
    if (!(maxLines > 0)) return out;
    const rid = this.ridOf.get(runId) as number | undefined;
    if (rid === undefined) return out;
    const from = Math.max(1, Math.floor(fromLine));
    const start = (this.startChunk.get(rid, from) as number | undefined) ?? from;
    for (const row of this.chunksFrom.iterate(rid, start) as IterableIterator<ChunkRow>) {
      if (row.first_line + row.line_count <= from) continue;
      const stream: StreamName = row.stream === 2 ? 'stderr' : 'stdout';
      const bytes = this.bytesOf(rid, row.src, row.file_off, row.size, row.data);
      let line = row.first_line;
      let pos = 0;
      // Skip the lines before `from` without decoding them.
      while (line < from && pos < bytes.length) {
        const nl = bytes.indexOf(NL, pos);
        pos = nl < 0 ? bytes.length : nl + 1;
        line += 1;
      }
      while (pos < bytes.length && line < row.first_line + row.line_count && out.length < maxLines) {
        const nl = bytes.indexOf(NL, pos);
        const end = nl < 0 ? bytes.length : nl;
        out.push({ line, stream, at: row.at, text: decodeLine(bytes, pos, end) });
        pos = end + 1;
        line += 1;
      }
      if (out.length >= maxLines) break; // leaving the loop resets the statement
    }
    return out;
  }

  /** Lines containing `text` (ASCII case-insensitive), newest run first, then by line. */
  searchLogs(text: string, query: SearchQuery = {}): LogSearchHit[] {
    const limit = query.limit ?? 100;
    const needle = Needle.of(text);
    const out: LogSearchHit[] = [];
    if (!needle || limit <= 0) return out;
    const rows = (query.runId !== undefined ? this.searchRun.iterate(query.runId, text, text) : this.searchAll.iterate(text, text)) as IterableIterator<
      ChunkRow & { run_id: string }
    >;
    for (const row of rows) {
      const bytes = this.bytesOf(row.rid, row.src, row.file_off, row.size, row.data);
      const stream: StreamName = row.stream === 2 ? 'stderr' : 'stdout';
      let line = row.first_line;
      let counted = 0; // bytes scanned for newlines so far
      let hit = needle.find(bytes, 0);
      while (hit >= 0 && out.length < limit) {
        const start = bytes.lastIndexOf(NL, hit) + 1;
        for (let nl = bytes.indexOf(NL, counted); nl >= 0 && nl < start; nl = bytes.indexOf(NL, nl + 1)) line += 1;
        const nl = bytes.indexOf(NL, hit);
        const end = nl < 0 ? bytes.length : nl;
        out.push({ runId: row.run_id, line, stream, text: decodeLine(bytes, start, end) });
        counted = start;
        hit = end >= bytes.length ? -1 : needle.find(bytes, end + 1);
      }
      if (out.length >= limit) break;
    }
    // After the loop: the connection is busy while the search statement iterates.
    this.addSteps(out);
    return out;
  }

  /** Names each match's innermost step (the deepest one whose line range holds it). */
  private addSteps(matches: LogSearchHit[]): void {
    const spansOf = new Map<string, StepSpan[]>();
    for (const match of matches) {
      let spans = spansOf.get(match.runId);
      if (!spans) spansOf.set(match.runId, (spans = this.stepSpans.all(match.runId) as StepSpan[]));
      let best: string[] | undefined;
      for (const span of spans) {
        if (span.first_line > match.line) break;
        if (span.last_line !== null && span.last_line < match.line) continue;
        const path = JSON.parse(span.path) as string[];
        // Later-starting among equals: a child starts after its parent, on a later line.
        if (!best || path.length >= best.length) best = path;
      }
      if (best) match.step = best;
    }
  }

  bytesOf(rid: number, src: number | null, fileOff: number | null, size: number, data: Buffer | null): Buffer {
    if (data) return data;
    if (fileOff === null || !this.logs) return Buffer.alloc(0);
    return this.logs.read(rid, fileOff, size, logSource(src));
  }
}

/**
 * A search text: matches bytes case-insensitively for ASCII letters (like SQL LIKE) and
 * exactly otherwise. Chunks are scanned as Latin-1 strings with a case-insensitive RegExp
 * (≈2× faster than lower-casing a copy); Latin-1 folding may propose a false candidate
 * among UTF-8 bytes, so every candidate is verified byte by byte.
 */
export class Needle {
  private readonly lower: Buffer;
  private readonly pattern: RegExp | null;
  /** Its trigrams' hashes, to skip chunks whose summary lacks one (null: too short to say). */
  readonly grams: Uint32Array | null;
  /** The Latin-1 view of the last chunk searched: several hits in one chunk convert it once. */
  private lastBytes: Buffer | undefined;
  private lastHaystack = '';

  private constructor(readonly text: string) {
    this.lower = Buffer.from(text.replace(/[A-Z]+/g, (s) => s.toLowerCase()), 'utf8');
    this.pattern = /[A-Za-z]/.test(text)
      ? new RegExp(this.lower.toString('latin1').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'), 'gi')
      : null;
    this.grams = needleGrams(this.lower);
  }

  /** Null when nothing can match: an empty text or one spanning lines. */
  static of(text: string): Needle | null {
    return text.length === 0 || text.includes('\n') ? null : new Needle(text);
  }

  /** Offset of the first match at or after `from`, or -1. */
  find(bytes: Buffer, from: number): number {
    if (!this.pattern) return bytes.indexOf(this.lower, from);
    if (this.lastBytes !== bytes) {
      this.lastBytes = bytes;
      this.lastHaystack = bytes.toString('latin1');
    }
    const haystack = this.lastHaystack;
    this.pattern.lastIndex = from;
    for (let m = this.pattern.exec(haystack); m; m = this.pattern.exec(haystack)) {
      if (this.matchesAt(bytes, m.index)) return m.index;
      this.pattern.lastIndex = m.index + 1;
    }
    return -1;
  }

  private matchesAt(bytes: Buffer, at: number): boolean {
    const n = this.lower;
    if (at + n.length > bytes.length) return false;
    for (let i = 0; i < n.length; i++) if (LOWER[bytes[at + i]!] !== n[i]) return false;
    return true;
  }
}

/** One line's text: UTF-8 with U+FFFD for invalid bytes, without the line break. */
function decodeLine(bytes: Buffer, start: number, end: number): string {
  if (end > start && bytes[end - 1] === CR) end -= 1;
  return bytes.toString('utf8', start, end);
}
