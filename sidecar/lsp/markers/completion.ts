// Completion for markers: keywords inside a string, META keys after `META:`, open step
// names after `STEP_COMPLETE:`, and whole statements in the file's language at the start
// of a line (including a START/COMPLETE pair sharing one placeholder), and the CI dialects'
// commands there too (dialectCompletion.ts).
import {
  CompletionItemKind,
  InsertTextFormat,
  InsertTextMode,
  MarkupKind,
  type CompletionItem,
  type Position,
  type Range,
} from 'vscode-languageserver';
import type { Analysis, StepNode } from './analysis';
import { allSteps } from './analysis';
import { dialectStatementItems } from './dialectCompletion';
import { KEYWORD_DOCS, MARKER_KEYWORDS, META_KEYS, META_KEY_DOCS, type MarkerKeyword } from './keywords';
import type { LanguageName } from './languages';

const PLACEHOLDERS: Record<MarkerKeyword, string> = {
  STEP_START: '${1:name}',
  STEP_COMPLETE: '${1:name}',
  STEP_ERROR: '${1:message}',
  STEP_WARNING: '${1:message}',
  ARTIFACT: '${1:path}:${2:description}',
  META: `\${1|${META_KEYS.join(',')}|}:\${2:value}`,
};

const snippetEscape = (text: string) => text.replace(/[\\$}]/g, (ch) => `\\${ch}`);
const HOLE = '\u0000';

/** Where the cursor is, read from its line (and the scan, for multi-line comments and strings). */
type Context =
  | { kind: 'string'; typed: string; typedStart: number }
  | { kind: 'statement'; typed: string; typedStart: number }
  | { kind: 'none' };

export function completionItems(a: Analysis, offset: number, position: Position): CompletionItem[] {
  const context = contextAt(a, offset);
  if (context.kind === 'none') return [];
  const range: Range = { start: { line: position.line, character: position.character - (offset - context.typedStart) }, end: position };
  return context.kind === 'string' ? inStringItems(a, context.typed, offset, range, position) : statementItems(a, context.typed, offset, range);
}

function contextAt(a: Analysis, offset: number): Context {
  const text = a.text;
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  // Inside a comment, here-document or string that began on an earlier line: nothing.
  if (a.scan.insideNonCode(lineStart)) return { kind: 'none' };
  const prefix = text.slice(lineStart, offset);
  const state = lineState(prefix, a.language.name);
  if (state.comment) return { kind: 'none' };
  if (state.quoteStart >= 0) {
    return { kind: 'string', typed: prefix.slice(state.quoteStart + 1), typedStart: lineStart + state.quoteStart + 1 };
  }
  if (a.language.name === 'shell') {
    // `echo STEP_…` without quotes prints the word as it is.
    const m = /(?:^|[;&|]\s*|\b(?:then|do|else)\s+)(?:echo|printf)\s+(?:-[neE]+\s+)*([A-Za-z_][\w:-]*)?$/.exec(prefix);
    if (m) return { kind: 'string', typed: m[1] ?? '', typedStart: offset - (m[1] ?? '').length };
  }
  const m = /^\s*([A-Za-z_]*)$/.exec(prefix);
  if (m) return { kind: 'statement', typed: m[1]!, typedStart: offset - m[1]!.length };
  return { kind: 'none' };
}

