// First use: the "Get Started with StepFlow" walkthrough (package.json `walkthroughs`) and
// what its steps need. "Insert Step Markers" writes a STEP_START/STEP_COMPLETE pair in the
// open script's own language around the selection; the context keys below let the steps
// "find the failing step" and "compare two runs" complete on the real event, not on a click.
import * as vscode from 'vscode';
import { DEFAULT_PRINT_STYLE, PRINT_FORMS, PRINT_LANGUAGE_BY_ID } from '../sidecar/protocol/printStatements';

/** Set once the StepFlow view has opened a failed run at its failing step. */
export const FAILURE_SHOWN_KEY = 'stepflow.walkthrough.failureShown';
/** Set once the history panel has shown a run compared with another. */
export const COMPARED_KEY = 'stepflow.walkthrough.compared';

/** How the script prints a line (a snippet: the tab stop in `text` is not escaped); undefined: unknown language. */
function printLineIn(languageId: string): ((text: string) => string) | undefined {
  const language = PRINT_LANGUAGE_BY_ID[languageId];
  return language && ((text) => PRINT_FORMS[language].print(text, DEFAULT_PRINT_STYLE));
}

/**
 * The snippet for a language (undefined: StepFlow does not know how that language prints):
 * the marker pair around `lines` (whole lines, or none: the cursor goes between them),
 * indented like them. The step name is one tab stop mirrored into both markers.
 */
export function stepMarkersSnippet(languageId: string, lines: string, indent: string): string | undefined {
  const print = printLineIn(languageId);
  if (!print) return undefined;
  // `$`, `}` and `\` in the user's own lines are text, not snippet syntax.
  const body = lines === '' ? `${indent}$0` : lines.replace(/[$}\\]/g, '\\$&');
  return `${indent}${print('STEP_START:${1:Build}')}\n${body}\n${indent}${print('STEP_COMPLETE:${1:Build}')}`;
}

interface Insertion {
  range: vscode.Range;
  /** The selected lines (whole lines), or '' for a new pair at the cursor's line. */
  lines: string;
  indent: string;
  before: string;
  after: string;
}

/**
 * Where the pair goes: around the selected lines (whole lines), or as new lines above the
 * cursor's line — below a shebang, never before it.
 */
function insertionPoint(document: vscode.TextDocument, selection: vscode.Selection): Insertion {
  const indentOf = (text: string) => /^[ \t]*/.exec(text)![0];
  if (selection.isEmpty) {
    const line = selection.active.line === 0 && document.lineAt(0).text.startsWith('#!') ? 1 : selection.active.line;
    if (line >= document.lineCount) {
      // A file that is only a shebang line, without a newline: start a new line.
      const end = document.lineAt(document.lineCount - 1).range.end;
      return { range: new vscode.Range(end, end), lines: '', indent: '', before: '\n', after: '' };
    }
    const at = new vscode.Position(line, 0);
    return { range: new vscode.Range(at, at), lines: '', indent: indentOf(document.lineAt(line).text), before: '', after: '\n' };
  }
  const lastLine = selection.end.character === 0 && selection.end.line > selection.start.line ? selection.end.line - 1 : selection.end.line;
  const range = new vscode.Range(selection.start.line, 0, lastLine, document.lineAt(lastLine).text.length);
  const lines = document.getText(range);
  return { range, lines, indent: indentOf(lines), before: '', after: '' };
}

export function registerWalkthrough(context: vscode.ExtensionContext): { markSeen(key: string): void } {
  const seen = new Set<string>();
  // From the walkthrough the active editor is the walkthrough itself, which may have replaced
  // the script's (preview) tab: remember the last script the user had open.
  let lastScript: vscode.Uri | undefined;
  const remember = (editor: vscode.TextEditor | undefined) => {
    if (editor && PRINT_LANGUAGE_BY_ID[editor.document.languageId]) lastScript = editor.document.uri;
  };
  remember(vscode.window.activeTextEditor);
  const scriptEditor = async (): Promise<vscode.TextEditor | undefined> => {
    const visible = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors.find((e) => PRINT_LANGUAGE_BY_ID[e.document.languageId]);
    if (visible) return visible;
    if (lastScript) return vscode.window.showTextDocument(lastScript, { viewColumn: vscode.ViewColumn.Beside });
    return undefined;
  };
  context.subscriptions.push(
    vscode.window.onDidChangeActiveTextEditor(remember),
    vscode.commands.registerCommand('stepflow.insertStepMarkers', async () => {
      const editor = await scriptEditor();
      if (!editor) {
        void vscode.window.showInformationMessage('StepFlow: open a script (bash, Python, JavaScript, PowerShell, Ruby, Perl) to insert step markers.');
        return false;
      }
      const at = insertionPoint(editor.document, editor.selection);
      const markers = stepMarkersSnippet(editor.document.languageId, at.lines, at.indent);
      if (markers === undefined) {
        void vscode.window.showInformationMessage(
          `StepFlow: in ${editor.document.languageId}, print the lines STEP_START:<name> and STEP_COMPLETE:<name> the way the language prints a line.`,
        );
        return false;
      }
      return editor.insertSnippet(new vscode.SnippetString(at.before + markers + at.after), at.range);
    }),
  );
  return {
    markSeen(key) {
      if (seen.has(key)) return;
      seen.add(key);
      void vscode.commands.executeCommand('setContext', key, true);
    },
  };
}
