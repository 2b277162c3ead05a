// Problems in a script's markers, found before it runs. Conservative by design: a check
// only speaks when the marker text is literal and, for START/COMPLETE balance, when the
// order of events is certain (see analysis.ts). Silence is always the fallback.
import { parseStepflowLine } from '../../markers/stepflowDialect';
import { staticHead, valueCharSpan, type Analysis, type MarkerOccurrence, type StepEvent } from './analysis';
import { META_KEYS, misspeltMetaKey } from './keywords';
import type { Span } from './types';

export type ProblemCode =
  | 'misspelt-keyword'
  | 'empty-step-name'
  | 'artifact-without-path'
  | 'meta-malformed'
  | 'meta-key-misspelt'
  | 'meta-key-free'
  | 'meta-value'
  | 'start-without-complete'
  | 'complete-without-start'
  | 'complete-not-open'
  | 'duplicate-step';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface Problem {
  code: ProblemCode;
  severity: Severity;
  span: Span;
  message: string;
  /** What a quick fix needs: the replacement text, or the step name. */
  data?: { replacement?: string; step?: string };
}

export function markerProblems(a: Analysis): Problem[] {
  const problems: Problem[] = [];
  for (const marker of a.markers) checkMarker(a, marker, problems);
  if (a.language.structural) checkStructure(a, problems);
  problems.sort((x, y) => x.span.start - y.span.start);
  return problems;
}

function checkMarker(a: Analysis, m: MarkerOccurrence, out: Problem[]): void {
  if (m.misspeltOf) {
    out.push({
      code: 'misspelt-keyword',
      severity: 'warning',
      span: m.keywordSpan,
      message: `"${m.keyword}" is not a StepFlow marker — did you mean ${m.misspeltOf}? As written, the line is ignored.`,
      data: { replacement: m.misspeltOf },
    });
    return;
  }
  if (!m.printed) return;
  const whole = { start: m.keywordSpan.start, end: Math.max(m.valueSpan.end, m.keywordSpan.end + 1) };
  switch (m.known) {
    case 'STEP_START':
      if (m.value === '') {
        out.push({ code: 'empty-step-name', severity: 'error', span: whole, message: 'STEP_START needs a step name (STEP_START:<name>); without one the line is not a marker.' });
      }
      return;
    case 'ARTIFACT':
      if (m.value !== null && !parseStepflowLine(`ARTIFACT:${m.value}`)) {
        out.push({ code: 'artifact-without-path', severity: 'error', span: whole, message: 'ARTIFACT needs a path: ARTIFACT:<path>[:<description>]. As written, the line is ignored.' });
      }
      return;
    case 'META':
      checkMeta(a, m, whole, out);
      return;
    default:
      return;
  }
}

function checkMeta(a: Analysis, m: MarkerOccurrence, whole: Span, out: Problem[]): void {
  const head = staticHead(m);
  const colon = head.indexOf(':');
  if (m.value !== null && !parseStepflowLine(`META:${m.value}`)) {
    const message =
      colon < 0
        ? 'META needs a key and a value: META:<KEY>:<value>. As written, the line is ignored.'
        : 'META needs a key before the second ":" (META:<KEY>:<value>). As written, the line is ignored.';
    out.push({ code: 'meta-malformed', severity: 'error', span: whole, message });
    return;
  }
  if (colon <= 0) return; // the key has dynamic parts
  const rawKey = head.slice(0, colon);
  const key = rawKey.trim();
  const keySpan = valueCharSpan(m, rawKey.length - rawKey.trimStart().length, rawKey.trimEnd().length, a.text);
  if (!keySpan) return;
  if (!META_KEYS.includes(key)) {
    const meant = misspeltMetaKey(key);
    if (meant) {
      out.push({
        code: 'meta-key-misspelt',
        severity: 'warning',
        span: keySpan,
        message: `Unknown META key "${key}" — did you mean ${meant}? Keys are case-sensitive; as written it is stored as a free key/value.`,
        data: { replacement: meant },
      });
    } else {
      out.push({
        code: 'meta-key-free',
        severity: 'hint',
        span: keySpan,
        message: `META key "${key}" is stored as a free key/value; StepFlow itself reads ${META_KEYS.join(', ')}.`,
      });
    }
    return;
  }
  if (m.value === null) return;
  const value = m.value.slice(m.value.indexOf(':') + 1).trim();
  const number = value === '' ? NaN : Number(value);
  const bad =
    key === 'PROGRESS'
      ? !(number >= 0 && number <= 100) && 'PROGRESS is a number from 0 to 100.'
      : key === 'ESTIMATED_DURATION'
        ? !(number >= 0) && 'ESTIMATED_DURATION is a number of seconds (≥ 0).'
        : false;
  if (bad) {
    const span = valueCharSpan(m, m.value.indexOf(':') + 1, m.value.length, a.text) ?? whole;
    out.push({ code: 'meta-value', severity: 'warning', span: span.start === span.end ? whole : span, message: `${bad} "${value}" will not be used.` });
  }
}

