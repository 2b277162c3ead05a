// Marker extraction on a tree-sitter syntax tree: the printed strings that may hold markers
// and the blocks around them, as the ScanResult the analysis (../analysis.ts) consumes.
// Only the places where a marker keyword (or a misspelling of one) occurs in the text are
// looked up in the tree — a 5,000-line script has a few hundred of them and tens of
// thousands of nodes — so the cost follows the markers, not the file.
import type { Node } from '@vscode/tree-sitter-wasm';
import { isMarkerKeyword, misspeltKeyword } from '../keywords';
import { shiftPart } from '../parts';
import type { PrintedString, Region, ScanResult, Span } from '../types';
import type { DocumentSyntax, View } from './documentTrees';
import type { SyntaxRules } from './rules';

/** Calls of marker helper functions (`step_start "x"`, `with step("x")`): steps we cannot read. */
export const HELPER_CALL = /^(step|steps?_?(start|begin|open|complete|end|finish|close|error|fail)|(start|begin|end|complete|finish|close)_?step)$/i;

/** `WORD:` where WORD may be a marker keyword. */
const KEYWORD_HEAD = /(?<![A-Za-z0-9_])([A-Za-z][A-Za-z_-]*):/g;
const STACK_KEYWORDS = new Set(['STEP_START', 'STEP_COMPLETE', 'STEP_ERROR']);
/**
 * Where a CI dialect's command may begin (../dialectLines.ts reads it with the runtime
 * parsers): GitHub `::name` (not `Foo::Bar`, `[Type]::Member` or `a[::2]`), `##[`,
 * `##teamcity[`, `##vso[`, GitLab `section_start:`/`section_end:` (after `\e[0K`, so no
 * word boundary).
 */
const DIALECT_HEAD = /(?<![\w\]:])::(?=[A-Za-z])|##(?:teamcity|vso)?\[|section_(?:start|end):/g;
const WORD_CHAR = /[\w@$-]/;
/** Clauses after a block's own statements that are blocks of their own. */
const BRANCHES = new Set(['elif_clause', 'else_clause']);

/** What one view yields: offsets are document offsets of the text it was extracted from (`base` = the view's start then). */
interface Piece {
  base: number;
  strings: PrintedString[];
  /** Regions inside the view; `parent` -1 is the file (region 0 of the merged result). */
  regions: Region[];
  opaque: ScanResult['opaque'];
  exits: ScanResult['exits'];
  includesOthers: boolean;
}

/**
 * The markers of a document. Each view's extraction is kept with the view (an edit replaces
 * only the views it touched; the others are shifted), so an edit costs the views it reparsed.
 */
export function extractMarkers(syntax: DocumentSyntax, rules: SyntaxRules): ScanResult {
  const { text, views } = syntax;
  const regions: Region[] = [{ parent: -1, span: { start: 0, end: text.length }, lastStatementEnd: lastStatementEndOf(views), indent: '' }];
  const strings: PrintedString[] = [];
  const opaque: ScanResult['opaque'] = [];
  const exits: ScanResult['exits'] = [];
  let includesOthers = false;
  for (const view of views) {
    let piece = view.cache as Piece | undefined;
    if (!piece) view.cache = piece = extractView(view, text, rules);
    else if (piece.base !== view.start) view.cache = piece = shiftPiece(piece, view.start - piece.base);
    const first = regions.length - 1;
    const region = (local: number) => (local < 0 ? 0 : first + 1 + local);
    for (const r of piece.regions) regions.push({ ...r, parent: region(r.parent) });
    for (const s of piece.strings) strings.push({ ...s, region: region(s.region) });
    for (const o of piece.opaque) opaque.push({ span: o.span, region: region(o.region) });
    for (const e of piece.exits) exits.push({ ...e, region: region(e.region) });
    includesOthers ||= piece.includesOthers;
  }
  strings.sort((a, b) => a.statement.start - b.statement.start);
  return {
    strings,
    regions,
    opaque,
    includesOthers,
    exits,
    syntaxErrors: syntax.hasError,
    insideNonCode: (lineStart) => insideNonCode(views, rules, lineStart),
  };
}

/**
 * Matches of a global pattern that start in [start, end), searched in that slice only (a view
 * begins at a line start and ends after a newline, so `^`, `\b` and look-behinds read the
 * same there as in the whole text). Indices are document offsets.
 */
function* matchesIn(pattern: RegExp, text: string, start: number, end: number): Generator<RegExpExecArray> {
  const re = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g');
  const slice = start === 0 && end === text.length ? text : text.slice(start, end);
  for (let m = re.exec(slice); m; m = re.exec(slice)) {
    m.index += start;
    yield m;
    if (m[0].length === 0) re.lastIndex++;
  }
}

