// A run's step summary ($GITHUB_STEP_SUMMARY, docs/spec.md §1 "Step summary") is Markdown the
// script wrote, i.e. untrusted. It is parsed here into a small tree of GitHub-flavoured
// Markdown's common blocks and inlines; the views render that tree themselves — the panel as
// Lit templates (text nodes only), the HTML report through its escaping template — so no
// character of the summary ever becomes markup. Raw HTML is not a node: `<script>` stays the
// visible text `<script>`. Links keep only http(s) and mailto targets; images become links
// (no view loads anything from outside).
//
// Pure, no dependency: the webview imports it through sidecar/protocol. Linear in the input:
// a closing delimiter that is not found is remembered per delimiter (a line of 10⁵ `*` is
// otherwise quadratic), and nesting is capped.

export type SummaryInline =
  | { kind: 'text'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'strong' | 'em' | 'del'; children: SummaryInline[] }
  | { kind: 'link'; href: string; children: SummaryInline[] }
  | { kind: 'break' };

export type TableAlign = 'left' | 'center' | 'right' | null;

export type SummaryBlock =
  | { kind: 'heading'; level: 1 | 2 | 3 | 4 | 5 | 6; inlines: SummaryInline[] }
  | { kind: 'paragraph'; inlines: SummaryInline[] }
  | { kind: 'code'; lang: string; text: string }
  | { kind: 'quote'; blocks: SummaryBlock[] }
  | { kind: 'list'; ordered: boolean; start: number; items: SummaryBlock[][] }
  | { kind: 'table'; align: TableAlign[]; header: SummaryInline[][]; rows: SummaryInline[][][] }
  | { kind: 'rule' };

/** Quotes and lists inside each other deeper than this are read as plain paragraphs. */
const MAX_BLOCK_DEPTH = 12;
/** Emphasis inside emphasis deeper than this is kept as text. */
const MAX_INLINE_DEPTH = 8;

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?/;
const LIST_ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])([ \t]+|$)/;
const TABLE_DELIMITER = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;

export function parseSummaryMarkdown(text: string): SummaryBlock[] {
  return parseBlocks(text.replace(/\r\n?/g, '\n').split('\n'), 0);
}

function parseBlocks(lines: readonly string[], depth: number): SummaryBlock[] {
  const blocks: SummaryBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1]!;
      const body: string[] = [];
      i++;
      while (i < lines.length && !isClosingFence(lines[i]!, marker)) body.push(lines[i++]!);
      i++; // the closing fence (or past the end: an unclosed fence runs to the end, as in GitHub)
      blocks.push({ kind: 'code', lang: fence[2] ?? '', text: body.join('\n') });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ kind: 'heading', level: heading[1]!.length as 1, inlines: parseInlines(heading[2] ?? '') });
      i++;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ kind: 'rule' });
      i++;
      continue;
    }
    if (depth < MAX_BLOCK_DEPTH && QUOTE.test(line)) {
      const inner: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i]!)) inner.push(lines[i++]!.replace(QUOTE, ''));
      blocks.push({ kind: 'quote', blocks: parseBlocks(inner, depth + 1) });
      continue;
    }
    if (depth < MAX_BLOCK_DEPTH && LIST_ITEM.test(line)) {
      i = parseList(lines, i, depth, blocks);
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && TABLE_DELIMITER.test(lines[i + 1]!) && lines[i + 1]!.includes('-')) {
      i = parseTable(lines, i, blocks);
      continue;
    }
    const paragraph: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '' && (paragraph.length === 0 || !startsBlock(lines[i]!))) paragraph.push(lines[i++]!);
    blocks.push({ kind: 'paragraph', inlines: parseInlines(paragraph.map((l) => l.replace(/^[ \t]+/, '')).join('\n')) });
  }
  return blocks;
}

function isClosingFence(line: string, marker: string): boolean {
  const trimmed = line.trim();
  return trimmed.length >= marker.length && trimmed === marker[0]!.repeat(trimmed.length) && /^ {0,3}\S/.test(line);
}

