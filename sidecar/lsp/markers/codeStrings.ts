// String literals of the script languages codeLexer.ts reads: for each language's quoting
// rules (JS template literals, Python prefixes and triple quotes, PowerShell here-strings,
// Ruby/Perl interpolation), the text the program would print, with the source offset of
// every character and the interpolated parts marked dynamic. Separate from the lexer's
// token loop because these rules differ per language and are the bulk of the lexing.
import type { CodeLanguage } from './codeLexer';
import { PartsBuilder } from './parts';
import type { Part } from './types';

/** Runs of string characters that need no attention, per quote. */
const PLAIN_IN: Record<string, RegExp> = {
  '"': /[^"\\\n$`{}#@]+/y,
  "'": /[^'\\\n$`{}#@]+/y,
  '`': /[^`\\$\n{}]+/y,
};

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', f: '\f', v: '\v', a: '\x07', e: '\x1b' };

/** Backslash escapes shared by JS, Python, Ruby and Perl strings; returns the index after it. */
function backslashEscape(text: string, i: number, b: PartsBuilder): number {
  const next = text[i + 1];
  if (next === undefined) return i + 1;
  if (next === '\n') return i + 2; // line continuation
  if (next === '\r' && text[i + 2] === '\n') return i + 3;
  if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
    b.char(String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16)), i, i + 4);
    return i + 4;
  }
  if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
    b.char(String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16)), i, i + 6);
    return i + 6;
  }
  if (next === 'u' && text[i + 2] === '{') {
    const close = text.indexOf('}', i + 3);
    const code = close > 0 ? parseInt(text.slice(i + 3, close), 16) : NaN;
    if (Number.isFinite(code) && code <= 0x10ffff) {
      b.char(String.fromCodePoint(code), i, close + 1);
      return close + 1;
    }
  }
  b.char(SIMPLE_ESCAPES[next] ?? next, i, i + 2);
  return i + 2;
}

/** Skips a balanced `{…}` / `(…)` starting at `i` (the opener), stepping over quoted text. */
function skipBalanced(text: string, i: number, open: string, close: string): number {
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const ch = text[j]!;
    if (ch === open) depth++;
    else if (ch === close) {
      depth--;
      if (depth === 0) return j + 1;
    } else if (ch === '"' || ch === "'" || ch === '`') {
      const end = text.indexOf(ch, j + 1);
      if (end < 0) return text.length;
      j = end;
    } else if (ch === '\n' && depth > 8) return j;
  }
  return text.length;
}

export interface LexedString {
  parts: Part[];
  contentStart: number;
  contentEnd: number;
  end: number;
  quote: string;
}

/** The string literal starting at `i`, or null when none starts there. */
export function lexString(text: string, i: number, language: CodeLanguage): LexedString | null {
  switch (language) {
    case 'javascript':
      return lexJsString(text, i);
    case 'python':
      return lexPythonString(text, i);
    case 'powershell':
      return lexPowerShellString(text, i);
    case 'ruby':
    case 'perl':
      return lexInterpolatingString(text, i, language);
  }
}

function lexJsString(text: string, i: number): LexedString | null {
  const quote = text[i]!;
  if (quote !== '"' && quote !== "'" && quote !== '`') return null;
  const b = new PartsBuilder(text);
  const plain = PLAIN_IN[quote]!;
  let j = i + 1;
  while (j < text.length) {
    const afterPlain = b.plainRun(plain, j);
    if (afterPlain > j) {
      j = afterPlain;
      continue;
    }
    const ch = text[j]!;
    if (ch === quote) return { parts: b.flush(), contentStart: i + 1, contentEnd: j, end: j + 1, quote };
    if (ch === '\n' && quote !== '`') break; // unterminated: stop at the line end
    if (ch === '\\') {
      j = backslashEscape(text, j, b);
      continue;
    }
    if (quote === '`' && ch === '$' && text[j + 1] === '{') {
      const end = skipBalanced(text, j + 1, '{', '}');
      b.dynamic(j, end);
      j = end;
      continue;
    }
    b.char(ch, j);
    j++;
  }
  return { parts: b.flush(), contentStart: i + 1, contentEnd: j, end: j, quote };
}

function lexPythonString(text: string, i: number): LexedString | null {
  let j = i;
  while (j < i + 2 && 'rRbBuUfF'.includes(text[j] || '#')) j++;
  const quoteChar = text[j];
  if (quoteChar !== '"' && quoteChar !== "'") return null;
  // A prefix must start the token: `xr"…"` is not a string prefix.
  if (j > i && /[\w]/.test(text[i - 1] ?? '')) return null;
  const prefix = text.slice(i, j).toLowerCase();
  const raw = prefix.includes('r');
  const fstring = prefix.includes('f');
  const triple = text[j + 1] === quoteChar && text[j + 2] === quoteChar;
  const quote = triple ? quoteChar.repeat(3) : quoteChar;
  const contentStart = j + quote.length;
  const b = new PartsBuilder(text);
  const plain = PLAIN_IN[quoteChar]!;
  let k = contentStart;
  while (k < text.length) {
    const afterPlain = b.plainRun(plain, k);
    if (afterPlain > k) {
      k = afterPlain;
      continue;
    }
    const ch = text[k]!;
    if (ch === quoteChar && text.startsWith(quote, k)) return { parts: b.flush(), contentStart, contentEnd: k, end: k + quote.length, quote: prefix + quote };
    if (ch === '\n' && !triple) break;
    if (ch === '\\') {
      if (raw) {
        b.char(ch, k);
        if (text[k + 1] !== undefined) b.char(text[k + 1]!, k + 1);
        k += 2;
      } else k = backslashEscape(text, k, b);
      continue;
    }
    if (fstring && ch === '{') {
      if (text[k + 1] === '{') {
        b.char('{', k, k + 2);
        k += 2;
        continue;
      }
      const end = skipBalanced(text, k, '{', '}');
      b.dynamic(k, end);
      k = end;
      continue;
    }
    if (fstring && ch === '}' && text[k + 1] === '}') {
      b.char('}', k, k + 2);
      k += 2;
      continue;
    }
    b.char(ch, k);
    k++;
  }
  return { parts: b.flush(), contentStart, contentEnd: k, end: k, quote: prefix + quote };
}

function lexPowerShellString(text: string, i: number): LexedString | null {
  const here = text[i] === '@' && (text[i + 1] === '"' || text[i + 1] === "'") && /^\r?\n/.test(text.slice(i + 2, i + 4));
  const quoteChar = here ? text[i + 1]! : text[i]!;
  if (quoteChar !== '"' && quoteChar !== "'") return null;
  const expandable = quoteChar === '"';
  const contentStart = here ? i + 2 : i + 1;
  const close = here ? `\n${quoteChar}@` : quoteChar;
  const b = new PartsBuilder(text);
  let j = contentStart;
  while (j < text.length) {
    const ch = text[j]!;
    if (text.startsWith(close, j)) {
      if (!here && text[j + 1] === quoteChar) {
        b.char(quoteChar, j, j + 2); // '' or "" inside the string
        j += 2;
        continue;
      }
      return { parts: b.flush(), contentStart, contentEnd: j, end: j + close.length, quote: here ? `@${quoteChar}` : quoteChar };
    }
    if (expandable && ch === '`' && j + 1 < text.length) {
      const next = text[j + 1]!;
      b.char(SIMPLE_ESCAPES[next] ?? next, j, j + 2);
      j += 2;
      continue;
    }
    if (expandable && ch === '$' && /[\w{(:?]/.test(text[j + 1] ?? '')) {
      let end: number;
      if (text[j + 1] === '(') end = skipBalanced(text, j + 1, '(', ')');
      else if (text[j + 1] === '{') end = skipBalanced(text, j + 1, '{', '}');
      else {
        end = j + 1;
        while (end < text.length && /[\w:]/.test(text[end]!)) end++;
      }
      b.dynamic(j, end);
      j = end;
      continue;
    }
    b.char(ch, j);
    j++;
  }
  return { parts: b.flush(), contentStart, contentEnd: j, end: j, quote: quoteChar };
}

function lexInterpolatingString(text: string, i: number, language: 'ruby' | 'perl'): LexedString | null {
  const quote = text[i]!;
  if (quote !== '"' && quote !== "'") return null;
  // Perl's `$'` / Ruby's `?'` are not strings; a quote right after a word char rarely is.
  if (/[\w$?]/.test(text[i - 1] ?? '') && language === 'perl') return null;
  const b = new PartsBuilder(text);
  let j = i + 1;
  while (j < text.length) {
    const ch = text[j]!;
    if (ch === quote) return { parts: b.flush(), contentStart: i + 1, contentEnd: j, end: j + 1, quote };
    if (ch === '\\') {
      if (quote === "'") {
        const next = text[j + 1];
        if (next === "'" || next === '\\') {
          b.char(next, j, j + 2);
          j += 2;
        } else {
          b.char(ch, j);
          j++;
        }
      } else j = backslashEscape(text, j, b);
      continue;
    }
    if (quote === '"' && language === 'ruby' && ch === '#' && text[j + 1] === '{') {
      const end = skipBalanced(text, j + 1, '{', '}');
      b.dynamic(j, end);
      j = end;
      continue;
    }
    if (quote === '"' && language === 'perl' && (ch === '$' || ch === '@') && /[\w{:]/.test(text[j + 1] ?? '')) {
      let end = j + 1;
      if (text[end] === '{') end = skipBalanced(text, end, '{', '}');
      else while (end < text.length && /[\w:]/.test(text[end]!)) end++;
      // $h{key} / $a[1] subscripts belong to the variable.
      while (text[end] === '{' || text[end] === '[') end = skipBalanced(text, end, text[end]!, text[end] === '{' ? '}' : ']');
      b.dynamic(j, end);
      j = end;
      continue;
    }
    b.char(ch, j);
    j++;
  }
  return { parts: b.flush(), contentStart: i + 1, contentEnd: j, end: j, quote };
}
