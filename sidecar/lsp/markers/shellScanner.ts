// Finds printed strings and blocks in POSIX shell / bash / zsh scripts. Works on simple
// commands: words (with quoting, expansions, escapes), operators, reserved words
// (if/then/elif/else/fi, for/while/until/do/done, case/esac, { }, ( )), here-documents.
// An `echo`/`printf` is "printed" when it is a whole command on its own in a list, not
// piped, backgrounded or redirected to a file; `a && echo …` is conditional.
import { HELPER_CALL } from './codeScanner';
import { PartsBuilder, contiguousText } from './parts';
import type { Part, PrintedString, Region, ScanResult, Span } from './types';

interface Word {
  start: number;
  end: number;
  parts: Part[];
  /** The quote the word starts with: '"', "'", "$'" or '' (unquoted). */
  quote: string;
  /** Static text of the word, or null when it has dynamic parts. */
  static: string | null;
}

type BlockKind = 'if' | 'loop' | 'case' | 'branch' | 'group' | 'subshell';

const STACK_MARKER = /STEP_(START|COMPLETE|ERROR):/;
/** Runs of characters that stand for themselves, outside quotes and inside double quotes. */
const PLAIN = /[^\s;&|<>()\\'"$`*?[~{]+/y;
const PLAIN_DQ = /[^"\\$`]+/y;
const WORD_BREAK = new Set([' ', '\t', '\n', '\r', ';', '&', '|', '<', '>', '(', ')']);

/** The index after a `$(…)`, `${…}` or `((…))` starting with the opener at `i`, stepping over quotes. */
function skipNested(text: string, i: number, open: string, close: string): number {
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

const C_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"' };

function readWord(text: string, i: number): Word {
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
    PLAIN.lastIndex = j;
    if (PLAIN.test(text)) {
      quote ??= '';
      b.span(j, PLAIN.lastIndex);
      j = PLAIN.lastIndex;
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
        PLAIN_DQ.lastIndex = k;
        if (PLAIN_DQ.test(text)) {
          b.span(k, PLAIN_DQ.lastIndex);
          k = PLAIN_DQ.lastIndex;
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

const RESERVED_OPEN: Record<string, BlockKind> = { if: 'if', for: 'loop', while: 'loop', until: 'loop', select: 'loop', case: 'case', '{': 'group' };
const REDIRECT = /(\d*|&)(<<-|<<<|<<|>>|>&|<&|>\||<>|>|<)/y;
const ASSIGNMENT = /[A-Za-z_]\w*(\[[^\]]*\])?\+?=/y;
const RESERVED = new Set(['then', 'elif', 'else', 'do', 'fi', 'done', 'esac', '}', '!', 'time', 'function', 'in', ...Object.keys(RESERVED_OPEN)]);
const AND_OR = new Set(['&&', '||']);
const UNPRINTED_OPS = new Set(['|', '&', '|&']);

function hasColon(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (text.charCodeAt(i) === 58) return true;
  return false;
}

/** A word (source [start, end)) that assigns a variable: `X=1`, `A[i]+=2`. */
function isAssignment(text: string, start: number, end: number): boolean {
  ASSIGNMENT.lastIndex = start;
  return ASSIGNMENT.test(text) && ASSIGNMENT.lastIndex <= end;
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
        let end = n;
        let next = n;
        let lineStart = i;
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

/** A word without a leading `NAME=` (the assigned value is the string of interest). */
function dropAssignment(word: Word): Part[] {
  const first = word.parts[0];
  if (first?.kind !== 'text') return word.parts;
  const m = /^[A-Za-z_]\w*\+?=/.exec(first.text);
  if (!m) return word.parts;
  const rest = first.text.slice(m[0].length);
  const head: Part[] = rest === '' ? [] : [{ kind: 'text', text: rest, offsets: first.offsets.slice(m[0].length), end: first.end }];
  return [...head, ...word.parts.slice(1)];
}

/** Words joined by single spaces, as `echo` prints them. */
function joinWords(words: Word[]): Part[] {
  const parts: Part[] = [];
  words.forEach((word, index) => {
    if (index > 0) parts.push({ kind: 'text', text: ' ', offsets: [words[index - 1]!.end], end: word.start });
    parts.push(...word.parts);
  });
  // Merge adjacent text parts so a marker split over quotes (STEP_START:"My step") reads as one.
  const merged: Part[] = [];
  for (const part of parts) {
    const last = merged[merged.length - 1];
    if (last?.kind === 'text' && part.kind === 'text') {
      merged[merged.length - 1] = { kind: 'text', text: last.text + part.text, offsets: [...last.offsets, ...part.offsets], end: part.end };
    } else merged.push(part);
  }
  return merged;
}

type Found = Omit<PrintedString, 'statement' | 'region'>;

function echoString(args: Word[]): Found | null {
  let k = 0;
  let newline = true;
  while (k < args.length && /^-[neE]+$/.test(args[k]!.static ?? '')) {
    if (args[k]!.static!.includes('n')) newline = false;
    k++;
  }
  const words = args.slice(k);
  if (words.length === 0) return null;
  const parts = joinWords(words);
  // Backslashes: bash's echo prints them, dash's interprets them; either way, not a plain line.
  const ambiguous = parts.some((p) => p.kind === 'text' && p.text.includes('\\'));
  return {
    parts,
    content: { start: words[0]!.start, end: words[words.length - 1]!.end },
    printed: newline && !ambiguous,
    quote: words.length === 1 ? words[0]!.quote : '',
  };
}

function printfString(args: Word[]): Found | null {
  let k = 0;
  if (args[k]?.static === '-v') return null; // printf -v VAR: assigns, prints nothing
  if (args[k]?.static === '--') k++;
  const format = args[k];
  if (!format) return null;
  // Interpret the format's escapes and conversions.
  const parts: Part[] = [];
  for (const part of format.parts) {
    if (part.kind === 'dynamic') {
      parts.push(part);
      continue;
    }
    let text = '';
    let offsets: number[] = [];
    const flush = () => {
      if (text) parts.push({ kind: 'text', text, offsets, end: part.end });
      text = '';
      offsets = [];
    };
    for (let j = 0; j < part.text.length; j++) {
      const c = part.text[j]!;
      if (c === '\\' && j + 1 < part.text.length) {
        text += C_ESCAPES[part.text[j + 1]!] ?? part.text[j + 1]!;
        offsets.push(part.offsets[j]!);
        j++;
      } else if (c === '%' && part.text[j + 1] === '%') {
        text += '%';
        offsets.push(part.offsets[j]!);
        j++;
      } else if (c === '%') {
        flush();
        const m = /^%[-+ #0]*\d*(\.\d+)?[a-zA-Z]/.exec(part.text.slice(j));
        const len = m ? m[0].length : 1;
        parts.push({ kind: 'dynamic', span: { start: part.offsets[j]!, end: (part.offsets[j + len - 1] ?? part.offsets[j]!) + 1 } });
        j += len - 1;
      } else {
        text += c;
        offsets.push(part.offsets[j]!);
      }
    }
    flush();
  }
  // A line is printed only when the format ends it (and there are no extra args to repeat it).
  const last = parts[parts.length - 1];
  const endsLine = last?.kind === 'text' && last.text.endsWith('\n');
  if (endsLine && last.kind === 'text') {
    const trimmed = last.text.slice(0, -1);
    if (trimmed === '') parts.pop();
    else parts[parts.length - 1] = { kind: 'text', text: trimmed, offsets: last.offsets.slice(0, -1), end: last.end };
  }
  const extra = args.length > k + 1 && !parts.some((p) => p.kind === 'dynamic');
  return {
    parts,
    content: { start: format.start, end: format.end },
    printed: endsLine && !extra && !parts.some((p) => p.kind === 'text' && p.text.includes('\n')),
    quote: format.quote,
  };
}
