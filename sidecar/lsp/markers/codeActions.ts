// Code actions: wrap the selected lines in a step, add a missing STEP_COMPLETE, and fix a
// misspelt keyword or META key. Edits are computed on the analysis' text (offsets), then
// turned into LSP ranges by the caller's document.
import type { Analysis, StepEvent } from './analysis';
import { allSteps } from './analysis';
import type { Span } from './types';

export interface TextEditAt {
  span: Span;
  newText: string;
}

const lineStartOf = (text: string, offset: number) => text.lastIndexOf('\n', offset - 1) + 1;
const lineEndOf = (text: string, offset: number) => {
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl;
};
const indentOf = (text: string, offset: number) => /^[ \t]*/.exec(text.slice(lineStartOf(text, offset)))![0];

/** A statement printing `marker` in the document's language and style. */
export function printStatement(a: Analysis, marker: string): string {
  return a.language.print(a.language.escape(marker, a.style), a.style);
}

/** A step name not used in the document yet. */
export function freshStepName(a: Analysis, base = 'New step'): string {
  const used = new Set(allSteps(a.steps).map((s) => s.name));
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base} ${i}`)) return `${base} ${i}`;
}

/**
 * Wraps whole lines [fromLine, toLine] (offsets of their starts/ends) in a new step. The
 * markers take the indentation of the least indented selected line.
 */
export function wrapInStep(a: Analysis, from: number, to: number, name = freshStepName(a)): TextEditAt[] | null {
  const text = a.text;
  const start = lineStartOf(text, from);
  const end = lineEndOf(text, Math.max(from, to));
  const lines = text.slice(start, end).split('\n');
  const body = lines.filter((l) => l.trim() !== '');
  if (body.length === 0) return null;
  const indent = body.map((l) => /^[ \t]*/.exec(l)![0]).reduce((x, y) => (y.length < x.length ? y : x));
  return [
    { span: { start, end: start }, newText: `${indent}${printStatement(a, `STEP_START:${name}`)}\n` },
    { span: { start: end, end }, newText: `\n${indent}${printStatement(a, `STEP_COMPLETE:${name}`)}` },
  ];
}

/**
 * Inserts the missing STEP_COMPLETE for the step started at `startAt` — and, first, for any
 * step opened inside it that is still open at the end of its block — after the block's last
 * statement. (A block that ends in `exit` is not reported: the exit ends the step on purpose.)
 */
export function addMissingComplete(a: Analysis, startAt: number): TextEditAt | null {
  const start = a.events.find((e) => e.kind === 'start' && e.marker.valueSpan.start === startAt);
  if (!start || start.kind !== 'start' || start.name === null) return null;
  const region = start.region;
  // The steps still open at the block's end, in the order they were opened.
  const stack: Array<Extract<StepEvent, { kind: 'start' }>> = [];
  for (const e of a.events) {
    if (e.region !== region) continue;
    if (e.kind === 'start' && e.name !== null) stack.push(e);
    else if (e.kind === 'complete' && e.name) {
      const index = stack.map((s) => s.name).lastIndexOf(e.name);
      if (index >= 0) stack.length = index;
    } else if (e.kind === 'complete' || e.kind === 'error') stack.pop();
  }
  const index = stack.indexOf(start);
  if (index < 0) return null;
  const toClose = stack.slice(index).reverse();
  const text = a.text;
  const block = a.scan.regions[region]!;
  const lines = toClose.map((s) => `${indentOf(text, s.at)}${printStatement(a, `STEP_COMPLETE:${s.name}`)}`);
  const after = lineEndOf(text, Math.max(block.lastStatementEnd - 1, start.marker.source.statement.end));
  return { span: { start: after, end: after }, newText: `\n${lines.join('\n')}` };
}