/** The balance and duplicate checks over the regions whose order of events is certain. */
function checkStructure(a: Analysis, out: Problem[]): void {
  const { events, scan, certain } = a;
  // A script that does not parse (yet): the order of its events cannot be trusted anywhere.
  if (scan.syntaxErrors) return;
  const regions = scan.regions;
  const starts = new Set<string>();
  const completes = new Set<string>();
  let dynamicStart = false;
  let dynamicComplete = false;
  let unknown = false;
  for (const e of events) {
    if (e.kind === 'start') e.name === null ? (dynamicStart = true) : starts.add(e.name);
    else if (e.kind === 'complete') e.name === null ? (dynamicComplete = true) : completes.add(e.name);
    else if (e.kind === 'unknown') unknown = true;
  }
  const within = (inner: number, outer: number) => {
    for (let r = inner; r >= 0; r = regions[r]!.parent) if (r === outer) return true;
    return false;
  };
  const lineOf = (offset: number) => a.text.slice(0, offset).split('\n').length;

  // COMPLETE with no START of that name anywhere.
  if (!dynamicStart && !unknown && !scan.includesOthers) {
    for (const e of events) {
      if (e.kind !== 'complete' || !e.name || starts.has(e.name)) continue;
      out.push({
        code: 'complete-without-start',
        severity: 'warning',
        span: e.marker.valueSpan,
        message: `STEP_COMPLETE:${e.name} closes a step that this script never starts (no STEP_START:${e.name}).`,
        data: { step: e.name },
      });
    }
  }

  const direct: StepEvent[][] = regions.map(() => []);
  for (const e of events) direct[e.region]!.push(e);
  regions.forEach((_, r) => {
    if (!certain[r] || direct[r]!.length === 0) return;
    const stack: Array<{ name: string; event: StepEvent }> = [];
    // Names already started under each parent (the parent's START offset, -1 = the block's own level).
    const siblings = new Map<number, Map<string, number>>();
    for (const e of direct[r]!) {
      if (e.kind === 'start') {
        const parent = stack.length ? stack[stack.length - 1]!.event.at : -1;
        const seen = siblings.get(parent) ?? new Map<string, number>();
        siblings.set(parent, seen);
        const earlier = seen.get(e.name!);
        if (earlier !== undefined) {
          out.push({
            code: 'duplicate-step',
            severity: 'warning',
            span: e.marker.valueSpan,
            message: `Another step named "${e.name}" is already started at this level (line ${lineOf(earlier)}): both share one history and statistics. Give them distinct names.`,
            data: { step: e.name! },
          });
        } else seen.set(e.name!, e.at);
        stack.push({ name: e.name!, event: e });
      } else if (e.kind === 'complete' && e.name) {
        const index = stack.map((s) => s.name).lastIndexOf(e.name);
        if (index >= 0) stack.length = index;
        else if (r === 0 && starts.has(e.name)) {
          const later = events.find((x) => x.kind === 'start' && x.name === e.name && x.at > e.at);
          out.push({
            code: 'complete-not-open',
            severity: 'warning',
            span: e.marker.valueSpan,
            message: `STEP_COMPLETE:${e.name} closes a step that is not open here${later ? ` (its STEP_START is further down, on line ${lineOf(later.at)})` : ''}.`,
            data: { step: e.name },
          });
        }
      } else if (e.kind === 'complete' || e.kind === 'error') {
        stack.pop();
      }
    }
    if (stack.length === 0 || dynamicComplete || scan.includesOthers) return;
    // Outside this block, something that closes steps could run after it: stay silent.
    if (r !== 0 && events.some((e) => e.kind !== 'start' && !within(e.region, r))) return;
    // An explicit exit after the START in this block ends the step on purpose.
    const exitsAfter = (at: number) => scan.exits.some((x) => x.region === r && x.start > at);
    for (const { name, event } of stack) {
      if (completes.has(name) || event.kind !== 'start' || exitsAfter(event.at)) continue;
      out.push({
        code: 'start-without-complete',
        severity: 'warning',
        span: event.marker.valueSpan,
        message: `Step "${name}" is started but never completed: add STEP_COMPLETE:${name} (until then it only ends when the script exits).`,
        data: { step: name },
      });
    }
  });
}