function extractView(view: View, text: string, rules: SyntaxRules): Piece {
  const root = view.handle.tree.rootNode;
  const { start: from, end: to } = view;
  const regions: Region[] = [];
  const regionIds = new Map<string, number>();
  const strings: PrintedString[] = [];
  const opaque: Piece['opaque'] = [];
  const exits: Piece['exits'] = [];
  const seenLiterals = new Set<number>();
  const seenStatements = new Set<number>();

  /** The block holding chain[index] (the innermost block strictly above it); -1 is the file. */
  const regionOf = (chain: Node[], index: number): number => {
    let region = -1;
    for (let k = 1; k < index; k++) {
      const node = chain[k]!;
      if (!rules.blocks.has(node.type)) continue;
      const key = `${node.type}:${node.startIndex}:${node.endIndex}`;
      let id = regionIds.get(key);
      if (id === undefined) {
        regions.push({ parent: region, span: { start: node.startIndex, end: node.endIndex }, lastStatementEnd: lastStatementEnd(node), indent: '' });
        id = regions.length - 1;
        regionIds.set(key, id);
      }
      region = id;
    }
    return region;
  };
  const inComment = (chain: Node[]) => chain.some((n) => n.type === 'comment');
  const inNonCode = (chain: Node[]) => chain.some((n) => rules.nonCode.has(n.type));

  /**
   * The printed string (or literal) holding a marker head at `at`. `word`: a StepFlow
   * keyword, whose START/COMPLETE/ERROR the structural checks must not miss where it is
   * unreadable; null for a CI dialect's command head, which they never count.
   */
  const lookAt = (at: number, word: string | null): void => {
    const chain = chainAt(root, at);
    const stack = word !== null && STACK_KEYWORDS.has(word);
    const comment = chain.find((n) => n.type === 'comment');
    if (comment) {
      // A marker in a comment is no marker. But a comment over several lines may be code
      // commented out — or code an unclosed `/*` swallowed while typing: its steps are unknown.
      if (stack && text.slice(comment.startIndex, comment.endIndex).includes('\n')) opaque.push({ span: span(comment), region: regionOf(chain, chain.indexOf(comment)) });
      return;
    }
    let index = -1;
    for (let k = chain.length - 1; k >= 0; k--) {
      if (rules.literals.has(chain[k]!.type)) {
        index = k;
        break;
      }
    }
    if (index < 0) {
      // Marker text that is no string the script prints: a here-document, or code the
      // grammar reads as something else (`${…}` in PowerShell is a variable name). What it
      // does to the steps is unknown.
      if (stack) opaque.push({ span: { start: at, end: at + word!.length }, region: regionOf(chain, chain.length) });
      return;
    }
    while (index > 0 && (rules.joins.has(chain[index - 1]!.type) || rules.literals.has(chain[index - 1]!.type))) index--;
    const literalNode = chain[index]!;
    if (seenLiterals.has(literalNode.startIndex)) return;
    seenLiterals.add(literalNode.startIndex);
    const print = rules.print(chain, index, text);
    if (print) {
      if (seenStatements.has(print.statement.startIndex)) return;
      seenStatements.add(print.statement.startIndex);
      const statementAt = chain.findIndex((n) => n.startIndex === print.statement.startIndex && n.endIndex === print.statement.endIndex);
      strings.push({
        parts: print.parts,
        content: print.content,
        printed: print.printed,
        statement: span(print.statement),
        region: regionOf(chain, statementAt < 0 ? index : statementAt),
        quote: print.quote,
      });
      return;
    }
    // A CI command that is not printed as a line does nothing at run time: not worth a string.
    const literal = word === null ? null : rules.literal(literalNode, text);
    if (!literal) return;
    strings.push({ ...literal, printed: false, statement: span(literalNode), region: regionOf(chain, index) });
  };
  for (const m of matchesIn(KEYWORD_HEAD, text, from, to)) {
    const word = m[1]!;
    if (isMarkerKeyword(word) || misspeltKeyword(word)) lookAt(m.index, word);
  }
  for (const m of matchesIn(DIALECT_HEAD, text, from, to)) lookAt(m.index, null);

  for (const m of matchesIn(rules.exitPattern, text, from, to)) {
    const chain = chainAt(root, m.index);
    if (inNonCode(chain)) continue;
    const statement = rules.isExit(chain);
    if (!statement) continue;
    const at = chain.indexOf(statement);
    exits.push({ ...span(statement), region: regionOf(chain, at) });
  }

  // Helper names all contain "tep" (step_start, startStep…): find those, then the word around.
  let lastWordStart = -1;
  for (const m of matchesIn(/tep/gi, text, from, to)) {
    let start = m.index;
    while (start > 0 && WORD_CHAR.test(text[start - 1]!)) start--;
    if (start === lastWordStart) continue;
    lastWordStart = start;
    let end = m.index + 3;
    while (end < text.length && WORD_CHAR.test(text[end]!)) end++;
    const word = text.slice(start, end);
    if (!HELPER_CALL.test(word.replace(/^[@$]/, ''))) continue;
    const chain = chainAt(root, start);
    if (inNonCode(chain) || !rules.isCall(chain, text, end)) continue;
    opaque.push({ span: { start, end }, region: regionOf(chain, chain.length) });
  }

  let includesOthers = false;
  for (const m of matchesIn(rules.includes, text, from, to)) {
    if (inComment(chainAt(root, m.index + m[0].length - m[0].trimStart().length))) continue;
    includesOthers = true;
    break;
  }
  return { base: from, strings, regions, opaque, exits, includesOthers };
}

