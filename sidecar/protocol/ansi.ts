// ANSI/VT escape sequences, recognised the same way in strings and in raw bytes, so that
// the parser's byte-level "does this line start a marker?" check and the string-level
// stripping always agree (docs/spec.md §1: markers are recognised after removing ANSI).
//
// Recognised (ECMA-48):
//   CSI  ESC [ params(0x30–0x3F, incl. private ?<=>) intermediates(0x20–0x2F) final(0x40–0x7E)
//   OSC  ESC ] …  and the other string controls DCS (ESC P), SOS (ESC X), PM (ESC ^),
//        APC (ESC _), terminated by BEL or ST (ESC \); unterminated → runs to the end
//   ESC  intermediates(0x20–0x2F)* final(0x30–0x7E), e.g. ESC 7, ESC =, ESC ( B
// A lone or malformed ESC is dropped on its own. Only ASCII code units take part, and
// UTF-8 never uses ASCII bytes inside a multi-byte sequence, so bytes and strings agree.

const ESC = 0x1b;
const BEL = 0x07;

/** A sequence of code units (a string's char codes or a byte array). */
type CodeAt = (i: number) => number;

/** Index just past the escape sequence starting at `i` (where code(i) is ESC). */
function sequenceEnd(code: CodeAt, i: number, end: number): number {
  let j = i + 1;
  if (j >= end) return end;
  const c = code(j);
  if (c === 0x5b) {
    // CSI: parameters, intermediates, one final byte.
    j++;
    while (j < end && code(j) >= 0x30 && code(j) <= 0x3f) j++;
    while (j < end && code(j) >= 0x20 && code(j) <= 0x2f) j++;
    if (j < end && code(j) >= 0x40 && code(j) <= 0x7e) return j + 1;
    return j; // malformed: drop what was consumed, keep the offending unit as text
  }
  if (c === 0x5d || c === 0x50 || c === 0x58 || c === 0x5e || c === 0x5f) {
    // String control: runs to BEL or ST.
    j++;
    while (j < end) {
      const d = code(j);
      if (d === BEL) return j + 1;
      if (d === ESC && j + 1 < end && code(j + 1) === 0x5c) return j + 2;
      j++;
    }
    return end;
  }
  while (j < end && code(j) >= 0x20 && code(j) <= 0x2f) j++;
  if (j < end && code(j) >= 0x30 && code(j) <= 0x7e) return j + 1;
  return j;
}

/** Removes every ANSI/VT escape sequence from `text`. Cheap when there is no ESC. */
export function stripAnsi(text: string): string {
  let esc = text.indexOf('\x1b');
  if (esc < 0) return text;
  const code: CodeAt = (i) => text.charCodeAt(i);
  let out = '';
  let from = 0;
  while (esc >= 0) {
    out += text.slice(from, esc);
    from = sequenceEnd(code, esc, text.length);
    esc = text.indexOf('\x1b', from);
  }
  return out + text.slice(from);
}

/** Index just past the escape sequence that starts at `bytes[i]` (an ESC), bounded by `end`. */
export function skipAnsiBytes(bytes: Uint8Array, i: number, end: number): number {
  return sequenceEnd((k) => bytes[k]!, i, end);
}
