// From a scan to markers, step events and the step outline of a script. The structural
// checks (balance, duplicates) only speak where the order of events is certain: straight-
// line code in one block, with every nested block either free of steps or balanced.
import type { CiDialectId, DialectSwitches } from '../../markers/dialects/registry';
import { dialectStepLines, nameSpan } from './dialectLines';
import { isMarkerKeyword, misspeltKeyword, type MarkerKeyword } from './keywords';
import { languageOf, type LanguageProfile, type PrintStyle } from './languages';
import { offsetAt, textFrom } from './parts';
import { DocumentTrees } from './syntax/documentTrees';
import { extractMarkers } from './syntax/extract';
import { grammar, loadGrammar } from './syntax/grammars';
import type { Part, PrintedString, Region, ScanResult, Span } from './types';

/** The syntax trees of the documents analysed, reparsed incrementally on each edit. */
const trees = new DocumentTrees();

/** Frees the syntax tree of a document that was closed. */
export function forgetDocument(uri: string): void {
  trees.forget(uri);
}

/** A marker (or a misspelt one) at the start of a printed string. */
export interface MarkerOccurrence {
  source: PrintedString;
  /** The keyword as written. */
  keyword: string;
  /** The keyword it is (null when misspelt). */
  known: MarkerKeyword | null;
  /** The keyword it was probably meant to be. */
  misspeltOf: MarkerKeyword | null;
  keywordSpan: Span;
  /** Text after `KEYWORD:`, trimmed as the parser trims it; null when it has dynamic parts. */
  value: string | null;
  /** Source span of the (trimmed) value; empty right after the ':' when there is none. */
  valueSpan: Span;
  /** The source text of valueSpan is exactly `value` (no escapes): safe to rewrite in place. */
  valueVerbatim: boolean;
  /** Printed as one whole line by a statement of its own. */
  printed: boolean;
  /** The parts after `KEYWORD:`, untrimmed. */
  valueParts: Part[];
  /** A CI dialect's command line (`::group::…`), not a StepFlow marker: `keyword` is the dialect. */
  dialect?: CiDialectId;
}

/**
 * `key`: a CI dialect's step, matched by the name its dialect gave it (placeholders for
 * dynamic parts included: `::endgroup::` closes `::group::$x`); `shown` is a dynamic name as
 * the outline shows it.
 */
export type StepEvent =
  | { kind: 'start'; name: string | null; at: number; region: number; marker: MarkerOccurrence; key?: string; shown?: string }
  | { kind: 'complete'; name: string | null; at: number; region: number; marker: MarkerOccurrence; key?: string }
  | { kind: 'error'; at: number; region: number; marker: MarkerOccurrence }
  | { kind: 'unknown'; at: number; region: number };

/** A step in the outline: a START and, when found, the marker that ends it. */
export interface StepNode {
  name: string;
  /** False when the name has dynamic parts (`$name`, `{x}`): `name` is then the source text. */
  static: boolean;
  start: MarkerOccurrence;
  end: MarkerOccurrence | null;
  /** From the START statement to the end of the closing statement (or block / file). */
  span: Span;
  children: StepNode[];
  parent: StepNode | null;
  /** A CI dialect's group/block/section: the name its dialect matches its end by. */
  key?: string;
}

export type RegionEffect = 'neutral' | 'balanced' | 'uncertain';

export interface Analysis {
  language: LanguageProfile;
  text: string;
  scan: ScanResult;
  markers: MarkerOccurrence[];
  /** StepFlow's step events (the structural checks read these; CI dialect lines only shape the outline). */
  events: StepEvent[];
  /** StepFlow steps and the switched-on CI dialects' groups, blocks and sections, nested as a run nests them. */
  steps: StepNode[];
  style: PrintStyle;
  /** Per region: whether it can change the steps open around it. */
  effects: RegionEffect[];
  /** Per region: every event and nested block in it has a known effect. */
  certain: boolean[];
  /** The CI dialects switched off for this document (stepflow.json, settings): neither read nor offered. */
  dialects: DialectSwitches;
}

const MARKER_HEAD = /^\s*([A-Za-z][A-Za-z_-]*):/;
const STACK_TEXT = /STEP_(START|COMPLETE|ERROR):/;

/** Loads the grammar a document needs (if any), so that `analyze` can read it. */
export async function prepareGrammar(text: string, languageId: string, uri: string): Promise<void> {
  const language = languageOf(languageId, uri, text.slice(0, Math.max(0, text.indexOf('\n'))));
  if (language) await loadGrammar(language.rules.grammar);
}