/** A view's extraction moved by `delta` (the view moved with an edit before it). */
function shiftPiece(piece: Piece, delta: number): Piece {
  const at = (s: Span): Span => ({ start: s.start + delta, end: s.end + delta });
  return {
    base: piece.base + delta,
    strings: piece.strings.map((s) => ({
      ...s,
      parts: s.parts.map((p) => shiftPart(p, delta)),
      content: at(s.content),
      statement: at(s.statement),
    })),
    regions: piece.regions.map((r) => ({ ...r, span: at(r.span), lastStatementEnd: r.lastStatementEnd + delta })),
    opaque: piece.opaque.map((o) => ({ span: at(o.span), region: o.region })),
    exits: piece.exits.map((e) => ({ ...at(e), region: e.region })),
    includesOthers: piece.includesOthers,
  };
}

/** End of the file's last statement: the last view with one. */
function lastStatementEndOf(views: readonly View[]): number {
  for (let k = views.length - 1; k >= 0; k--) {
    const view = views[k]!;
    const end = lastStatementEndIn(view.handle.tree.rootNode, view.start, view.end);
    if (end >= 0) return end;
  }
  return views[0]?.handle.tree.rootNode.startIndex ?? 0;
}

function span(node: Node): Span {
  return { start: node.startIndex, end: node.endIndex };
}

/**
 * The nodes from the root down to the deepest one holding `offset`. Top down with
 * `childWithDescendant` (one call per level): `parent` would rescan the root's children
 * on every step up.
 */
function chainAt(root: Node, offset: number): Node[] {
  const deepest = root.descendantForIndex(offset);
  const chain = [root];
  if (!deepest) return chain;
  for (let node = root; node.id !== deepest.id; ) {
    const child = node.childWithDescendant(deepest);
    if (!child || child.id === node.id) break;
    chain.push(child);
    node = child;
  }
  return chain;
}

/** A statement of a block: not a comment, nor an elif/else clause (a shell `if` holds its then-branch and, after it, those clauses, blocks of their own). */
function isStatement(node: Node): boolean {
  return !BRANCHES.has(node.type) && node.type !== 'comment' && !node.isExtra;
}

/** End of a block's last statement (comments after it do not count). */
function lastStatementEnd(block: Node): number {
  for (let child = block.lastNamedChild; child; child = child.previousNamedSibling) {
    if (isStatement(child)) return child.endIndex;
  }
  return block.startIndex;
}

/** The same for the part [from, to) of a view (PowerShell's `statement_list` looked through); -1 when it has none. */
function lastStatementEndIn(list: Node, from: number, to: number): number {
  if (to <= from) return -1;
  let child = list.firstChildForIndex(to - 1) ?? list.lastNamedChild;
  if (child && !child.isNamed) child = child.previousNamedSibling;
  for (; child && child.endIndex > from; child = child.previousNamedSibling) {
    if (child.startIndex >= to || !isStatement(child)) continue;
    return child.type === 'statement_list' ? Math.min(child.endIndex, lastStatementEndIn(child, from, to)) : child.endIndex;
  }
  return -1;
}

/** A comment, string or here-document that began before `lineStart` continues over it. */
function insideNonCode(views: readonly View[], rules: SyntaxRules, lineStart: number): boolean {
  let lo = 0;
  let hi = views.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (views[mid]!.start <= lineStart) lo = mid;
    else hi = mid - 1;
  }
  const handle = views[lo]?.handle;
  if (!handle?.alive) return false;
  let node: Node | null = handle.tree.rootNode.descendantForIndex(lineStart);
  for (let depth = 0; node && depth < 8; depth++, node = node.parent) {
    if (!rules.nonCode.has(node.type) && !rules.literals.has(node.type)) continue;
    const bodyStart = node.type === 'heredoc_body' ? node.startIndex - 1 : node.startIndex;
    if (bodyStart < lineStart && node.endIndex > lineStart) return true;
  }
  return false;
}
