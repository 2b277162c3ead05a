// What shell commands print: turns the arguments of `echo` and `printf` into the text they
// would write (echo's -n/-e flags, printf's escapes and %-conversions) and picks the marker
// candidate out of an assignment word. Separate from syntax/shellRules.ts because this is
// about one command's arguments, not about where commands are in the syntax tree.
import { C_ESCAPES } from './syntax/literalText';
import type { Part, PrintedString } from './types';

/** One shell word as the shell expands it (quotes removed, expansions dynamic). */
export interface Word {
  start: number;
  end: number;
  parts: Part[];
  /** The quote the word starts with: '"', "'", "$'" or '' (unquoted). */
  quote: string;
  /** Static text of the word, or null when it has dynamic parts. */
  static: string | null;
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

/** A printed string before the scanner adds the statement and region around it. */
export type Found = Omit<PrintedString, 'statement' | 'region'>;

export function echoString(args: Word[]): Found | null {
  let k = 0;
  let newline = true;
  let escapes = false;
  while (k < args.length && /^-[neE]+$/.test(args[k]!.static ?? '')) {
    const flags = args[k]!.static!;
    if (flags.includes('n')) newline = false;
    // The last of -e/-E wins, as in bash.
    if (/[eE]/.test(flags)) escapes = flags.lastIndexOf('e') > flags.lastIndexOf('E');
    k++;
  }
  const words = args.slice(k);
  if (words.length === 0) return null;
  let parts = joinWords(words);
  // `echo -e` interprets escapes (how CI scripts print `\e[0Ksection_start:…\r…`); `\c`
  // stops the output, newline included.
  if (escapes) {
    parts = interpretEscapes(parts);
    if (parts.some((p) => p.kind === 'text' && p.text.includes(STOP_OUTPUT))) newline = false;
  }
  // Backslashes without -e: bash's echo prints them, dash's interprets them; either way, not a plain line.
  const ambiguous = !escapes && parts.some((p) => p.kind === 'text' && p.text.includes('\\'));
  return {
    parts,
    content: { start: words[0]!.start, end: words[words.length - 1]!.end },
    printed: newline && !ambiguous,
    quote: words.length === 1 ? words[0]!.quote : '',
  };
}

/** What `\c` decodes to: no character a printed line may hold, so a line with it is never a marker. */
const STOP_OUTPUT = '\u0000\\c';

/**
 * Text parts with backslash escapes decoded as `echo -e` does: C escapes, `\xHH` and `\0nnn`
 * (octal), so `\033[0K` is the ESC it prints.
 */
function interpretEscapes(parts: Part[]): Part[] {
  const octal = /^0([0-7]{0,3})/;
  return parts.map((part) => {
    if (part.kind === 'dynamic' || !part.text.includes('\\')) return part;
    let text = '';
    const offsets: number[] = [];
    for (let j = 0; j < part.text.length; ) {
      // Every character an escape decodes to sits at its backslash.
      const at = part.offsets[j]!;
      const rest = part.text.slice(j + 1, j + 5);
      let decoded = part.text[j]!;
      let used = 1;
      if (decoded === '\\' && rest !== '') {
        const oct = octal.exec(rest);
        const hex = /^x([0-9A-Fa-f]{1,2})/.exec(rest);
        used = 2;
        if (oct) {
          decoded = String.fromCharCode(parseInt(oct[1] || '0', 8) & 0xff);
          used = 1 + oct[0].length;
        } else if (hex) {
          decoded = String.fromCharCode(parseInt(hex[1]!, 16));
          used = 1 + hex[0].length;
        } else if (rest[0] === 'c') decoded = STOP_OUTPUT;
        else decoded = C_ESCAPES[rest[0]!] ?? `\\${rest[0]!}`;
      }
      for (let d = 0; d < decoded.length; d++) offsets.push(at);
      text += decoded;
      j += used;
    }
    return { kind: 'text', text, offsets, end: part.end };
  });
}

export function printfString(args: Word[]): Found | null {
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