/** A line that interrupts a paragraph (as in GitHub: an ordered item only when it starts at 1). */
function startsBlock(line: string): boolean {
  if (FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line)) return true;
  const item = LIST_ITEM.exec(line);
  return item !== null && item[3] !== '' && (/^[-*+]$/.test(item[2]!) || /^1[.)]$/.test(item[2]!));
}

function parseList(lines: readonly string[], from: number, depth: number, out: SummaryBlock[]): number {
  const first = LIST_ITEM.exec(lines[from]!)!;
  const ordered = /\d/.test(first[2]!);
  const bullet = first[2]!.slice(-1);
  const items: SummaryBlock[][] = [];
  let i = from;
  while (i < lines.length) {
    const item = LIST_ITEM.exec(lines[i]!);
    if (!item || /\d/.test(item[2]!) !== ordered || item[2]!.slice(-1) !== bullet) break;
    const indent = item[0].length === lines[i]!.length ? item[1]!.length + item[2]!.length + 1 : item[0].length;
    const body = [lines[i]!.slice(item[0].length)];
    i++;
    // The item goes on with indented lines, blank lines followed by indented lines, and
    // unindented text right after text (a lazy continuation).
    while (i < lines.length) {
      const next = lines[i]!;
      if (next.trim() === '') {
        if (i + 1 < lines.length && leadingSpaces(lines[i + 1]!) >= indent) {
          body.push('');
          i++;
          continue;
        }
        break;
      }
      if (leadingSpaces(next) >= indent) body.push(next.slice(indent));
      else if (body[body.length - 1]!.trim() !== '' && !startsBlock(next) && !LIST_ITEM.test(next)) body.push(next);
      else break;
      i++;
    }
    items.push(parseBlocks(body, depth + 1));
    // A blank line between two items of the same list keeps the list going.
    if (i + 1 < lines.length && lines[i]!.trim() === '' && LIST_ITEM.test(lines[i + 1]!)) i++;
  }
  out.push({ kind: 'list', ordered, start: ordered ? Number.parseInt(first[2]!, 10) : 1, items });
  return i;
}

function leadingSpaces(line: string): number {
  let n = 0;
  for (const c of line) {
    if (c === ' ') n++;
    else if (c === '\t') n += 4 - (n % 4);
    else break;
  }
  return n;
}

function parseTable(lines: readonly string[], from: number, out: SummaryBlock[]): number {
  const header = splitRow(lines[from]!);
  const align = splitRow(lines[from + 1]!).map((cell): TableAlign => {
    const left = cell.startsWith(':');
    const right = cell.endsWith(':');
    return left && right ? 'center' : right ? 'right' : left ? 'left' : null;
  });
  const rows: SummaryInline[][][] = [];
  let i = from + 2;
  while (i < lines.length && lines[i]!.trim() !== '' && lines[i]!.includes('|') && !startsBlock(lines[i]!)) {
    const cells = splitRow(lines[i++]!);
    // Every row has the header's width: extra cells dropped, missing ones empty (as GitHub does).
    rows.push(header.map((_, c) => parseInlines(cells[c] ?? '')));
  }
  out.push({ kind: 'table', align: header.map((_, c) => align[c] ?? null), header: header.map((cell) => parseInlines(cell)), rows });
  return i;
}

/** The cells of a pipe-table row; `\|` is a pipe inside a cell. */
function splitRow(line: string): string[] {
  let row = line.trim();
  if (row.startsWith('|')) row = row.slice(1);
  if (row.endsWith('|') && !row.endsWith('\\|')) row = row.slice(0, -1);
  const cells: string[] = [];
  let cell = '';
  for (let i = 0; i < row.length; i++) {
    const c = row[i]!;
    if (c === '\\' && row[i + 1] === '|') {
      cell += '|';
      i++;
    } else if (c === '|') {
      cells.push(cell.trim());
      cell = '';
    } else cell += c;
  }
  cells.push(cell.trim());
  return cells;
}

