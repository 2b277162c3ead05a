// The syntax of each open document, kept as a row of independently parsed pieces so that an
// edit reparses only the piece it touched.
//
// Why pieces: tree-sitter's own incremental reparse (`tree.edit` + `parse(text, oldTree)`)
// reuses almost nothing with our grammars. Their statement lists are "fragile" subtrees
// (parsed under a GLR conflict), which tree-sitter never reuses, so an edit anywhere
// re-lexes and re-reduces nearly the whole file: reparsing 5,000 unchanged lines of bash
// cost 34 ms of CPU against 57 ms for a fresh parse (docs/performance.md).
//
// A piece (`View`) is a range of whole top-level statements, starting at the beginning of a
// line, read from a tree. Right after a full parse all pieces are views of that one tree; an
// edit reparses only the range of the pieces it touches, on its own (`includedRanges`, so
// node offsets stay document offsets), and shifts the trees after it (`tree.edit`). The
// row of pieces must read exactly as one parse of the whole text would. That holds when each
// boundary between pieces is one the whole parse would also have (no statement across it)
// and the reparsed range does not end in a syntax error that could run on past its end (an
// unclosed quote or block). So after a reparse:
//   - a range with a syntax error means the whole text is parsed again (the error may run on
//     past the range, and error recovery may also change how statements before it read);
//   - each boundary of the new range whose neighbouring statements the edit touched is
//     checked by parsing the statement before it together with the statement after it
//     (JavaScript's `a` + `(b)` is one call, not two statements): where they read
//     differently, the neighbouring piece joins the range and it is parsed again. A boundary
//     between two untouched statements holds as it did before the edit.
// The edit is recovered from the old and the new text (common prefix and suffix) rather than
// from the LSP's change events, which `TextDocuments` merges before the server sees them.
import type { Edit, Language, Node, Point, Tree } from '@vscode/tree-sitter-wasm';
import { Parser } from '@vscode/tree-sitter-wasm';

/** A parsed tree and whether it is still alive (trees live in WASM memory and are freed by hand). */
export interface TreeHandle {
  tree: Tree;
  alive: boolean;
  /** Views reading this tree. */
  refs: number;
}

/** Whole top-level statements [start, end) of a document, as read by one tree. */
export interface View {
  handle: TreeHandle;
  start: number;
  end: number;
  /** Whatever a consumer computed from this view (the marker extraction), kept while the view lives. */
  cache?: unknown;
}

/** The syntax of one document: views covering [0, text.length) in order, without gaps. */
export interface DocumentSyntax {
  text: string;
  views: readonly View[];
  /** Some tree has ERROR or MISSING nodes. */
  hasError: boolean;
}

interface Entry {
  language: Language;
  text: string;
  views: View[];
}

/** Documents kept at most (in-process callers may analyse many throw-away URIs). */
const MAX_DOCUMENTS = 64;
/** Size a view aims at when a tree is cut into views (`viewChars`): reparsing one costs ~1–3 ms. Tests make it small. */
export const tuning = { viewChars: 4096 };

export class DocumentTrees {
  private readonly entries = new Map<string, Entry>();
  private readonly parsers = new Map<Language, Parser>();

  /** The syntax of `text` for `uri`, reparsing only what changed since the previous text of the same document. */
  parse(uri: string, text: string, language: Language): DocumentSyntax {
    const previous = this.entries.get(uri);
    let views: View[];
    if (previous && previous.language === language && previous.text === text) {
      views = previous.views;
    } else if (previous && previous.language === language) {
      views = this.reparse(previous, text, language);
    } else {
      if (previous) this.release(previous.views);
      views = this.split(this.parseRange(text, 0, text.length, language), text, 0, text.length);
    }
    const entry = { language, text, views };
    this.touch(uri, entry);
    return { text, views, hasError: views.some((v) => v.handle.tree.rootNode.hasError) };
  }

  /** Frees the trees of a closed document. */
  forget(uri: string): void {
    const entry = this.entries.get(uri);
    if (!entry) return;
    this.release(entry.views);
    this.entries.delete(uri);
  }

