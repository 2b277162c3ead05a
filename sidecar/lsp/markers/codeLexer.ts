// A small lexer for the C-like and Python-like script languages (JavaScript/TypeScript,
// Python, PowerShell, Ruby, Perl). It is not a parser: it only needs words, brackets,
// statement ends and string literals — with their text as the program would print it and
// the source offset of every character — to find printed markers and the blocks around them.
import { PartsBuilder } from './parts';
import type { Part, Span } from './types';

export type TokenType = 'word' | 'str' | 'punct' | 'nl';

export interface StringToken {
  parts: Part[];
  content: Span;
  quote: string;
  /** Spans more than one line (template literal, triple-quoted or here-string). */
  multiline: boolean;
}

export interface Token {
  type: TokenType;
  start: number;
  end: number;
  /** Words and punctuation: their text. */
  text: string;
  str?: StringToken;
}

export type CodeLanguage = 'javascript' | 'python' | 'powershell' | 'ruby' | 'perl';

export interface LexResult {
  tokens: Token[];
  nonCode: Span[];
}

const PUNCT2 = new Set(['&&', '||', '=>', '==', '!=', '::', '<=', '>=', '+=', '-=', '**', '//', '->']);
const PUNCT2_FIRST = new Set(['&', '|', '=', '!', ':', '<', '>', '+', '-', '*', '/']);
const WORD = { default: /[A-Za-z_$@][\w$]*/y, powershell: /[A-Za-z_$@-][\w$:-]*/y };
const NUMBER = /[0-9][\w.]*/y;
/** A one-line string without escapes, interpolation or ':' (no marker can be in it). */
const SIMPLE_STRING = /"[^"\\\n{}$#@`:]*"|'[^'\\\n{}$#@`:]*'/y;
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

export function lexCode(text: string, language: CodeLanguage): LexResult {
  const tokens: Token[] = [];
  const nonCode: Span[] = [];
  const n = text.length;
  let i = 0;
  let lineStart = true;

  const push = (type: TokenType, start: number, end: number, str?: StringToken) => {
    tokens.push({ type, start, end, text: type === 'str' ? '' : text.slice(start, end), str });
    lineStart = type === 'nl';
  };
  const string = (start: number, parts: Part[], contentStart: number, contentEnd: number, end: number, quote: string) => {
    push('str', start, end, {
      parts,
      content: { start: contentStart, end: contentEnd },
      quote,
      multiline: text.slice(contentStart, contentEnd).includes('\n'),
    });
    nonCode.push({ start, end });
  };

  const lineComment = (from: number) => {
    const end = text.indexOf('\n', from);
    const stop = end < 0 ? n : end;
    nonCode.push({ start: from, end: stop });
    return stop;
  };
  const blockComment = (from: number, close: string, openLength: number) => {
    const end = text.indexOf(close, from + openLength);
    const stop = end < 0 ? n : end + close.length;
    nonCode.push({ start: from, end: stop });
    return stop;
  };

  while (i < n) {
    const ch = text[i]!;
    if (ch === '\n') {
      push('nl', i, i + 1);
      i++;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\f') {
      i++;
      continue;
    }
    // Comments.
    const next = text[i + 1];
    if (language === 'javascript' && ch === '/') {
      if (next === '/') {
        i = lineComment(i);
        continue;
      }
      if (next === '*') {
        i = blockComment(i, '*/', 2);
        continue;
      }
    } else if (language === 'powershell' && ch === '<' && next === '#') {
      i = blockComment(i, '#>', 2);
      continue;
    } else if (language === 'ruby' && lineStart && text.startsWith('=begin', i)) {
      i = blockComment(i, '\n=end', 6);
      continue;
    } else if (language === 'perl' && lineStart && ch === '=' && /[a-z]/.test(next ?? '')) {
      i = blockComment(i, '\n=cut', 2);
      continue;
    }
    if (ch === '#' && language !== 'javascript') {
      // Perl/Ruby `$#array`, `#{` inside strings are handled elsewhere; here it is a comment.
      i = lineComment(i);
      continue;
    }

    // Strings. Most hold no ':' and so no marker: skip building their parts.
    if ((ch === '"' || ch === "'") && !(next === ch && text[i + 2] === ch)) {
      SIMPLE_STRING.lastIndex = i;
      if (SIMPLE_STRING.test(text) && text[SIMPLE_STRING.lastIndex - 1] === ch) {
        const end = SIMPLE_STRING.lastIndex;
        string(i, [], i + 1, end - 1, end, ch);
        i = end;
        continue;
      }
    }
    const lexed = lexString(text, i, language);
    if (lexed) {
      string(i, lexed.parts, lexed.contentStart, lexed.contentEnd, lexed.end, lexed.quote);
      i = lexed.end;
      continue;
    }

    // Words (PowerShell cmdlets have '-', variables '$'; JS identifiers '$').
    const wordRe = language === 'powershell' ? WORD.powershell : WORD.default;
    wordRe.lastIndex = i;
    if ((ch !== '-' || (language === 'powershell' && /[A-Za-z]/.test(next ?? ''))) && wordRe.test(text)) {
      let j = wordRe.lastIndex;
      // PowerShell `$env:X` is one word; a trailing ':' is not part of it.
      while (j > i + 1 && text[j - 1] === ':') j--;
      push('word', i, j);
      i = j;
      continue;
    }
    if (ch >= '0' && ch <= '9') {
      NUMBER.lastIndex = i;
      NUMBER.test(text);
      push('word', i, NUMBER.lastIndex);
      i = NUMBER.lastIndex;
      continue;
    }
    if (next !== undefined && PUNCT2_FIRST.has(ch) && PUNCT2.has(ch + next)) {
      push('punct', i, i + 2);
      i += 2;
      continue;
    }
    push('punct', i, i + 1);
    i++;
  }
  return { tokens, nonCode };
}

interface LexedString {
  parts: Part[];
  contentStart: number;
  contentEnd: number;
  end: number;
  quote: string;
}

function lexString(text: string, i: number, language: CodeLanguage): LexedString | null {
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
    plain.lastIndex = j;
    if (plain.test(text)) {
      b.span(j, plain.lastIndex);
      j = plain.lastIndex;
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
    plain.lastIndex = k;
    if (plain.test(text)) {
      b.span(k, plain.lastIndex);
      k = plain.lastIndex;
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