/**
 * The markers, events and steps of a script. Null for a language without a grammar, and
 * until its grammar is loaded (`prepareGrammar`).
 */
export function analyze(text: string, languageId: string, uri: string, dialects: DialectSwitches = {}): Analysis | null {
  const firstLine = text.slice(0, Math.max(0, text.indexOf('\n')));
  const language = languageOf(languageId, uri, firstLine);
  const loaded = language ? grammar(language.rules.grammar) : null;
  if (!language || !loaded) return null;
  const scan = extractMarkers(trees.parse(uri, text, loaded), language.rules);
  const markers: MarkerOccurrence[] = [];
  const events: StepEvent[] = [];
  for (const source of scan.strings) {
    const marker = occurrence(source, text);
    if (marker) markers.push(marker);
    const event = marker ? eventOf(marker) : null;
    if (event) events.push(event);
    else if (!marker?.printed && containsStackMarker(source)) events.push({ kind: 'unknown', at: source.statement.start, region: source.region });
  }
  for (const o of scan.opaque) events.push({ kind: 'unknown', at: o.span.start, region: o.region });
  events.sort((a, b) => a.at - b.at);
  markers.sort((a, b) => a.keywordSpan.start - b.keywordSpan.start);
  const { effects, certain } = regionEffects(scan.regions, events);
  return {
    language,
    text,
    scan,
    markers,
    events,
    steps: outline([...events, ...dialectEvents(scan, text, dialects)].sort((a, b) => a.at - b.at), scan.regions, text),
    style: printStyle(text, scan),
    effects,
    certain,
    dialects,
  };
}

/** The CI dialects' step lines as outline events. */
function dialectEvents(scan: ScanResult, text: string, switches: DialectSwitches): StepEvent[] {
  return dialectStepLines(scan.strings, text, switches).map((step) => {
    const { source } = step;
    const marker: MarkerOccurrence = {
      source,
      keyword: step.dialect,
      known: null,
      misspeltOf: null,
      keywordSpan: source.content,
      value: step.static ? step.name : null,
      valueSpan: nameSpan(step, text),
      valueVerbatim: false,
      printed: true,
      valueParts: [],
      dialect: step.dialect,
    };
    const at = source.statement.start;
    const name = step.static ? step.name : null;
    return step.kind === 'start'
      ? { kind: 'start', name, at, region: source.region, marker, key: step.key, shown: step.name }
      : { kind: 'complete', name, at, region: source.region, marker, key: step.key };
  });
}

function containsStackMarker(source: PrintedString): boolean {
  return source.parts.some((p) => p.kind === 'text' && STACK_TEXT.test(p.text));
}

function occurrence(source: PrintedString, text: string): MarkerOccurrence | null {
  const first = source.parts[0];
  if (first?.kind !== 'text') return null;
  const m = MARKER_HEAD.exec(first.text);
  if (!m) return null;
  const word = m[1]!;
  const known = isMarkerKeyword(word) ? word : null;
  const misspeltOf = known ? null : misspeltKeyword(word);
  if (!known && !misspeltOf) return null;
  const keywordIndex = m[0].length - word.length - 1;
  const keywordSpan = { start: offsetAt(first, keywordIndex)!, end: offsetAt(first, keywordIndex + word.length - 1)! + 1 };
  const afterColon = offsetAt(first, m[0].length - 1)! + 1;

  // The value: the rest of the first text part, then the other parts.
  const rest: Part[] = [textFrom(first, m[0].length), ...source.parts.slice(1)];
  let printed = source.printed;
  let value: string | null = '';
  for (const part of rest) {
    if (part.kind === 'dynamic') value = null;
    else if (value !== null) value += part.text;
  }
  if (value !== null) {
    // A trailing newline is the line's end (process.stdout.write, perl print); any other
    // newline makes it several lines, which this is not a marker of.
    const stripped = value.replace(/\r?\n$/, '');
    if (stripped.includes('\n')) printed = false;
    value = stripped;
  }
  const span = valueSpan(rest, afterColon, text);
  const verbatim = value !== null && text.slice(span.start, span.end) === value.trim();
  return {
    source,
    keyword: word,
    known,
    misspeltOf,
    keywordSpan,
    value: value === null ? null : value.trim(),
    valueSpan: span,
    valueVerbatim: verbatim,
    printed,
    valueParts: rest,
  };
}

