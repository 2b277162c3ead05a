// A marker dialect is a pluggable unit (docs/spec.md §1; the CI systems' dialects are in
// markers/dialects/). The output parser only asks a dialect to parse lines whose first
// significant byte is one of its lead bytes, so the hot path never decodes ordinary output.
// A dialect may keep state from line to line (open groups): the parser calls it in output
// order, and each parser gets instances of its own (markers/dialects/registry.ts).
import type { MarkerEvent } from '../protocol/markers';

export interface Dialect {
  /** Stable identifier, e.g. 'stepflow'. */
  readonly id: string;
  /**
   * Bytes that may begin a marker line of this dialect after leading whitespace and ANSI
   * sequences are skipped. Must be printable ASCII (0x21–0x7E).
   */
  readonly leadBytes: readonly number[];
  /**
   * Optional: ASCII prefixes one of which every line of this dialect starts with (its lead
   * byte first), e.g. '::' and '##['. A line starting with none is not decoded for it — the
   * CI dialects' lead bytes ('#', ':', 's') begin many ordinary lines.
   */
  readonly heads?: readonly string[];
  /**
   * Parses one line that already has ANSI sequences stripped, leading whitespace removed
   * and a trailing "\r" removed. Returns null when the line is not a marker of this
   * dialect. Must never throw: the text is untrusted program output.
   */
  parseLine(line: string): MarkerEvent | null;
}
