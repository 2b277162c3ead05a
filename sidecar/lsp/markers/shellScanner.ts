// Finds printed strings and blocks in POSIX shell / bash / zsh scripts. Works on simple
// commands: words (with quoting, expansions, escapes), operators, reserved words
// (if/then/elif/else/fi, for/while/until/do/done, case/esac, { }, ( )), here-documents.
// An `echo`/`printf` is "printed" when it is a whole command on its own in a list, not
// piped, backgrounded or redirected to a file; `a && echo …` is conditional.
// This file is the statement walker: it splits the script into commands and blocks. Reading
// one word lives in shellWords.ts, and what echo/printf print lives in shellPrintCommands.ts.
import { HELPER_CALL } from './codeScanner';
import { dropAssignment, echoString, printfString } from './shellPrintCommands';
import { WORD_BREAK, heredocBody, isAssignment, readWord, skipNested, type Word } from './shellWords';
import type { PrintedString, Region, ScanResult, Span } from './types';

type BlockKind = 'if' | 'loop' | 'case' | 'branch' | 'group' | 'subshell';

const STACK_MARKER = /STEP_(START|COMPLETE|ERROR):/;
const RESERVED_OPEN: Record<string, BlockKind> = { if: 'if', for: 'loop', while: 'loop', until: 'loop', select: 'loop', case: 'case', '{': 'group' };
const REDIRECT = /(\d*|&)(<<-|<<<|<<|>>|>&|<&|>\||<>|>|<)/y;
const RESERVED = new Set(['then', 'elif', 'else', 'do', 'fi', 'done', 'esac', '}', '!', 'time', 'function', 'in', ...Object.keys(RESERVED_OPEN)]);
const AND_OR = new Set(['&&', '||']);
const UNPRINTED_OPS = new Set(['|', '&', '|&']);

function hasColon(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (text.charCodeAt(i) === 58) return true;
  return false;
}

interface Command {
  words: Word[];
  /** stdout goes to a file (`> f`, `>> f`, `&> f`): nothing is printed. */
  toFile: boolean;
  start: number;
  end: number;
}

