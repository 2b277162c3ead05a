// Reading the inside of string literals the way the program prints it, with the source
// offset of every printed character: the escape rules of each quoting style. The syntax
// tree says where a literal and its interpolations are; the characters between those are
// decoded here.
import type { Node } from '@vscode/tree-sitter-wasm';
import { PartsBuilder } from '../parts';

export type Escapes =
  | 'none' // shell '…', Python r"…", PowerShell '…' (with '' handled by the caller's style)
  | 'shell-double' // shell "…": \ before $ ` " \ newline
  | 'shell-word' // unquoted shell: \x is x
  | 'c' // shell $'…', JS, Python, Ruby: \n \t \xHH \uHHHH …
  | 'powershell' // PowerShell "…": `n `t `x
  | 'powershell-verbatim'; // PowerShell '…': '' is '

/** Backslash escapes of `$'…'` strings and printf formats. */
export const C_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', v: '\v', '0': '\0', '\\': '\\', "'": "'", '"': '"' };
/** The characters that may start an escape in some style: \ ` ' */
const isSpecial = (code: number) => code === 92 || code === 96 || code === 39;
const BACKTICK_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', a: '\x07', b: '\b', e: '\x1b', f: '\f', v: '\v' };

/** Decodes source [start, end) into `b`. */
export function decode(b: PartsBuilder, text: string, start: number, end: number, escapes: Escapes): void {
  if (escapes === 'none') {
    b.span(start, end);
    return;
  }
  let i = start;
  while (i < end) {
    // Runs without an escape character print as they are: one span, not a char() each.
    let plainEnd = i;
    while (plainEnd < end && !isSpecial(text.charCodeAt(plainEnd))) plainEnd++;
    if (plainEnd > i) {
      b.span(i, plainEnd);
      i = plainEnd;
      continue;
    }
    const ch = text[i]!;
    const next = text[i + 1];
    if (escapes === 'powershell-verbatim') {
      if (ch === "'" && next === "'") {
        b.char("'", i, i + 2);
        i += 2;
      } else {
        b.char(ch, i);
        i++;
      }
      continue;
    }
    if (escapes === 'powershell') {
      if (ch === '`' && next !== undefined && i + 1 < end) {
        b.char(BACKTICK_ESCAPES[next] ?? next, i, i + 2);
        i += 2;
      } else {
        b.char(ch, i);
        i++;
      }
      continue;
    }
    if (ch !== '\\' || next === undefined || i + 1 >= end) {
      b.char(ch, i);
      i++;
      continue;
    }
    if (next === '\n') {
      i += 2; // line continuation
      continue;
    }
    if (escapes === 'shell-double' && !'$`"\\'.includes(next)) {
      b.char(ch, i);
      i++;
      continue;
    }
    if (escapes === 'c') {
      i = cEscape(b, text, i, end);
      continue;
    }
    b.char(next, i, i + 2);
    i += 2;
  }
}

function cEscape(b: PartsBuilder, text: string, i: number, end: number): number {
  const next = text[i + 1]!;
  const hex = (from: number, length: number) => (from + length <= end && /^[0-9a-fA-F]+$/.test(text.slice(from, from + length)) ? parseInt(text.slice(from, from + length), 16) : NaN);
  if (next === 'x' && !Number.isNaN(hex(i + 2, 2))) {
    b.char(String.fromCharCode(hex(i + 2, 2)), i, i + 4);
    return i + 4;
  }
  if (next === 'u' && !Number.isNaN(hex(i + 2, 4))) {
    b.char(String.fromCharCode(hex(i + 2, 4)), i, i + 6);
    return i + 6;
  }
  if (next === 'u' && text[i + 2] === '{') {
    const close = text.indexOf('}', i + 3);
    const code = close > 0 && close < end ? parseInt(text.slice(i + 3, close), 16) : NaN;
    if (Number.isFinite(code) && code <= 0x10ffff) {
      b.char(String.fromCodePoint(code), i, close + 1);
      return close + 1;
    }
  }
  b.char(C_ESCAPES[next] ?? next, i, i + 2);
  return i + 2;
}

/**
 * Reads content [start, end) of a literal whose interpolations are the children of `node`
 * with a type in `dynamic`: those become dynamic parts, the rest is decoded.
 */
export function readContent(b: PartsBuilder, node: Node, text: string, start: number, end: number, escapes: Escapes, dynamic: ReadonlySet<string>): void {
  let at = start;
  for (const child of node.namedChildren) {
    if (!child || !dynamic.has(child.type) || child.startIndex < start || child.endIndex > end) continue;
    decode(b, text, at, child.startIndex, escapes);
    b.dynamic(child.startIndex, child.endIndex);
    at = child.endIndex;
  }
  decode(b, text, at, end, escapes);
}
