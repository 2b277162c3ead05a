// Outline symbols and rename for steps. A rename changes every STEP_START and STEP_COMPLETE
// marker carrying that exact (literal) name in the document, so a START and its COMPLETE
// always stay paired; dynamic names (`$name`, f-strings) cannot be renamed. The outline also
// shows the CI dialects' groups, blocks and sections (analysis.ts), which rename leaves alone.
import type { CiDialectId } from '../../markers/dialects/registry';
import type { Analysis, MarkerOccurrence, StepNode } from './analysis';
import type { Span } from './types';

export interface SymbolAt {
  name: string;
  detail: string;
  span: Span;
  selection: Span;
  children: SymbolAt[];
}

/** How the outline names what a CI dialect's line opened. */
const DIALECT_STEP: Record<CiDialectId, string> = {
  github: 'GitHub Actions group',
  teamcity: 'TeamCity block',
  gitlab: 'GitLab section',
  azure: 'Azure Pipelines group',
};

export function stepSymbols(a: Analysis): SymbolAt[] {
  const convert = (node: StepNode): SymbolAt => ({
    name: node.name,
    detail: `${node.start.dialect ? DIALECT_STEP[node.start.dialect] : 'step'}${node.end ? '' : ' (not completed in this file)'}`,
    span: node.span,
    selection: node.start.valueSpan.end > node.start.valueSpan.start ? node.start.valueSpan : node.start.keywordSpan,
    children: node.children.map(convert),
  });
  return a.steps.map(convert);
}

const isStepMarker = (m: MarkerOccurrence) => m.known === 'STEP_START' || m.known === 'STEP_COMPLETE';

/** The START/COMPLETE marker whose keyword or name is at `offset`. */
export function stepMarkerAt(a: Analysis, offset: number): MarkerOccurrence | null {
  return (
    a.markers.find(
      (m) => isStepMarker(m) && ((offset >= m.keywordSpan.start && offset <= m.keywordSpan.end) || (offset >= m.valueSpan.start && offset <= m.valueSpan.end)),
    ) ?? null
  );
}

export type RenameCheck = { ok: true; span: Span; name: string } | { ok: false; message: string };

export function prepareStepRename(a: Analysis, offset: number): RenameCheck | null {
  const marker = stepMarkerAt(a, offset);
  if (!marker) return null;
  if (marker.value === null || !marker.valueVerbatim) return { ok: false, message: 'This step name is built at run time (or written with escapes), so it cannot be renamed here.' };
  if (marker.value === '') return { ok: false, message: 'This STEP_COMPLETE has no name: it closes the innermost step.' };
  return { ok: true, span: marker.valueSpan, name: marker.value };
}

/** Edits renaming the step at `offset` to `newName`, or an explanation why not. */
export function renameStep(a: Analysis, offset: number, newName: string): { edits: Array<{ span: Span; newText: string }> } | { message: string } {
  const check = prepareStepRename(a, offset);
  if (!check) return { message: 'Not on a StepFlow step marker.' };
  if (!check.ok) return { message: check.message };
  const name = newName.trim();
  if (name === '' || /[\r\n]/.test(name)) return { message: 'A step name is one non-empty line.' };
  const targets = a.markers.filter((m) => isStepMarker(m) && m.value === check.name && m.valueVerbatim);
  for (const m of targets) {
    if (!writableAs(a, m, name)) {
      return { message: `"${name}" cannot be written inside this ${m.source.quote ? `${m.source.quote}…${m.source.quote}` : 'unquoted'} string without escaping; choose another name.` };
    }
  }
  return { edits: targets.map((m) => ({ span: m.valueSpan, newText: name })) };
}

/** The name can replace the old one verbatim in this marker's string. */
function writableAs(a: Analysis, m: MarkerOccurrence, name: string): boolean {
  if (/^[rRbBuU]*[fF]/.test(m.source.quote) && /[{}]/.test(name)) return false;
  const quote = m.source.quote.replace(/^[rRbBuUfF]+/, '');
  if (a.language.name === 'shell') {
    if (quote === '') return /^[\w.,:/@+=%^-]+( [\w.,:/@+=%^-]+)*$/.test(name);
    if (quote === "'") return !name.includes("'");
    if (quote === "$'") return !/['\\]/.test(name);
    return !/["\\$`]/.test(name);
  }
  const style = { quote: (quote.startsWith("'") ? "'" : '"') as '"' | "'", semicolon: false };
  if (quote === '`') return !/[`\\]|\$\{/.test(name);
  if (/^(@?"|@?')$/.test(quote) || quote.length === 3) return a.language.escape(name, style) === name && !name.includes(quote[quote.length - 1]!);
  return a.language.escape(name, style) === name;
}
