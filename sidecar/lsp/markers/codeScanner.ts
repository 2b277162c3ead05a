// Finds printed strings and blocks in JavaScript/TypeScript, Python, PowerShell, Ruby and Perl
// from the tokens of codeLexer. Blocks come from braces (indentation in Python, keywords in
// Ruby); a print is "printed" only when it is a whole statement at statement level.
import { lexCode, type CodeLanguage, type Token } from './codeLexer';
import type { PrintedString, Region, ScanResult } from './types';

/** Calls of marker helper functions (`step_start "x"`, `with step("x")`): steps we cannot read. */
export const HELPER_CALL = /^(step|steps?_?(start|begin|open|complete|end|finish|close|error|fail)|(start|begin|end|complete|finish|close)_?step)$/i;

const PY_COMPOUND = new Set(['if', 'elif', 'else', 'for', 'while', 'try', 'except', 'finally', 'with', 'def', 'class', 'async', 'match', 'case']);
const JS_CONTROL = new Set(['if', 'for', 'while', 'switch', 'catch', 'with']);
const RUBY_OPEN = new Set(['def', 'class', 'module', 'if', 'unless', 'while', 'until', 'case', 'begin', 'for']);
const RUBY_SPLIT = new Set(['else', 'elsif', 'when', 'rescue', 'ensure', 'in']);
const PS_PRINT = new Set(['write-host', 'write-output', 'write-information', 'echo', 'write']);
const JS_CONSOLE = new Set(['log', 'info', 'warn', 'error', 'debug', 'trace']);
const INCLUDE_NAME = /step|flow|marker/i;

interface Cursor {
  tokens: Token[];
  text: string;
}

const isEnd = (t: Token | undefined) => !t || t.type === 'nl' || (t.type === 'punct' && (t.text === ';' || t.text === '}'));

/** Index of the bracket closing the one at `i`, or -1. */
function matching(tokens: Token[], i: number): number {
  const open = tokens[i]!.text;
  const close = open === '(' ? ')' : open === '[' ? ']' : '}';
  let depth = 0;
  for (let j = i; j < tokens.length; j++) {
    const t = tokens[j]!;
    if (t.type !== 'punct') continue;
    if (t.text === open) depth++;
    else if (t.text === close && --depth === 0) return j;
  }
  return -1;
}

/**
 * The printed string of a print statement starting at token `i`, or null when the
 * statement is no print. `printed` is false when the call is more than one whole string.
 */
function printAt(c: Cursor, i: number, language: CodeLanguage): { str: Token; last: number; printed: boolean } | null {
  const t = c.tokens;
  const w = (k: number) => (t[k]?.type === 'word' ? t[k]!.text : undefined);
  const p = (k: number, s: string) => t[k]?.type === 'punct' && t[k]!.text === s;
  /** `( str [, kwargs] )` at k: the string and whether it is the sole positional argument. */
  const call = (k: number, kwargsOk: boolean): { str: Token; last: number; printed: boolean } | null => {
    if (!p(k, '(') || t[k + 1]?.type !== 'str') return null;
    const close = matching(t, k);
    if (close < 0) return null;
    const sole = p(k + 2, ')') || (kwargsOk && p(k + 2, ',') && t[k + 3]?.type === 'word' && p(k + 4, '='));
    return { str: t[k + 1]!, last: close, printed: sole && isEnd(t[close + 1]) };
  };
  switch (language) {
    case 'javascript': {
      if (w(i) === 'console' && p(i + 1, '.') && JS_CONSOLE.has(w(i + 2) ?? '')) return call(i + 3, false);
      if (w(i) === 'process' && p(i + 1, '.') && /^std(out|err)$/.test(w(i + 2) ?? '') && p(i + 3, '.') && w(i + 4) === 'write') return call(i + 5, false);
      return null;
    }
    case 'python': {
      if (w(i) === 'print') return call(i + 1, true);
      if (w(i) === 'sys' && p(i + 1, '.') && /^std(out|err)$/.test(w(i + 2) ?? '') && p(i + 3, '.') && w(i + 4) === 'write') return call(i + 5, false);
      return null;
    }
    case 'powershell': {
      const word = w(i)?.toLowerCase();
      if (word && PS_PRINT.has(word)) {
        let k = i + 1;
        if (/^-(object|inputobject|messagedata)$/i.test(w(k) ?? '')) k++;
        if (t[k]?.type !== 'str') return null;
        return { str: t[k]!, last: k, printed: isEnd(t[k + 1]) };
      }
      if (t[i]?.type === 'str') return { str: t[i]!, last: i, printed: isEnd(t[i + 1]) };
      if (p(i, '[') && /^(system\.)?console$/i.test(w(i + 1) ?? '') && p(i + 2, ']') && p(i + 3, '::') && /^writeline$/i.test(w(i + 4) ?? ''))
        return call(i + 5, false);
      return null;
    }
    case 'ruby': {
      let k = i;
      if (/^(\$stdout|\$stderr|STDOUT|STDERR)$/.test(w(k) ?? '') && p(k + 1, '.')) k += 2;
      if (!/^(puts|print|warn)$/.test(w(k) ?? '')) return null;
      if (p(k + 1, '(')) return call(k + 1, false);
      if (t[k + 1]?.type !== 'str') return null;
      return { str: t[k + 1]!, last: k + 1, printed: isEnd(t[k + 2]) || /^(if|unless)$/.test(w(k + 2) ?? '') };
    }
    case 'perl': {
      if (!/^(print|say)$/.test(w(i) ?? '')) return null;
      let k = i + 1;
      if (/^(STDOUT|STDERR)$/.test(w(k) ?? '')) k++;
      if (p(k, '(')) return call(k, false);
      if (t[k]?.type !== 'str') return null;
      return { str: t[k]!, last: k, printed: isEnd(t[k + 1]) || /^(if|unless)$/.test(w(k + 1) ?? '') };
    }
  }
}