  private reparse(previous: Entry, text: string, language: Language): View[] {
    const old = previous.views;
    const edit = editBetween(previous.text, text);
    const delta = edit.newEndIndex - edit.oldEndIndex;
    // Views touching the edited span, ends included: an edit at a boundary may join two lines.
    let first = old.findIndex((v) => v.end >= edit.startIndex);
    if (first < 0) first = old.length - 1;
    let last = first;
    while (last + 1 < old.length && old[last + 1]!.start <= edit.oldEndIndex) last++;
    // Trees keep document offsets: shift the ones read after the edit (every tree is edited
    // once, whichever views read it; trees only before the edit are left alone).
    const edited = new Set<TreeHandle>();
    for (let k = first; k < old.length; k++) {
      const handle = old[k]!.handle;
      if (edited.has(handle)) continue;
      edited.add(handle);
      handle.tree.edit(edit);
    }
    const shifted = (k: number): View => {
      const v = old[k]!;
      return k > last && delta !== 0 ? { handle: v.handle, start: v.start + delta, end: v.end + delta, cache: v.cache } : v;
    };
    let start = old[first]!.start;
    let end = old[last]!.end + delta;
    for (;;) {
      // No old tree: tree-sitter's reuse saves little here, and its error recovery after an
      // incremental parse may read a broken script differently from a fresh parse.
      const handle = this.parseRange(text, start, end, language);
      const broken = handle.tree.rootNode.hasError;
      if (broken && (start > 0 || end < text.length)) {
        // The error may run on past the range's end (an unclosed quote or block), and
        // tree-sitter's error recovery may also read statements before it differently: read
        // the whole text. A tree with an error stays one view until the error is gone.
        this.free(handle);
        first = 0;
        last = old.length - 1;
        start = 0;
        end = text.length;
        continue;
      }
      if (first > 0 && !this.boundaryHolds(text, language, shifted(first - 1), handle, start, 'left', edit)) {
        this.free(handle);
        first--;
        start = old[first]!.start;
        continue;
      }
      if (last < old.length - 1 && !this.boundaryHolds(text, language, shifted(last + 1), handle, end, 'right', edit)) {
        this.free(handle);
        last++;
        end = old[last]!.end + delta;
        continue;
      }
      const fresh = this.split(handle, text, start, end);
      const removed = old.slice(first, last + 1);
      const views = [...old.slice(0, first), ...fresh];
      for (let k = last + 1; k < old.length; k++) views.push(shifted(k));
      this.release(removed);
      return views;
    }
  }

  /**
   * Whether the boundary at `at` between the new range (read by `handle`) and its neighbour
   * is one a parse of the whole text would have: the last statement before it and the first
   * after it, parsed together, still end and begin there without an error. Where the edit
   * changed neither statement (nor the start of the line before), the boundary holds as it
   * did before the edit: parsing them again would read the same text.
   */
  private boundaryHolds(text: string, language: Language, neighbour: View, handle: TreeHandle, at: number, side: 'left' | 'right', edit: Edit): boolean {
    const lastBefore = lastCodeBefore(side === 'left' ? neighbour.handle : handle, at);
    const firstAfter = firstCodeFrom(side === 'left' ? handle : neighbour.handle, at);
    // Only comments on a side (within its range): the statements are further away; join the neighbour.
    if (!lastBefore || !firstAfter || lastBefore.startIndex < (side === 'left' ? neighbour.start : 0) || firstAfter.startIndex >= (side === 'left' ? text.length : neighbour.end)) return false;
    const from = lineStartOf(text, lastBefore.startIndex);
    if (firstAfter.endIndex <= edit.startIndex || from >= edit.newEndIndex) return true;
    const window = this.parseRange(text, from, firstAfter.endIndex, language);
    try {
      return !window.tree.rootNode.hasError && itemsOf(window, 0, text.length).every((n) => n.endIndex <= at || n.startIndex >= at);
    } finally {
      this.free(window);
    }
  }

  /** Cuts a fresh tree of [start, end) into views of about `tuning.viewChars` at top-level statements that begin a line. */
  private split(handle: TreeHandle, text: string, start: number, end: number): View[] {
    const views: View[] = [];
    let from = start;
    if (!handle.tree.rootNode.hasError && end - start > 2 * tuning.viewChars) {
      let previousEnd = -1;
      for (const item of itemsOf(handle, start, end)) {
        const at = item.startIndex;
        if (at - from >= tuning.viewChars && previousEnd >= 0 && previousEnd < at && text.charCodeAt(at - 1) === 10 && end - at >= tuning.viewChars / 2) {
          views.push({ handle, start: from, end: at });
          from = at;
        }
        previousEnd = Math.max(previousEnd, item.endIndex);
      }
    }
    views.push({ handle, start: from, end });
    handle.refs = views.length;
    return views;
  }

