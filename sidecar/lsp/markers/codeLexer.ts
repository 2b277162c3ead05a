// A small lexer for the C-like and Python-like script languages (JavaScript/TypeScript,
// Python, PowerShell, Ruby, Perl). It is not a parser: it only needs words, brackets,
// statement ends and string literals — with their text as the program would print it and
// the source offset of every character — to find printed markers and the blocks around them.
// The per-language string literal rules live in codeStrings.ts.
import { lexString } from './codeStrings';
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
