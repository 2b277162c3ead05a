// Editor intelligence for marker lines in scripts (docs/spec.md §5): completion, code
// actions, rename, outline, hover and CodeLens with step history, and marker diagnostics —
// published together with the last run's diagnostics for the same document (one publish
// per URI carrying both sets, so neither replaces the other).
import { fileURLToPath } from 'node:url';
import {
  CodeActionKind,
  DiagnosticSeverity,
  MarkupKind,
  ResponseError,
  SymbolKind,
  type CodeAction,
  type CodeActionParams,
  type CodeLens,
  type Connection,
  type Diagnostic,
  type DocumentSymbol,
  type Hover,
  type Position,
  type RenameParams,
  type ServerCapabilities,
  type TextDocumentPositionParams,
  type TextDocuments,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { allSteps, analyze, forgetDocument, prepareGrammar, stepPath, type Analysis, type StepNode } from './markers/analysis';
import { addMissingComplete, wrapInStep, type TextEditAt } from './markers/codeActions';
import { completionItems } from './markers/completion';
import { markerProblems, type Problem, type Severity } from './markers/diagnostics';
import { StepHistory, hoverMarkdown, lensTitle } from './markers/history';
import { KEYWORD_DOCS } from './markers/keywords';
import { prepareStepRename, renameStep, stepSymbols, type SymbolAt } from './markers/navigation';
import type { Span } from './markers/types';
import type { RunDiagnosticsBook } from './runDiagnostics';
import { DialectSwitchBook } from './dialectSwitches';
import type { DialectSwitches } from '../markers/dialects/registry';
import { DIAGNOSTIC_SOURCE } from '../protocol/lsp';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export const WRAP_TITLE = 'Wrap selection in a StepFlow step';

/** An open document and its analysis. */
interface Analysed {
  document: TextDocument;
  analysis: Analysis;
}

export class EditorIntelligence {
  /** What the server announces for these features (merged into its capabilities). */
  static readonly capabilities: ServerCapabilities = {
    completionProvider: { triggerCharacters: [':', '"', "'"], resolveProvider: false },
    codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite] },
    renameProvider: { prepareProvider: true },
    documentSymbolProvider: { label: 'StepFlow steps' },
    hoverProvider: true,
  };

  private readonly cache = new Map<string, { version: number; dialects: string; analysis: Analysis | null }>();
  /** The CI dialects switched off per document, as last looked up (`ready`). */
  readonly dialectSwitches: DialectSwitchBook;
  private readonly switchesByUri = new Map<string, DialectSwitches>();
  private lensRefresh: NodeJS.Timeout | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly runDiagnostics: RunDiagnosticsBook,
    private readonly history: StepHistory,
  ) {
    this.dialectSwitches = new DialectSwitchBook(connection);
  }

  /**
   * Waits until the tree-sitter grammar of the document is loaded (the first document of a
   * language: ~50 ms to a few hundred on a busy machine). Requests wait rather than answer
   * without an analysis; a grammar that cannot load leaves the features silent (analysis
   * null), with the reason in the log.
   */
  private async ready(uri: string): Promise<void> {
    const document = this.documents.get(uri);
    if (!document) return;
    this.switchesByUri.set(uri, await this.dialectSwitches.forDocument(uri));
    await prepareGrammar(document.getText(), document.languageId, uri).catch((err: unknown) =>
      this.connection.console.error(`StepFlow: the grammar for ${uri} did not load: ${String(err)}`),
    );
  }

  /** Registers the handlers; call before `documents.listen`. */
  listen(): void {
    this.followDocuments();
    // One handler per feature; each waits for the grammar and answers `none` for a
    // document it cannot analyse.
    const { connection } = this;
    connection.onCompletion(this.feature([], (found, { position }) => completionItems(found.analysis, found.document.offsetAt(position), position)));
    connection.onCodeAction(this.feature([], (found, params: CodeActionParams) => this.codeActions(found, params)));
    connection.onPrepareRename(this.feature(null, (found, { position }: TextDocumentPositionParams) => this.prepareRename(found, position)));
    connection.onRenameRequest(this.feature(null, (found, { position, newName }: RenameParams) => this.rename(found, position, newName)));
    connection.onDocumentSymbol(this.feature([], (found) => this.symbols(found)));
    connection.onHover(this.feature(null, (found, { position }: TextDocumentPositionParams) => this.hover(found, position)));
  }

  /** Diagnostics follow every edit; a closed document's analysis is forgotten. */
  private followDocuments(): void {
    this.documents.onDidChangeContent(({ document }) => this.publish(document.uri));
    this.documents.onDidClose(({ document }) => {
      this.cache.delete(document.uri);
      this.switchesByUri.delete(document.uri);
      this.dialectSwitches.forget(document.uri);
      forgetDocument(document.uri);
      this.publish(document.uri);
    });
  }

  /** A request handler: the answer for the analysed document, or `none` when there is no analysis. */
  private feature<P extends { textDocument: { uri: string } }, R>(none: R, answer: (found: Analysed, params: P) => R): (params: P) => Promise<R> {
    return async (params) => {
      await this.ready(params.textDocument.uri);
      const found = this.lookup(params.textDocument.uri);
      return found ? answer(found, params) : none;
    };
  }

  /** Quick fixes for our diagnostics in the request, and "wrap in a step" for a selection. */
  private codeActions({ analysis, document }: Analysed, { range, context }: CodeActionParams): CodeAction[] {
    const wants = (kind: string) => !context.only || context.only.some((k) => kind === k || kind.startsWith(`${k}.`));
    const actions: CodeAction[] = [];
    if (wants(CodeActionKind.QuickFix)) {
      for (const diagnostic of context.diagnostics) {
        const fix = diagnostic.source === DIAGNOSTIC_SOURCE ? this.quickFix(analysis, document, diagnostic) : null;
        if (fix) actions.push(fix);
      }
    }
    const from = document.offsetAt(range.start);
    let to = document.offsetAt(range.end);
    // A selection ending at column 0 of the next line covers the lines above it.
    if (range.end.character === 0 && range.end.line > range.start.line) to = Math.max(from, to - 1);
    if (to > from && wants(CodeActionKind.RefactorRewrite)) {
      const wrap = wrapInStep(analysis, from, to);
      if (wrap) actions.push({ title: WRAP_TITLE, kind: CodeActionKind.RefactorRewrite, edit: this.workspaceEdit(document, wrap) });
    }
    return actions;
  }

  private quickFix(analysis: Analysis, document: TextDocument, diagnostic: Diagnostic): CodeAction | null {
    const data = (diagnostic.data ?? {}) as Problem['data'] & object;
    if ((diagnostic.code === 'misspelt-keyword' || diagnostic.code === 'meta-key-misspelt') && data.replacement) {
      return {
        title: `Change to ${data.replacement}`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: true,
        edit: { changes: { [document.uri]: [{ range: diagnostic.range, newText: data.replacement }] } },
      };
    }
    if (diagnostic.code === 'start-without-complete') {
      const fix = addMissingComplete(analysis, document.offsetAt(diagnostic.range.start));
      if (fix) {
        return {
          title: `Add missing STEP_COMPLETE:${data.step ?? ''}`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          isPreferred: true,
          edit: this.workspaceEdit(document, [fix]),
        };
      }
    }
    return null;
  }

  private prepareRename({ analysis, document }: Analysed, position: Position) {
    const check = prepareStepRename(analysis, document.offsetAt(position));
    if (!check) return null;
    if (!check.ok) throw new ResponseError(-32803, check.message);
    return { range: this.range(document, check.span), placeholder: check.name };
  }

  private rename({ analysis, document }: Analysed, position: Position, newName: string): WorkspaceEdit {
    const result = renameStep(analysis, document.offsetAt(position), newName);
    if ('message' in result) throw new ResponseError(-32803, result.message);
    return this.workspaceEdit(document, result.edits);
  }

  private symbols({ analysis, document }: Analysed): DocumentSymbol[] {
    const convert = (s: SymbolAt): DocumentSymbol => ({
      name: s.name,
      detail: s.detail,
      kind: SymbolKind.Event,
      range: this.range(document, s.span),
      selectionRange: this.range(document, s.selection),
      children: s.children.map(convert),
    });
    return stepSymbols(analysis).map(convert);
  }

  /** A STEP_START line: the step's history; a marker keyword: what it means. */
  private hover({ analysis, document }: Analysed, position: Position): Hover | null {
    const offset = document.offsetAt(position);
    const node = this.startOnLine(analysis, document, position.line, offset);
    if (node) {
      const path = stepPath(node);
      const script = scriptPath(document.uri);
      const entry = path && script ? this.history.lookup(script, path) : null;
      return {
        contents: { kind: MarkupKind.Markdown, value: hoverMarkdown(node.name, path ?? [node.name], path ? entry : { stat: null, recent: [] }) },
        range: this.range(document, node.start.source.statement),
      };
    }
    const marker = analysis.markers.find((m) => m.known && offset >= m.keywordSpan.start && offset <= m.keywordSpan.end);
    if (!marker?.known) return null;
    const doc = KEYWORD_DOCS[marker.known];
    return { contents: { kind: MarkupKind.Markdown, value: `\`${doc.syntax}\`\n\n${doc.doc}` }, range: this.range(document, marker.keywordSpan) };
  }

  /** History lenses on STEP_START lines (the run lenses at line 0 come from runLens.ts). */
  codeLenses(document: TextDocument): CodeLens[] {
    const analysis = this.analysis(document);
    const script = scriptPath(document.uri);
    if (!analysis || !script) return [];
    const lenses: CodeLens[] = [];
    for (const node of allSteps(analysis.steps)) {
      const path = stepPath(node);
      const entry = path ? this.history.lookup(script, path) : null;
      const title = entry ? lensTitle(entry) : null;
      if (!title) continue;
      const line = document.positionAt(node.start.source.statement.start).line;
      lenses.push({ range: { start: { line, character: 0 }, end: { line, character: 0 } }, command: { title, command: '' } });
    }
    return lenses;
  }

  /** Runs finished or changed: statistics are stale, lenses need a refresh (coalesced). */
  runsChanged(): void {
    this.history.invalidate();
    if (this.lensRefresh) return;
    this.lensRefresh = setTimeout(() => {
      this.lensRefresh = undefined;
      this.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
    }, 100);
    this.lensRefresh.unref?.();
  }

  /** Publishes marker diagnostics (open documents) together with run diagnostics for `uri`. */
  publish(uri: string): void {
    void this.ready(uri).then(() => this.publishNow(uri));
  }

  private publishNow(uri: string): void {
    const document = this.documents.get(uri);
    const markers = document ? this.markerDiagnostics(document) : [];
    void this.connection.sendDiagnostics({ uri, diagnostics: [...markers, ...this.runDiagnostics.forUri(uri)] });
  }

  markerDiagnostics(document: TextDocument): Diagnostic[] {
    const analysis = this.analysis(document);
    if (!analysis) return [];
    return markerProblems(analysis).map((p) => ({
      range: this.range(document, p.span),
      severity: SEVERITY[p.severity],
      source: DIAGNOSTIC_SOURCE,
      code: p.code,
      message: p.message,
      data: p.data,
    }));
  }

  analysis(document: TextDocument): Analysis | null {
    const switches = this.switchesByUri.get(document.uri) ?? {};
    const dialects = JSON.stringify(switches);
    const cached = this.cache.get(document.uri);
    if (cached && cached.version === document.version && cached.dialects === dialects) return cached.analysis;
    const analysis = analyze(document.getText(), document.languageId, document.uri, switches);
    this.cache.set(document.uri, { version: document.version, dialects, analysis });
    return analysis;
  }

  private lookup(uri: string): Analysed | null {
    const document = this.documents.get(uri);
    const analysis = document ? this.analysis(document) : null;
    return document && analysis ? { document, analysis } : null;
  }

  /** The step whose START statement is on this line (and under the cursor's line span). */
  private startOnLine(analysis: Analysis, document: TextDocument, line: number, offset: number): StepNode | null {
    for (const node of allSteps(analysis.steps)) {
      const span = node.start.source.statement;
      if (document.positionAt(span.start).line <= line && document.positionAt(span.end).line >= line && offset >= span.start && offset <= span.end) return node;
    }
    return null;
  }

  private range(document: TextDocument, span: Span) {
    return { start: document.positionAt(span.start), end: document.positionAt(span.end) };
  }

  private textEdit(document: TextDocument, edit: TextEditAt): TextEdit {
    return { range: this.range(document, edit.span), newText: edit.newText };
  }

  private workspaceEdit(document: TextDocument, edits: TextEditAt[]): WorkspaceEdit {
    return { changes: { [document.uri]: edits.map((e) => this.textEdit(document, e)) } };
  }
}

function scriptPath(uri: string): string | null {
  if (!uri.startsWith('file:')) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}