const ESCAPABLE = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/;
const SAFE_URL = /^(?:https?:\/\/|mailto:)[^\s<>"']*$/i;

/** Inline Markdown: code spans, strong/em/strikethrough, links, autolinks, escapes, hard breaks. */
export function parseInlines(text: string): SummaryInline[] {
  return new InlineParser(text).parse(0, text.length, 0);
}

class InlineParser {
  /** Delimiters known to have no closer at or after the position recorded. */
  private readonly noCloserFrom = new Map<string, number>();

  constructor(private readonly src: string) {}

  parse(from: number, to: number, depth: number): SummaryInline[] {
    const out: SummaryInline[] = [];
    let text = '';
    const flush = (): void => {
      if (text) out.push({ kind: 'text', text });
      text = '';
    };
    const s = this.src;
    let i = from;
    while (i < to) {
      const c = s[i]!;
      if (c === '\\' && i + 1 < to && ESCAPABLE.test(s[i + 1]!)) {
        text += s[i + 1];
        i += 2;
        continue;
      }
      if (c === '\n') {
        // Two trailing spaces or a backslash make a hard break; any other newline is a space.
        const hard = text.endsWith('  ') || (i > from && s[i - 1] === '\\');
        if (hard) {
          text = text.replace(/[ \\]+$/, '');
          flush();
          out.push({ kind: 'break' });
        } else text = text.replace(/ +$/, '') + ' ';
        i++;
        while (i < to && s[i] === ' ') i++;
        continue;
      }
      if (c === '`') {
        const run = runLength(s, i, to, '`');
        const close = this.findCloser('`'.repeat(run), i + run, to, (at) => runLength(s, at, to, '`') === run && s[at - 1] !== '`');
        if (close < 0) {
          text += '`'.repeat(run);
          i += run;
          continue;
        }
        flush();
        let code = s.slice(i + run, close).replace(/\n/g, ' ');
        if (code.length > 2 && code.startsWith(' ') && code.endsWith(' ') && code.trim() !== '') code = code.slice(1, -1);
        out.push({ kind: 'code', text: code });
        i = close + run;
        continue;
      }
      if ((c === '*' || c === '_' || c === '~') && depth < MAX_INLINE_DEPTH) {
        const span = this.emphasis(i, to, depth);
        if (span) {
          flush();
          out.push(span.node);
          i = span.end;
          continue;
        }
        // The whole run is text: trying again at each of its characters would be quadratic.
        const run = runLength(s, i, to, c);
        text += c.repeat(run);
        i += run;
        continue;
      }
      if (c === '[' || (c === '!' && s[i + 1] === '[')) {
        const link = depth < MAX_INLINE_DEPTH ? this.link(i, to, depth) : null;
        if (link) {
          flush();
          out.push(link.node);
          i = link.end;
          continue;
        }
      }
      if (c === '<') {
        const close = s.indexOf('>', i + 1);
        const url = close > 0 && close < to ? s.slice(i + 1, close) : '';
        if (SAFE_URL.test(url)) {
          flush();
          out.push({ kind: 'link', href: url, children: [{ kind: 'text', text: url.replace(/^mailto:/i, '') }] });
          i = close + 1;
          continue;
        }
      }
      text += c;
      i++;
    }
    flush();
    return out;
  }

  /** `**x**`, `__x__`, `*x*`, `_x_` (not inside a word), `~~x~~`. */
  private emphasis(at: number, to: number, depth: number): { node: SummaryInline; end: number } | null {
    const s = this.src;
    const c = s[at]!;
    // Only whether the run is 1, 2 or longer matters (counting a long run here would be quadratic).
    const run = s[at + 1] !== c || at + 1 >= to ? 1 : s[at + 2] !== c || at + 2 >= to ? 2 : 3;
    if (c === '~' && run !== 2) return null;
    if (c === '_' && at > 0 && /[\p{L}\p{N}]/u.test(s[at - 1]!)) return null;
    const width = c === '~' ? 2 : Math.min(run, 2);
    const delimiter = c.repeat(width);
    const inner = at + width;
    if (inner >= to || /\s/.test(s[inner]!)) return null;
    const close = this.findCloser(delimiter, inner + 1, to, (pos) => {
      if (/\s/.test(s[pos - 1]!)) return false;
      if (c === '_' && pos + width < to && /[\p{L}\p{N}]/u.test(s[pos + width]!)) return false;
      // `*a**b*`: a single `*` does not close on the first half of a `**`.
      return width === 2 || s[pos + 1] !== c || s[pos + 2] === c;
    });
    if (close < 0) return null;
    const kind = c === '~' ? 'del' : width === 2 ? 'strong' : 'em';
    return { node: { kind, children: this.parse(inner, close, depth + 1) }, end: close + width };
  }

  /** `[text](url)` and `![alt](url)`; a target that is not http(s)/mailto leaves the text as text. */
  private link(at: number, to: number, depth: number): { node: SummaryInline; end: number } | null {
    const s = this.src;
    const open = s[at] === '!' ? at + 1 : at;
    if (this.nextBracketClose(open + 1) >= to) return null;
    const close = matchingBracket(s, open, to);
    if (close < 0 || s[close + 1] !== '(') return null;
    const end = s.indexOf(')', close + 2);
    if (end < 0 || end >= to || end - close > MAX_LINK_TEXT) return null;
    const target = s.slice(close + 2, end).trim().split(/\s+/)[0] ?? '';
    const href = target.startsWith('<') && target.endsWith('>') ? target.slice(1, -1) : target;
    const children = s[at] === '!' ? [{ kind: 'text' as const, text: s.slice(open + 1, close) || href }] : this.parse(open + 1, close, depth + 1);
    if (!SAFE_URL.test(href)) return null;
    return { node: { kind: 'link', href, children }, end: end + 1 };
  }

  /** Where the next `]` at or after `from` is (Infinity: none); remembered, as `[[[[…]` asks for every `[`. */
  private bracketClose = { from: Infinity, at: -1 };
  private nextBracketClose(from: number): number {
    const known = this.bracketClose;
    if (from >= known.from && from <= known.at) return known.at;
    const at = this.src.indexOf(']', from);
    this.bracketClose = { from, at: at < 0 ? Infinity : at };
    return this.bracketClose.at;
  }

  /** The next position of `delimiter` in [from, to) that `accept`s, or -1 (remembered per delimiter). */
  private findCloser(delimiter: string, from: number, to: number, accept: (at: number) => boolean): number {
    const known = this.noCloserFrom.get(delimiter);
    if (known !== undefined && from >= known) return -1;
    let at = this.src.indexOf(delimiter, from);
    while (at >= 0 && at < to && !accept(at)) at = this.src.indexOf(delimiter, at + 1);
    if (at >= 0 && at < to) return at;
    // Only the whole text's end makes "none after here" true for every later search.
    if (at < 0 && (known === undefined || from < known)) this.noCloserFrom.set(delimiter, from);
    return -1;
  }
}

function runLength(s: string, at: number, to: number, c: string): number {
  let n = 0;
  while (at + n < to && s[at + n] === c) n++;
  return n;
}

/**
 * Link texts longer or deeper than this are not looked for: an unclosed `[` would otherwise
 * make every later one rescan the rest of the text.
 */
const MAX_LINK_TEXT = 1000;
const MAX_BRACKET_DEPTH = 16;

function matchingBracket(s: string, open: number, to: number): number {
  let depth = 0;
  const end = Math.min(to, open + MAX_LINK_TEXT);
  for (let i = open; i < end; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '[' && ++depth > MAX_BRACKET_DEPTH) return -1;
    else if (c === ']' && --depth === 0) return i;
    else if (c === '\n' && s[i + 1] === '\n') return -1;
  }
  return -1;
}

/** The text of inlines without markup (a table cell's title, a heading's plain text). */
export function inlineText(inlines: readonly SummaryInline[]): string {
  return inlines
    .map((n) => (n.kind === 'text' || n.kind === 'code' ? n.text : n.kind === 'break' ? '\n' : inlineText(n.children)))
    .join('');
}