  private parseRange(text: string, start: number, end: number, language: Language): TreeHandle {
    const parser = this.parser(language);
    const whole = start === 0 && end === text.length;
    const tree = whole
      ? parser.parse(text)
      : parser.parse(text, null, { includedRanges: [{ startIndex: start, endIndex: end, startPosition: pointAt(text, start), endPosition: pointAt(text, end) }] });
    if (!tree) throw new Error('tree-sitter returned no tree');
    return { tree, alive: true, refs: 0 };
  }

  private release(views: readonly View[]): void {
    for (const v of views) if (--v.handle.refs <= 0) this.free(v.handle);
  }

  private touch(uri: string, entry: Entry): void {
    this.entries.delete(uri);
    this.entries.set(uri, entry);
    if (this.entries.size > MAX_DOCUMENTS) this.forget(this.entries.keys().next().value!);
  }

  private free(handle: TreeHandle): void {
    if (!handle.alive) return;
    handle.alive = false;
    handle.tree.delete();
  }

  private parser(language: Language): Parser {
    let parser = this.parsers.get(language);
    if (!parser) {
      parser = new Parser();
      parser.setLanguage(language);
      this.parsers.set(language, parser);
    }
    return parser;
  }
}

/**
 * The top-level statements (and comments) of a tree within [start, end). PowerShell wraps
 * them in a `statement_list`, which is looked through.
 */
export function itemsOf(handle: TreeHandle, start: number, end: number): Node[] {
  const out: Node[] = [];
  for (const child of handle.tree.rootNode.children) {
    if (!child) continue;
    if (child.endIndex <= start && child.startIndex < start) continue;
    if (child.startIndex >= end) break;
    if (child.type === 'statement_list') {
      for (const inner of child.children) if (inner && inner.startIndex >= start && inner.startIndex < end) out.push(inner);
    } else out.push(child);
  }
  return out;
}

/** The first top-level statement (not a comment) of `list` that ends after `at`; PowerShell's `statement_list` is looked through. */
function firstCodeFrom(handle: TreeHandle, at: number, list: Node = handle.tree.rootNode): Node | null {
  let node = list.firstChildForIndex(at);
  while (node && node.isExtra) node = node.nextSibling;
  return node?.type === 'statement_list' ? firstCodeFrom(handle, at, node) : node;
}

/** The last top-level statement (not a comment) of `list` that begins before `at`. */
function lastCodeBefore(handle: TreeHandle, at: number, list: Node = handle.tree.rootNode): Node | null {
  const next = list.firstChildForIndex(at);
  let node = next && next.startIndex < at ? next : next ? next.previousSibling : list.lastChild;
  while (node && (node.isExtra || node.startIndex >= at)) node = node.previousSibling;
  return node?.type === 'statement_list' ? lastCodeBefore(handle, at, node) : node;
}

function lineStartOf(text: string, index: number): number {
  return text.lastIndexOf('\n', index - 1) + 1;
}

/** The single edit turning `before` into `after`: the span between their common prefix and suffix. */
export function editBetween(before: string, after: string): Edit {
  const max = Math.min(before.length, after.length);
  // Whole blocks first (native string comparison), then characters: ~20× faster than
  // characters alone on 200 KB.
  let start = 0;
  while (start + BLOCK <= max && before.substr(start, BLOCK) === after.substr(start, BLOCK)) start += BLOCK;
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let tail = 0;
  while (tail + BLOCK <= max - start && before.substr(before.length - tail - BLOCK, BLOCK) === after.substr(after.length - tail - BLOCK, BLOCK)) tail += BLOCK;
  while (tail < max - start && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  const oldEnd = before.length - tail;
  const newEnd = after.length - tail;
  const startPosition = pointAt(before, start);
  return {
    startIndex: start,
    oldEndIndex: oldEnd,
    newEndIndex: newEnd,
    startPosition,
    oldEndPosition: pointAfter(before, start, oldEnd, startPosition),
    newEndPosition: pointAfter(after, start, newEnd, startPosition),
  };
}

const BLOCK = 1024;

function pointAt(text: string, index: number): Point {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: index - lineStart };
}

/** The point of `index` in `text`, counting on from `from` (at point `at`). */
function pointAfter(text: string, from: number, index: number, at: Point): Point {
  let { row, column } = at;
  let lineStart = from - column;
  for (let i = text.indexOf('\n', from); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  column = index - lineStart;
  return { row, column };
}