/** Source span of the value without surrounding whitespace (or trailing newline escapes). */
function valueSpan(parts: PrintedString['parts'], afterColon: number, text: string): Span {
  // The first thing that is not whitespace (a character or a dynamic part) starts it, the last one ends it.
  let start = -1;
  for (const part of parts) {
    if (part.kind === 'dynamic') {
      start = part.span.start;
      break;
    }
    const i = firstNonSpace(part.text);
    if (i >= 0) {
      start = offsetAt(part, i)!;
      break;
    }
  }
  if (start < 0) return { start: afterColon, end: afterColon };
  let end = afterColon;
  for (let k = parts.length - 1; k >= 0; k--) {
    const part = parts[k]!;
    if (part.kind === 'dynamic') {
      end = part.span.end;
      break;
    }
    const i = lastNonSpace(part.text);
    if (i < 0) continue;
    const at = offsetAt(part, i)!;
    // An escape (\x41, `n) spans several source characters.
    const escaped = text[at] === '\\' || text[at] === '`';
    end = escaped ? (offsetAt(part, i + 1) ?? part.end) : at + 1;
    break;
  }
  return { start, end };
}

const SPACE = /\s/;
function firstNonSpace(s: string): number {
  for (let i = 0; i < s.length; i++) if (!SPACE.test(s[i]!)) return i;
  return -1;
}
function lastNonSpace(s: string): number {
  for (let i = s.length - 1; i >= 0; i--) if (!SPACE.test(s[i]!)) return i;
  return -1;
}

/**
 * The step event of a marker. A misspelt START/COMPLETE/ERROR (`STEP_STRAT:Build`) counts as
 * the marker it was meant to be: the typo itself is reported (with its quick fix), and the
 * balance checks of every other step keep working instead of falling silent for the whole
 * file; once the typo is fixed, the structure is the one already checked.
 */
function eventOf(marker: MarkerOccurrence): StepEvent | null {
  const at = marker.source.statement.start;
  const region = marker.source.region;
  const keyword = marker.known ?? marker.misspeltOf;
  if (!keyword) return null;
  if (!marker.printed) {
    return keyword === 'STEP_START' || keyword === 'STEP_COMPLETE' || keyword === 'STEP_ERROR' ? { kind: 'unknown', at, region } : null;
  }
  switch (keyword) {
    case 'STEP_START':
      // `STEP_START:` with no name is no marker at runtime.
      return marker.value === '' ? null : { kind: 'start', name: marker.value, at, region, marker };
    case 'STEP_COMPLETE':
      return { kind: 'complete', name: marker.value, at, region, marker };
    case 'STEP_ERROR':
      return { kind: 'error', at, region, marker };
    default:
      return null;
  }
}

/** What each region can do to the steps open around it. */
function regionEffects(regions: Region[], events: StepEvent[]): { effects: RegionEffect[]; certain: boolean[] } {
  const direct: StepEvent[][] = regions.map(() => []);
  for (const e of events) direct[e.region]!.push(e);
  const children: number[][] = regions.map(() => []);
  regions.forEach((r, i) => {
    if (r.parent >= 0) children[r.parent]!.push(i);
  });
  const effects: RegionEffect[] = new Array(regions.length).fill('neutral');
  const certain: boolean[] = new Array(regions.length).fill(true);
  // Children always come after their parent in the list: walk backwards.
  for (let r = regions.length - 1; r >= 0; r--) {
    let sure = children[r]!.every((c) => effects[c] !== 'uncertain');
    let any = children[r]!.some((c) => effects[c] !== 'neutral');
    let depth = 0;
    let underflow = false;
    const stack: string[] = [];
    for (const e of direct[r]!) {
      any = true;
      if (e.kind === 'unknown' || ((e.kind === 'start' || e.kind === 'complete') && e.name === null)) {
        sure = false;
        continue;
      }
      if (e.kind === 'start') {
        stack.push(e.name!);
        depth++;
      } else if (e.kind === 'complete' && e.name !== '') {
        const index = stack.lastIndexOf(e.name!);
        if (index < 0) underflow = true;
        else stack.length = index;
      } else if (stack.length === 0) underflow = true;
      else stack.pop();
    }
    certain[r] = sure;
    effects[r] = !any ? 'neutral' : sure && !underflow && stack.length === 0 ? 'balanced' : 'uncertain';
  }
  return { effects, certain };
}