/** Quote and comment state at the end of one line's prefix. */
function lineState(prefix: string, language: LanguageName): { quoteStart: number; comment: boolean } {
  let quote = '';
  let quoteStart = -1;
  const escapeChar = language === 'powershell' ? '`' : '\\';
  for (let i = 0; i < prefix.length; i++) {
    const ch = prefix[i]!;
    if (quote) {
      if (ch === escapeChar && !(quote === "'" && (language === 'shell' || language === 'powershell'))) i++;
      else if (ch === quote) quote = '';
      continue;
    }
    if (ch === '"' || ch === "'" || (ch === '`' && language === 'javascript')) {
      quote = ch;
      quoteStart = i;
      continue;
    }
    const wordStart = i === 0 || /\s|[;(]/.test(prefix[i - 1]!);
    if (language === 'javascript' ? prefix.startsWith('//', i) : ch === '#' && wordStart) return { quoteStart: -1, comment: true };
  }
  return { quoteStart: quote ? quoteStart : -1, comment: false };
}

function inStringItems(a: Analysis, typed: string, offset: number, range: Range, position: Position): CompletionItem[] {
  const meta = /^(\s*META:)([A-Za-z_]*)$/.exec(typed);
  if (meta) {
    const keyRange: Range = { start: { line: position.line, character: position.character - meta[2]!.length }, end: position };
    return META_KEYS.map((key, i) => ({
      label: key,
      kind: CompletionItemKind.Property,
      detail: 'StepFlow META key',
      documentation: META_KEY_DOCS[key],
      sortText: String(i),
      textEdit: { range: keyRange, newText: `${key}:` },
    }));
  }
  const complete = /^(\s*STEP_COMPLETE:)([^"'`]*)$/.exec(typed);
  if (complete) {
    const nameRange: Range = { start: { line: position.line, character: position.character - complete[2]!.length }, end: position };
    return openStepsAt(a, offset).map((node, i) => ({
      label: node.name,
      kind: CompletionItemKind.Event,
      detail: i === 0 ? 'innermost open step' : 'open step',
      sortText: String(i).padStart(3, '0'),
      textEdit: { range: nameRange, newText: node.name },
    }));
  }
  const word = /^(\s*)([A-Za-z_]*)$/.exec(typed);
  if (!word) return [];
  const wordRange: Range = { start: { line: position.line, character: position.character - word[2]!.length }, end: range.end };
  return MARKER_KEYWORDS.map((keyword, i) => ({
    label: `${keyword}:`,
    kind: CompletionItemKind.Keyword,
    detail: KEYWORD_DOCS[keyword].syntax,
    documentation: { kind: MarkupKind.Markdown, value: KEYWORD_DOCS[keyword].doc },
    sortText: String(i),
    textEdit: { range: wordRange, newText: `${keyword}:` },
    // After META: (and STEP_COMPLETE:) the next list — keys, open steps — follows at once.
    command: keyword === 'META' || keyword === 'STEP_COMPLETE' ? { title: 'Suggest', command: 'editor.action.triggerSuggest' } : undefined,
  }));
}

function statementItems(a: Analysis, typed: string, offset: number, range: Range): CompletionItem[] {
  const dialectItems = dialectStatementItems(a.language, a.style, a.dialects, typed, range);
  // Only when what is typed could start a marker word (STEP…, ARTIFACT, META): cheap and quiet.
  if (typed !== '' && !/^[sSaAmM]/.test(typed)) return dialectItems;
  const statement = (body: string) => {
    const template = a.language.print(HOLE, a.style);
    return snippetEscape(template).replace(HOLE, body);
  };
  const escapeLiteral = (text: string) => snippetEscape(a.language.escape(text, a.style));
  const innermost = openStepsAt(a, offset)[0];
  const items: CompletionItem[] = MARKER_KEYWORDS.map((keyword, i) => {
    const hole =
      keyword === 'STEP_COMPLETE' && innermost ? `\${1:${escapeLiteral(innermost.name).replace(/[|,]/g, (c) => `\\${c}`)}}` : PLACEHOLDERS[keyword];
    return {
      label: keyword,
      kind: CompletionItemKind.Snippet,
      detail: a.language.print(KEYWORD_DOCS[keyword].syntax, a.style),
      documentation: { kind: MarkupKind.Markdown, value: KEYWORD_DOCS[keyword].doc },
      sortText: `1${i}`,
      filterText: keyword,
      insertTextFormat: InsertTextFormat.Snippet,
      insertTextMode: InsertTextMode.adjustIndentation,
      textEdit: { range, newText: statement(`${keyword}:${hole}`) },
    };
  });
  items.unshift({
    label: 'STEP_START … STEP_COMPLETE',
    kind: CompletionItemKind.Snippet,
    detail: 'A step around the code in between',
    documentation: { kind: MarkupKind.Markdown, value: 'A `STEP_START`/`STEP_COMPLETE` pair; the step name is typed once for both.' },
    sortText: '10',
    filterText: 'STEP_START STEP_COMPLETE step',
    insertTextFormat: InsertTextFormat.Snippet,
    insertTextMode: InsertTextMode.adjustIndentation,
    textEdit: { range, newText: `${statement('STEP_START:${1:name}')}\n$0\n${statement('STEP_COMPLETE:${1:name}')}` },
  });
  return [...items, ...dialectItems];
}

/** Static StepFlow steps open at an offset, innermost first (a CI group is closed by its own end command). */
export function openStepsAt(a: Analysis, offset: number): StepNode[] {
  return allSteps(a.steps)
    .filter((n) => n.static && !n.start.dialect && n.start.source.statement.end <= offset && (n.end ? n.end.source.statement.end >= offset : n.span.end >= offset))
    .reverse();
}