/** `process.exit(…)`, `sys.exit(…)`, `exit`, `quit()` at statement start. */
function isExit(c: Cursor, i: number, language: CodeLanguage): boolean {
  const t = c.tokens;
  const w = (k: number) => (t[k]?.type === 'word' ? t[k]!.text : undefined);
  if (language === 'javascript') return w(i) === 'process' && t[i + 1]?.text === '.' && w(i + 2) === 'exit';
  if (language === 'python') return (w(i) === 'sys' && t[i + 1]?.text === '.' && w(i + 2) === 'exit') || w(i) === 'exit' || w(i) === 'quit';
  return /^exit$/i.test(w(i) ?? '');
}

export function scanCode(text: string, language: CodeLanguage): ScanResult {
  const { tokens, nonCode } = lexCode(text, language);
  const c: Cursor = { tokens, text };
  const regions: Region[] = [{ parent: -1, span: { start: 0, end: text.length }, lastStatementEnd: 0, indent: '' }];
  const strings: PrintedString[] = [];
  const opaque: ScanResult['opaque'] = [];
  const exits: ScanResult['exits'] = [];
  let includesOthers = false;

  // Open regions, innermost last; for Python also the indentation of their header line.
  const stack: Array<{ region: number; headerIndent: number; closer?: string; savedDepth?: number }> = [{ region: 0, headerIndent: -1 }];
  const open = (start: number, headerIndent = -1): number => {
    const parent = stack[stack.length - 1]!.region;
    regions.push({ parent, span: { start, end: text.length }, lastStatementEnd: start, indent: '' });
    stack.push({ region: regions.length - 1, headerIndent });
    return regions.length - 1;
  };
  const close = (end: number) => {
    if (stack.length <= 1) return;
    regions[stack.pop()!.region]!.span.end = end;
  };
  const lineStartOf = (offset: number) => text.lastIndexOf('\n', offset - 1) + 1;
  const indentAt = (offset: number) => text.slice(lineStartOf(offset), offset);

  let depth = 0; // () and [] nesting: newlines inside them do not end statements
  let statementStart = true;
  // A statement that runs conditionally without a block of its own (`if (x) stmt`,
  // `if x: stmt`, `stmt if cond`): it gets a region of its own, closed at its end.
  let implicitUntilEnd = false;
  let implicitHasContent = false;
  let pythonHeader = false;
  const openImplicit = (start: number) => {
    open(start, -1);
    implicitUntilEnd = true;
    implicitHasContent = false;
  };

  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok.type === 'nl') {
      if (depth === 0) {
        if (implicitUntilEnd && implicitHasContent) {
          close(tok.start);
          implicitUntilEnd = false;
        }
        statementStart = true;
        pythonHeader = false;
      }
      continue;
    }

    // Python: a logical line's indentation closes the suites it leaves.
    if (language === 'python' && statementStart && depth === 0 && (i === 0 || tokens[i - 1]!.type === 'nl')) {
      const indent = tok.start - lineStartOf(tok.start);
      while (stack.length > 1 && stack[stack.length - 1]!.headerIndent >= indent) close(lineStartOf(tok.start));
      const top = regions[stack[stack.length - 1]!.region]!;
      if (top.indent === '' && stack.length > 1) top.indent = indentAt(tok.start);
      if (tok.type === 'word' && PY_COMPOUND.has(tok.text)) pythonHeader = true;
    } else if (statementStart && language !== 'python') {
      const top = regions[stack[stack.length - 1]!.region]!;
      if (top.indent === '' && stack.length > 1 && lineStartOf(tok.start) > top.span.start) top.indent = indentAt(tok.start);
    }

    if (implicitUntilEnd) implicitHasContent = true;

    if (statementStart && depth === 0) {
      const print = printAt(c, i, language);
      if (print) {
        const str = print.str.str!;
        const region = stack[stack.length - 1]!.region;
        strings.push({
          parts: str.parts,
          content: str.content,
          printed: print.printed && !str.multiline,
          statement: { start: tok.start, end: tokens[print.last]!.end },
          region,
          quote: str.quote,
        });
        for (let si = 0; si < stack.length; si++) regions[stack[si]!.region]!.lastStatementEnd = tokens[print.last]!.end;
        // Ruby/Perl `print "…" if cond`: the print is conditional.
        const after = tokens[print.last + 1];
        if (after?.type === 'word' && /^(if|unless)$/.test(after.text) && (language === 'ruby' || language === 'perl')) {
          const last = strings[strings.length - 1]!;
          regions.push({ parent: region, span: { ...last.statement }, lastStatementEnd: last.statement.end, indent: '' });
          last.region = regions.length - 1;
        }
        i = print.last;
        statementStart = false;
        continue;
      }
      if (isExit(c, i, language)) {
        let k = i;
        while (k + 1 < tokens.length && !isEnd(tokens[k + 1])) k++;
        exits.push({ start: tok.start, end: tokens[k]!.end, region: stack[stack.length - 1]!.region });
      }
      if (tok.type === 'word') {
        const next = tokens[i + 1];
        if (maybeHelper(tok.text) && next && (next.type === 'str' || next.text === '(')) {
          opaque.push({ span: { start: tok.start, end: tok.end }, region: stack[stack.length - 1]!.region });
        }
        if ((tok.text === 'import' || tok.text === 'from' || tok.text === 'require' || tok.text === 'use' || tok.text === 'require_relative') && next) {
          const line = text.slice(tok.start, text.indexOf('\n', tok.start) < 0 ? text.length : text.indexOf('\n', tok.start));
          if (INCLUDE_NAME.test(line.replace(/^\S+/, ''))) includesOthers = true;
        }
      }
      if (language === 'powershell' && /^(\.\s+\S|import-module\b)/i.test(text.slice(tok.start, tok.start + 16))) includesOthers = true;
    }

    if (tok.type === 'punct') {
      const opens = tok.text === '(' || tok.text === '[' || (language === 'python' && tok.text === '{');
      const closes = tok.text === ')' || tok.text === ']' || (language === 'python' && tok.text === '}');
      if (opens) depth++;
      else if (closes && depth > 0) depth--;
      if (language === 'python' && (opens || closes)) {
        for (let si = 0; si < stack.length; si++) regions[stack[si]!.region]!.lastStatementEnd = tok.end;
        statementStart = false;
        continue;
      }
    }

    // Helper calls anywhere (`with step("x"):`, `const s = startStep("x")`).
    if (!statementStart && tok.type === 'word' && tokens[i + 1]?.text === '(' && maybeHelper(tok.text)) {
      opaque.push({ span: { start: tok.start, end: tok.end }, region: stack[stack.length - 1]!.region });
    }
    if (tok.type === 'word' && language === 'javascript' && tok.text === 'require' && tokens[i + 1]?.text === '(') {
      const arg = tokens[i + 2]?.str;
      if (arg && INCLUDE_NAME.test(text.slice(arg.content.start, arg.content.end))) includesOthers = true;
    }

    // Strings that are not whole printed statements still count when they hold marker text.
    if (tok.type === 'str' && hasColon(text, tok.str!.content.start, tok.str!.content.end)) {
      strings.push({
        parts: tok.str!.parts,
        content: tok.str!.content,
        printed: false,
        statement: { start: tok.start, end: tok.end },
        region: stack[stack.length - 1]!.region,
        quote: tok.str!.quote,
      });
    }

    // Block structure.
    if (language === 'ruby' && tok.type === 'word') {
      if (statementStart && RUBY_OPEN.has(tok.text)) {
        for (let si = 0; si < stack.length; si++) regions[stack[si]!.region]!.lastStatementEnd = tok.end;
        open(tok.end, -1);
        stack[stack.length - 1]!.closer = 'end';
        statementStart = false;
        continue;
      }
      if (tok.text === 'do') {
        open(tok.end, -1);
        stack[stack.length - 1]!.closer = 'end';
        statementStart = true;
        continue;
      }
      if (statementStart && RUBY_SPLIT.has(tok.text) && stack[stack.length - 1]!.closer === 'end') {
        close(tok.start);
        open(tok.end, -1);
        stack[stack.length - 1]!.closer = 'end';
        statementStart = true;
        continue;
      }
      if (tok.text === 'end' && stack[stack.length - 1]!.closer === 'end') {
        close(tok.start);
        for (let si = 0; si < stack.length; si++) regions[stack[si]!.region]!.lastStatementEnd = tok.end;
        statementStart = false;
        continue;
      }
    }
    if (tok.type === 'punct' && tok.text === '{' && language !== 'python') {
      for (let si = 0; si < stack.length; si++) regions[stack[si]!.region]!.lastStatementEnd = tok.end;
      open(tok.end, -1);
      // A callback body inside call arguments starts statements of its own.
      stack[stack.length - 1]!.savedDepth = depth;
      depth = 0;
      statementStart = true;
      continue;
    }
    if (tok.type === 'punct' && tok.text === '}' && language !== 'python') {
      if (implicitUntilEnd) {
        close(tok.start);
        implicitUntilEnd = false;
      }
      const top = stack[stack.length - 1]!;
      if (stack.length > 1 && top.closer === undefined) {
        depth = top.savedDepth ?? depth;
        close(tok.start);
      }
      for (let si = 0; si < stack.length; si++) regions[stack[si]!.region]!.lastStatementEnd = tok.end;
      statementStart = true;
      continue;
    }

    for (let si = 0; si < stack.length; si++) regions[stack[si]!.region]!.lastStatementEnd = tok.end;

    // Where the next statement starts.
    if (tok.type === 'punct' && tok.text === ';' && depth === 0) {
      if (implicitUntilEnd) {
        close(tok.end);
        implicitUntilEnd = false;
      }
      statementStart = true;
      continue;
    }
    if (language === 'python' && pythonHeader && depth === 0 && tok.type === 'punct' && tok.text === ':') {
      const next = tokens[i + 1];
      if (next && next.type !== 'nl') {
        openImplicit(tok.end);
      } else {
        open(tok.end, lineIndent(text, tok.start));
      }
      pythonHeader = false;
      statementStart = true;
      continue;
    }
    if (language === 'javascript' && tok.type === 'word' && statementStart && depth === 0 && JS_CONTROL.has(tok.text) && tokens[i + 1]?.text === '(') {
      const closeParen = matching(tokens, i + 1);
      if (closeParen > 0 && !opensBlock(tokens, closeParen + 1)) {
        // `if (x) stmt;` — the statement is conditional.
        for (let si = 0; si < stack.length; si++) regions[stack[si]!.region]!.lastStatementEnd = tokens[closeParen]!.end;
        openImplicit(tokens[closeParen]!.end);
        i = closeParen;
        statementStart = true;
        continue;
      }
    }
    if (language === 'javascript' && tok.type === 'word' && tok.text === 'else' && !opensBlock(tokens, i + 1) && tokens[i + 1]?.text !== 'if') {
      openImplicit(tok.end);
      statementStart = true;
      continue;
    }
    statementStart = false;
  }
  while (stack.length > 1) close(text.length);
  return { strings, regions, opaque, includesOthers, exits, nonCode };
}

function hasColon(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (text.charCodeAt(i) === 58) return true;
  return false;
}

/** A marker helper's name (`step`, `step_start`, `@step`, `startStep`). */
function maybeHelper(word: string): boolean {
  if (word.length < 4 || !/tep/i.test(word)) return false;
  return HELPER_CALL.test(word.replace(/^[@$]/, ''));
}

/** The next non-newline token (from k) is `{`. */
function opensBlock(tokens: Token[], k: number): boolean {
  while (tokens[k]?.type === 'nl') k++;
  return tokens[k]?.type === 'punct' && tokens[k]!.text === '{';
}

function lineIndent(text: string, offset: number): number {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  let i = start;
  while (text[i] === ' ' || text[i] === '\t') i++;
  return i - start;
}