/** Best-effort step tree for the outline, hover paths and rename. */
function outline(events: StepEvent[], regions: Region[], text: string): StepNode[] {
  const roots: StepNode[] = [];
  const open: Array<{ node: StepNode; region: number }> = [];
  const isWithin = (inner: number, outer: number) => {
    for (let r = inner; r >= 0; r = regions[r]!.parent) if (r === outer) return true;
    return false;
  };
  const closeTo = (count: number, end: number) => {
    while (open.length > count) {
      const { node } = open.pop()!;
      node.span.end = Math.max(node.span.end, end, ...node.children.map((c) => c.span.end));
    }
  };
  for (const e of events) {
    // Steps opened in a block that has ended close with it.
    while (open.length > 0 && !isWithin(e.region, open[open.length - 1]!.region)) {
      const { region } = open[open.length - 1]!;
      closeTo(open.length - 1, regions[region]!.lastStatementEnd);
    }
    if (e.kind === 'unknown') continue;
    if (e.kind === 'start') {
      const marker = e.marker;
      const name = e.name ?? e.shown ?? text.slice(marker.valueSpan.start, marker.valueSpan.end);
      if (name === '') continue;
      const parent = open[open.length - 1]?.node ?? null;
      const node: StepNode = { name, static: e.name !== null, start: marker, end: null, span: { ...marker.source.statement }, children: [], parent };
      if (e.key !== undefined) node.key = e.key;
      (parent ? parent.children : roots).push(node);
      open.push({ node, region: e.region });
      continue;
    }
    let index = open.length - 1;
    if (e.kind === 'complete' && e.key !== undefined) {
      // A dialect's end closes the step its own start opened (and what is open inside it).
      index = -1;
      for (let k = open.length - 1; k >= 0; k--) if (open[k]!.node.key === e.key) {
        index = k;
        break;
      }
    } else if (e.kind === 'complete' && e.name) {
      index = -1;
      for (let k = open.length - 1; k >= 0; k--) if (open[k]!.node.static && open[k]!.node.name === e.name) {
        index = k;
        break;
      }
    }
    if (index < 0) continue;
    open[index]!.node.end = e.marker;
    closeTo(index, e.marker.source.statement.end);
  }
  closeTo(0, text.length);
  return roots;
}

/** Quote and semicolon habits of the document's existing prints. */
function printStyle(text: string, scan: ScanResult): PrintStyle {
  const printed = scan.strings.filter((s) => s.printed);
  const single = printed.filter((s) => s.quote === "'").length;
  const double = printed.filter((s) => s.quote === '"').length;
  const withSemicolon = printed.filter((s) => text[s.statement.end] === ';').length;
  return { quote: single > double ? "'" : '"', semicolon: printed.length === 0 || withSemicolon * 2 >= printed.length };
}

/** Names from the root step down to this one, or null when a name is dynamic. */
export function stepPath(node: StepNode): string[] | null {
  const names: string[] = [];
  for (let n: StepNode | null = node; n; n = n.parent) {
    if (!n.static) return null;
    names.unshift(n.name);
  }
  return names;
}

export function allSteps(roots: StepNode[]): StepNode[] {
  const out: StepNode[] = [];
  const visit = (nodes: StepNode[]) => {
    for (const n of nodes) {
      out.push(n);
      visit(n.children);
    }
  };
  visit(roots);
  return out;
}

/**
 * The source span of characters [from, to) of a marker's trimmed value, or null when they
 * are not all literal text (they reach into a dynamic part).
 */
export function valueCharSpan(marker: MarkerOccurrence, from: number, to: number, text: string): Span | null {
  const offsets: number[] = [];
  let chars = '';
  let lastEnd = 0;
  for (const part of marker.valueParts) {
    if (part.kind === 'dynamic') break;
    chars += part.text;
    offsets.push(...part.offsets);
    lastEnd = part.end;
  }
  const lead = chars.length - chars.trimStart().length;
  const a = from + lead;
  const b = to + lead;
  if (b > chars.length || a > b) return null;
  if (a === b) return { start: offsets[a] ?? lastEnd, end: offsets[a] ?? lastEnd };
  const at = offsets[b - 1]!;
  const escaped = text[at] === '\\' || text[at] === '`';
  return { start: offsets[a]!, end: escaped ? (offsets[b] ?? lastEnd) : at + 1 };
}

/** The literal text of a marker's value up to its first dynamic part, trimmed at the start. */
export function staticHead(marker: MarkerOccurrence): string {
  let head = '';
  for (const part of marker.valueParts) {
    if (part.kind === 'dynamic') break;
    head += part.text;
  }
  return head.trimStart();
}
