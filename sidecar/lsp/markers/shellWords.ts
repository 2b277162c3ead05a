// Shell words: reads one word of a POSIX shell / bash / zsh command the way the shell
// would — quoting ('…', "…", $'…'), backslash escapes, `$…`/`${…}`/`$(…)`/backquote
// expansions, globs — into the text it stands for plus the source offset of every
// character. Kept apart from shellScanner.ts, which walks commands and blocks, because the
// character-level rules here are self-contained and have nothing to do with statements.
import { PartsBuilder, contiguousText } from './parts';
import type { Part } from './types';

export interface Word {
  start: number;
  end: number;
  parts: Part[];
  /** The quote the word starts with: '"', "'", "$'" or '' (unquoted). */
  quote: string;
  /** Static text of the word, or null when it has dynamic parts. */
  static: string | null;
}

/** Runs of characters that stand for themselves, outside quotes and inside double quotes. */
const PLAIN = /[^\s;&|<>()\\'"$`*?[~{]+/y;
const PLAIN_DQ = /[^"\\$`]+/y;
export const WORD_BREAK = new Set([' ', '\t', '\n', '\r', ';', '&', '|', '<', '>', '(', ')']);

/** The index after a `$(…)`, `${…}` or `((…))` starting with the opener at `i`, stepping over quotes. */
export function skipNested(text: string, i: number, open: string, close: string): number {
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const ch = text[j]!;
    if (ch === '\\') {
      j++;
    } else if (ch === "'") {
      const end = text.indexOf("'", j + 1);
      if (end < 0) return text.length;
      j = end;
    } else if (ch === '"') {
      for (j++; j < text.length && text[j] !== '"'; j++) if (text[j] === '\\') j++;
    } else if (ch === open) depth++;
    else if (ch === close && --depth === 0) return j + 1;
  }
  return text.length;
}

/** `$…` expansion at i: returns its end, or i when the '$' is literal. */
function expansionEnd(text: string, i: number): number {
  const next = text[i + 1] ?? '';
  if (next === '{') return skipNested(text, i + 1, '{', '}');
  if (next === '(') return skipNested(text, i + 1, '(', ')');
  if (/[A-Za-z_]/.test(next)) {
    let j = i + 2;
    while (j < text.length && /\w/.test(text[j]!)) j++;
    return j;
  }
  if (/[0-9@*#?$!-]/.test(next)) return i + 2;
  return i;
}

/** Backslash escapes of `$'…'` strings, shared with printf formats. */
export const C_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"' };

/** Reads the word starting at `i` (a character that is not a word break). */
export function readWord(text: string, i: number): Word {
  // Fast path: a plain word (`gcc`, `-c`, `src/a.c`) is its own source text.
  PLAIN.lastIndex = i;
  if (PLAIN.test(text) && (PLAIN.lastIndex >= text.length || WORD_BREAK.has(text[PLAIN.lastIndex]!))) {
    const end = PLAIN.lastIndex;
    const word = text.slice(i, end);
    return { start: i, end, parts: [contiguousText(word, i)], quote: '', static: word };
  }
  const b = new PartsBuilder(text);
  const start = i;
  let quote: string | null = null;
  let j = i;
  while (j < text.length) {
    const afterPlain = b.plainRun(PLAIN, j);
    if (afterPlain > j) {
      quote ??= '';
      j = afterPlain;
      continue;
    }
    const ch = text[j]!;
    if (WORD_BREAK.has(ch)) break;
    if (ch === '\\') {
      if (text[j + 1] === '\n') {
        j += 2;
        continue;
      }
      if (j + 1 < text.length) b.char(text[j + 1]!, j, j + 2);
      quote ??= '';
      j += 2;
      continue;
    }
    if (ch === "'") {
      quote ??= "'";
      const end = text.indexOf("'", j + 1);
      const stop = end < 0 ? text.length : end;
      b.span(j + 1, stop);
      j = stop + 1;
      continue;
    }
    if (ch === '$' && text[j + 1] === "'") {
      quote ??= "$'";
      let k = j + 2;
      while (k < text.length && text[k] !== "'") {
        if (text[k] === '\\' && k + 1 < text.length) {
          b.char(C_ESCAPES[text[k + 1]!] ?? text[k + 1]!, k, k + 2);
          k += 2;
        } else {
          b.char(text[k]!, k);
          k++;
        }
      }
      j = k + 1;
      continue;
    }
    if (ch === '"' || (ch === '$' && text[j + 1] === '"')) {
      quote ??= '"';
      let k = ch === '$' ? j + 2 : j + 1;
      while (k < text.length && text[k] !== '"') {
        const afterPlain = b.plainRun(PLAIN_DQ, k);
        if (afterPlain > k) {
          k = afterPlain;
          continue;
        }
        const c = text[k]!;
        if (c === '\\' && k + 1 < text.length) {
          const next = text[k + 1]!;
          if (next === '\n') k += 2;
          else if ('$`"\\'.includes(next)) {
            b.char(next, k, k + 2);
            k += 2;
          } else {
            b.char(c, k);
            k++;
          }
        } else if (c === '$') {
          const end = expansionEnd(text, k);
          if (end > k) {
            b.dynamic(k, end);
            k = end;
          } else {
            b.char(c, k);
            k++;
          }
        } else if (c === '`') {
          const end = text.indexOf('`', k + 1);
          const stop = end < 0 ? text.length : end + 1;
          b.dynamic(k, stop);
          k = stop;
        } else {
          b.char(c, k);
          k++;
        }
      }
      j = k + 1;
      continue;
    }
    quote ??= '';
    if (ch === '$') {
      const end = expansionEnd(text, j);
      if (end > j) {
        b.dynamic(j, end);
        j = end;
        continue;
      }
    }
    if (ch === '`') {
      const end = text.indexOf('`', j + 1);
      const stop = end < 0 ? text.length : end + 1;
      b.dynamic(j, stop);
      j = stop;
      continue;
    }
    // Pathname and brace expansion, tilde: what gets printed depends on the file system.
    if (ch === '*' || ch === '?' || ch === '[' || (ch === '~' && j === start) || (ch === '{' && /^\{[^}\s]*(,|\.\.)[^}\s]*\}/.test(text.slice(j, j + 80)))) {
      const end = ch === '{' ? text.indexOf('}', j) + 1 : j + 1;
      b.dynamic(j, end);
      j = end;
      continue;
    }
    b.char(ch, j);
    j++;
  }
  const parts = b.flush();
  const stat = b.hasDynamic ? null : parts.length === 1 && parts[0]!.kind === 'text' ? parts[0]!.text : parts.map((p) => (p.kind === 'text' ? p.text : '')).join('');
  return { start, end: Math.max(j, start + 1), parts, quote: quote ?? '', static: stat };
}

const ASSIGNMENT = /[A-Za-z_]\w*(\[[^\]]*\])?\+?=/y;

/** A word (source [start, end)) that assigns a variable: `X=1`, `A[i]+=2`. */
export function isAssignment(text: string, start: number, end: number): boolean {
  ASSIGNMENT.lastIndex = start;
  return ASSIGNMENT.test(text) && ASSIGNMENT.lastIndex <= end;
}

/**
 * The here-document body starting at `bodyStart` (the line after its `<<`): `end` is where
 * the delimiter line starts, `next` the index after it (both the text's end when unterminated).
 */
export function heredocBody(text: string, bodyStart: number, delimiter: string, stripTabs: boolean): { end: number; next: number } {
  const n = text.length;
  let end = n;
  let next = n;
  let lineStart = bodyStart;
  while (lineStart < n) {
    const nl = text.indexOf('\n', lineStart);
    const lineEnd = nl < 0 ? n : nl;
    let line = text.slice(lineStart, lineEnd).replace(/\r$/, '');
    if (stripTabs) line = line.replace(/^\t+/, '');
    if (line === delimiter) {
      end = lineStart;
      next = nl < 0 ? n : nl + 1;
      break;
    }
    lineStart = lineEnd + 1;
  }
  return { end, next };
}