export function scanShell(text: string): ScanResult {
  const regions: Region[] = [{ parent: -1, span: { start: 0, end: text.length }, lastStatementEnd: 0, indent: '' }];
  const strings: PrintedString[] = [];
  const opaque: ScanResult['opaque'] = [];
  const exits: ScanResult['exits'] = [];
  const nonCode: Span[] = [];
  let includesOthers = false;

  const stack: Array<{ region: number; kind: BlockKind | 'top' }> = [{ region: 0, kind: 'top' }];
  const top = () => stack[stack.length - 1]!;
  const lineStartOf = (offset: number) => text.lastIndexOf('\n', offset - 1) + 1;
  const open = (kind: BlockKind, at: number) => {
    regions.push({ parent: top().region, span: { start: at, end: text.length }, lastStatementEnd: at, indent: '' });
    stack.push({ region: regions.length - 1, kind });
  };
  const close = (at: number) => {
    if (stack.length > 1) regions[stack.pop()!.region]!.span.end = at;
  };
  /** Closes blocks up to and including the innermost of one of these kinds. */
  const closeKind = (kinds: readonly string[], at: number) => {
    const index = stack.map((s) => s.kind as string).lastIndexOf(kinds.find((k) => stack.some((s) => s.kind === k)) ?? '');
    if (index <= 0) return;
    while (stack.length > index) close(at);
  };
  const touch = (end: number) => {
    for (const s of stack) regions[s.region]!.lastStatementEnd = end;
  };

  let cmd: Command | null = null;
  let commandPosition = true;
  let prevOp = '';
  let casePattern = false;
  let forHeader = false;
  const heredocs: Array<{ delimiter: string; stripTabs: boolean }> = [];

  const endCommand = (op: string) => {
    const c = cmd;
    cmd = null;
    commandPosition = true;
    const before = prevOp;
    prevOp = op;
    if (!c || c.words.length === 0) return;
    touch(c.end);
    let k = 0;
    while (k < c.words.length && isAssignment(text, c.words[k]!.start, c.words[k]!.end)) k++;
    if (c.words[k]?.static === 'builtin' || c.words[k]?.static === 'command') k++;
    const name = c.words[k]?.static ?? null;
    const args = c.words.slice(k + 1);
    const span = { start: c.words[k]?.start ?? c.start, end: c.end };
    const conditional = AND_OR.has(before) || AND_OR.has(op);
    if (name === 'exit') exits.push({ ...span, region: conditional ? -1 : top().region });
    if (name === 'source' || name === '.') includesOthers = true;
    if (name && HELPER_CALL.test(name)) opaque.push({ span, region: top().region });

    const unprinted = c.toFile || UNPRINTED_OPS.has(op) || before === '|' || before === '|&';
    const region = conditional ? implicitRegion(span) : top().region;
    const printedString = name === 'echo' ? echoString(args) : name === 'printf' ? printfString(args) : null;
    if (printedString) {
      strings.push({ ...printedString, printed: printedString.printed && !unprinted, statement: span, region });
      return;
    }
    // Other commands' arguments (a `log "STEP_START:x"` function, an assignment) may still hold marker text.
    for (const word of c.words) {
      // Every marker has a ':'; most words have none and are not worth a string.
      if (!hasColon(text, word.start, word.end)) continue;
      const parts = dropAssignment(word);
      if (parts.length === 0) continue;
      strings.push({ parts, content: { start: word.start, end: word.end }, printed: false, statement: span, region, quote: word.quote });
    }
  };

  const implicitRegion = (span: Span): number => {
    regions.push({ parent: top().region, span: { ...span }, lastStatementEnd: span.end, indent: '' });
    return regions.length - 1;
  };

  const n = text.length;
  let i = 0;
  while (i < n) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      i++;
      continue;
    }
    if (ch === '\\' && text[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (ch === '\n') {
      endCommand('\n');
      forHeader = false;
      i++;
      // Here-document bodies start on the next line.
      while (heredocs.length > 0) {
        const { delimiter, stripTabs } = heredocs.shift()!;
        const bodyStart = i;
        const { end, next } = heredocBody(text, bodyStart, delimiter, stripTabs);
        // From the newline before the body: a line inside it starts inside this span.
        nonCode.push({ start: bodyStart - 1, end: Math.min(next, n) });
        if (STACK_MARKER.test(text.slice(bodyStart, end))) opaque.push({ span: { start: bodyStart, end }, region: top().region });
        i = next;
      }
      continue;
    }
    if (ch === '#') {
      const nl = text.indexOf('\n', i);
      const end = nl < 0 ? n : nl;
      nonCode.push({ start: i, end });
      i = end;
      continue;
    }
    // Operators.
    const next = text[i + 1];
    if (ch === ';' && (next === ';' || next === '&')) {
      const three = next === ';' && text[i + 2] === '&';
      endCommand(';;');
      casePattern = true;
      i += three ? 3 : 2;
      continue;
    }
    if ((ch === '&' && next === '&') || (ch === '|' && (next === '|' || next === '&'))) {
      endCommand(ch + next);
      i += 2;
      continue;
    }
    if (ch === ';' || ch === '|' || (ch === '&' && text[i + 1] !== '>')) {
      endCommand(ch);
      i++;
      continue;
    }
    if (casePattern) {
      // `pattern)` or `(pattern)`: skip to the ')' that ends the pattern.
      if (/^esac\b/.test(text.slice(i, i + 5))) {
        casePattern = false;
      } else {
        let j = i;
        let seenOpen = false;
        while (j < n && text[j] !== ')' && text[j] !== '\n') {
          if (text[j] === '(' && !seenOpen) seenOpen = true;
          if (text[j] === '"' || text[j] === "'") j = Math.max(j, text.indexOf(text[j]!, j + 1));
          if (j < 0) j = n;
          j++;
        }
        if (text[j] === ')') {
          if (top().kind === 'branch') close(lineStartOf(i));
          open('branch', j + 1);
          casePattern = false;
          commandPosition = true;
          i = j + 1;
          continue;
        }
        i = j;
        continue;
      }
    }
    if (ch === '(') {
      if (text[i + 1] === '(' && (commandPosition || forHeader)) {
        // (( arithmetic )) — one word.
        const end = skipNested(text, i, '(', ')');
        cmd ??= { words: [], toFile: false, start: i, end };
        cmd.end = end;
        commandPosition = false;
        i = end;
        continue;
      }
      const fn = /^\(\s*\)/.exec(text.slice(i, i + 20));
      if (fn) {
        // `name()` — a function definition; its body follows.
        cmd = null;
        commandPosition = true;
        i += fn[0].length;
        continue;
      }
      endCommand('(');
      open('subshell', i + 1);
      i++;
      continue;
    }
    if (ch === ')') {
      endCommand(')');
      closeKind(['subshell'], i);
      touch(i + 1);
      commandPosition = false;
      i++;
      continue;
    }
    let redirect: RegExpExecArray | null = null;
    if (ch === '<' || ch === '>' || ch === '&' || (ch >= '0' && ch <= '9')) {
      REDIRECT.lastIndex = i;
      redirect = REDIRECT.exec(text);
    }
    if (redirect) {
      cmd ??= { words: [], toFile: false, start: i, end: i };
      const op = redirect[2]!;
      let j = i + redirect[0].length;
      while (text[j] === ' ' || text[j] === '\t') j++;
      const target = j < n && !WORD_BREAK.has(text[j]!) ? readWord(text, j) : null;
      const fd = redirect[1] ?? '';
      if (op === '<<' || op === '<<-') {
        if (target) heredocs.push({ delimiter: target.parts.map((p) => (p.kind === 'text' ? p.text : '')).join(''), stripTabs: op === '<<-' });
      } else if ((op === '>' || op === '>>' || op === '>|') && (fd === '' || fd === '1' || fd === '&')) {
        if (!(target?.static ?? '').startsWith('&')) cmd.toFile = true;
      }
      cmd.end = target ? target.end : j;
      i = target ? target.end : j;
      continue;
    }

    const word = readWord(text, i);
    i = word.end;
    const reserved: string | null = commandPosition && word.quote === '' ? word.static : null;
    if (reserved !== null && RESERVED.has(reserved)) {
      if (reserved === 'in' && !forHeader) {
        // `case x in` — patterns follow.
        if (top().kind === 'case') casePattern = true;
        continue;
      }
      touch(word.end);
      if (reserved in RESERVED_OPEN) {
        open(RESERVED_OPEN[reserved]!, word.end);
        forHeader = reserved === 'for' || reserved === 'select';
        if (reserved === 'case') {
          // `case WORD in`: read the subject, then expect patterns after `in`.
          const m = /^\s+(\S+)\s+in\b/.exec(text.slice(i, i + 300));
          if (m) {
            i += m[0].length;
            casePattern = true;
          }
        }
        commandPosition = !forHeader;
        continue;
      }
      if (reserved === 'then' || reserved === 'elif' || reserved === 'else' || reserved === 'do') {
        const kind = reserved === 'do' ? 'loop' : 'if';
        if (stack.some((s) => s.kind === kind)) {
          closeKind([kind], word.start);
          open(kind, word.end);
        }
        forHeader = false;
        commandPosition = true;
        continue;
      }
      if (reserved === 'fi') closeKind(['if'], word.start);
      else if (reserved === 'done') closeKind(['loop'], word.start);
      else if (reserved === 'esac') {
        closeKind(['case'], word.start);
        casePattern = false;
      } else if (reserved === '}') closeKind(['group'], word.start);
      else if (reserved === 'function') {
        // `function name [()]`: the body's `{` follows.
        const m = /^\s+[^\s(){}]+(\s*\(\s*\))?/.exec(text.slice(i, i + 200));
        if (m) i += m[0].length;
      }
      touch(word.end);
      commandPosition = reserved === '!' || reserved === 'time' || reserved === 'function';
      continue;
    }
    if (forHeader) continue;
    cmd ??= { words: [], toFile: false, start: word.start, end: word.end };
    cmd.words.push(word);
    cmd.end = word.end;
    // Assignments before a command keep the command position.
    commandPosition = commandPosition && isAssignment(text, word.start, word.end);
  }
  endCommand('');
  while (stack.length > 1) close(n);
  for (const region of regions.slice(1)) region.indent = indentOfFirstLine(text, region);
  return { strings, regions, opaque, includesOthers, exits, nonCode };
}

function indentOfFirstLine(text: string, region: Region): string {
  const nl = text.indexOf('\n', region.span.start);
  if (nl < 0 || nl >= region.span.end) return '';
  const m = /^[ \t]*/.exec(text.slice(nl + 1, region.span.end));
  return m ? m[0] : '';
}
