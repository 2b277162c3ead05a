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
  type CodeLens,
  type Connection,
  type Diagnostic,
  type DocumentSymbol,
  type ServerCapabilities,
  type TextDocuments,
  type TextEdit,
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

export const DIAGNOSTIC_SOURCE = 'StepFlow';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export const WRAP_TITLE = 'Wrap selection in a StepFlow step';

export class EditorIntelligence {
  /** What the server announces for these features (merged into its capabilities). */
  static readonly capabilities: ServerCapabilities = {
    completionProvider: { triggerCharacters: [':', '"', "'"], resolveProvider: false },
    codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite] },
    renameProvider: { prepareProvider: true },
    documentSymbolProvider: { label: 'StepFlow steps' },
    hoverProvider: true,
  };

  private readonly cache = new Map<string, { version: number; analysis: Analysis | null }>();
  private lensRefresh: NodeJS.Timeout | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly runDiagnostics: RunDiagnosticsBook,
    private readonly history: StepHistory,
  ) {}

  /**
   * Waits until the tree-sitter grammar of the document is loaded (the first document of a
   * language: ~50 ms to a few hundred on a busy machine). Requests wait rather than answer
   * without an analysis; a grammar that cannot load leaves the features silent (analysis
   * null), with the reason in the log.
   */
  private async ready(uri: string): Promise<void> {
    const document = this.documents.get(uri);
    if (!document) return;
    await prepareGrammar(document.getText(), document.languageId, uri).catch((err: unknown) =>
      this.connection.console.error(`StepFlow: the grammar for ${uri} did not load: ${String(err)}`),
    );
  }

  /** Registers the handlers; call before `documents.listen`. */
  listen(): void {
    const { connection, documents } = this;
    documents.onDidChangeContent(({ document }) => this.publish(document.uri));
    documents.onDidClose(({ document }) => {
      this.cache.delete(document.uri);
      forgetDocument(document.uri);
      this.publish(document.uri);
    });

    connection.onCompletion(async ({ textDocument, position }) => {
      await this.ready(textDocument.uri);
      const found = this.lookup(textDocument.uri);
      if (!found) return [];
      return completionItems(found.analysis, found.document.offsetAt(position), position);
    });

    connection.onCodeAction(async ({ textDocument, range, context }) => {
      await this.ready(textDocument.uri);
      const found = this.lookup(textDocument.uri);
      if (!found) return [];
      const { analysis, document } = found;
      const wants = (kind: string) => !context.only || context.only.some((k) => kind === k || kind.startsWith(`${k}.`));
      const edit = (edits: TextEditAt[]) => ({ changes: { [document.uri]: edits.map((e) => this.textEdit(document, e)) } });
      const actions: CodeAction[] = [];
      for (const diagnostic of context.diagnostics) {
        if (diagnostic.source !== DIAGNOSTIC_SOURCE || !wants(CodeActionKind.QuickFix)) continue;
        const data = (diagnostic.data ?? {}) as Problem['data'] & object;
        if ((diagnostic.code === 'misspelt-keyword' || diagnostic.code === 'meta-key-misspelt') && data.replacement) {
          actions.push({
            title: `Change to ${data.replacement}`,
            kind: CodeActionKind.QuickFix,
            diagnostics: [diagnostic],
            isPreferred: true,
            edit: { changes: { [document.uri]: [{ range: diagnostic.range, newText: data.replacement }] } },
          });
        } else if (diagnostic.code === 'start-without-complete') {
          const fix = addMissingComplete(analysis, document.offsetAt(diagnostic.range.start));
          if (fix) {
            actions.push({
              title: `Add missing STEP_COMPLETE:${data.step ?? ''}`,
              kind: CodeActionKind.QuickFix,
              diagnostics: [diagnostic],
              isPreferred: true,
              edit: edit([fix]),
            });
          }
        }
      }
      const from = document.offsetAt(range.start);
      let to = document.offsetAt(range.end);
      // A selection ending at column 0 of the next line covers the lines above it.
      if (range.end.character === 0 && range.end.line > range.start.line) to = Math.max(from, to - 1);
      if (to > from && wants(CodeActionKind.RefactorRewrite)) {
        const wrap = wrapInStep(analysis, from, to);
        if (wrap) actions.push({ title: WRAP_TITLE, kind: CodeActionKind.RefactorRewrite, edit: edit(wrap) });
      }
      return actions;
    });

    connection.onPrepareRename(async ({ textDocument, position }) => {
      await this.ready(textDocument.uri);
      const found = this.lookup(textDocument.uri);
      if (!found) return null;
      const check = prepareStepRename(found.analysis, found.document.offsetAt(position));
      if (!check) return null;
      if (!check.ok) throw new ResponseError(-32803, check.message);
      return { range: this.range(found.document, check.span), placeholder: check.name };
    });

    connection.onRenameRequest(async ({ textDocument, position, newName }) => {
      await this.ready(textDocument.uri);
      const found = this.lookup(textDocument.uri);
      if (!found) return null;
      const result = renameStep(found.analysis, found.document.offsetAt(position), newName);
      if ('message' in result) throw new ResponseError(-32803, result.message);
      return { changes: { [textDocument.uri]: result.edits.map((e) => this.textEdit(found.document, e)) } };
    });

    connection.onDocumentSymbol(async ({ textDocument }) => {
      await this.ready(textDocument.uri);
      const found = this.lookup(textDocument.uri);
      if (!found) return [];
      const convert = (s: SymbolAt): DocumentSymbol => ({
        name: s.name,
        detail: s.detail,
        kind: SymbolKind.Event,
        range: this.range(found.document, s.span),
        selectionRange: this.range(found.document, s.selection),
        children: s.children.map(convert),
      });
      return stepSymbols(found.analysis).map(convert);
    });

    connection.onHover(async ({ textDocument, position }) => {
      await this.ready(textDocument.uri);
      const found = this.lookup(textDocument.uri);
      if (!found) return null;
      const { analysis, document } = found;
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
    });
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
    const cached = this.cache.get(document.uri);
    if (cached && cached.version === document.version) return cached.analysis;
    const analysis = analyze(document.getText(), document.languageId, document.uri);
    this.cache.set(document.uri, { version: document.version, analysis });
    return analysis;
  }

  private lookup(uri: string): { document: TextDocument; analysis: Analysis } | null {
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
}

function scriptPath(uri: string): string | null {
  if (!uri.startsWith('file:')) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}
