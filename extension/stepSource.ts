// Where a run's step is in its script, for "click a step, see its source" (as the Testing
// view reveals a test). The language server already knows: its outline
// (sidecar/lsp/intelligence.ts, onDocumentSymbol) has one symbol per STEP_START, nested as
// the steps nest, so the step's path of names finds it even when a name repeats under
// different parents. A script the server cannot outline (no grammar, not parsed yet) falls
// back to the first line that prints `STEP_START:<name>`.
import * as vscode from 'vscode';

/** The range of the step's STEP_START in the script, or undefined when it cannot be found. */
export async function findStepSource(script: vscode.Uri, namePath: readonly string[]): Promise<vscode.Range | undefined> {
  const name = namePath[namePath.length - 1];
  if (name === undefined) return undefined;
  let document: vscode.TextDocument;
  try {
    document = await vscode.workspace.openTextDocument(script);
  } catch {
    return undefined; // the script was moved or deleted since the run
  }
  const symbols = await vscode.commands.executeCommand<Array<vscode.DocumentSymbol | vscode.SymbolInformation> | undefined>(
    'vscode.executeDocumentSymbolProvider',
    script,
  );
  const outline = (symbols ?? []).filter((s): s is vscode.DocumentSymbol => 'selectionRange' in s);
  const symbol = symbolAtPath(outline, namePath) ?? symbolNamed(outline, name);
  if (symbol) return symbol.selectionRange;
  return startLineByText(document, name);
}

function symbolAtPath(symbols: readonly vscode.DocumentSymbol[], namePath: readonly string[]): vscode.DocumentSymbol | undefined {
  let level = symbols;
  let found: vscode.DocumentSymbol | undefined;
  for (const name of namePath) {
    found = level.find((s) => s.name === name);
    if (!found) return undefined;
    level = found.children;
  }
  return found;
}

/** A step started from a helper function sits elsewhere in the outline than in the run. */
function symbolNamed(symbols: readonly vscode.DocumentSymbol[], name: string): vscode.DocumentSymbol | undefined {
  for (const symbol of symbols) {
    if (symbol.name === name) return symbol;
    const below = symbolNamed(symbol.children, name);
    if (below) return below;
  }
  return undefined;
}

function startLineByText(document: vscode.TextDocument, name: string): vscode.Range | undefined {
  const pattern = new RegExp(`STEP_START:\\s*${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*(?:["'\`)\\\\]|$)`);
  for (let line = 0; line < document.lineCount; line++) {
    const text = document.lineAt(line).text;
    const match = pattern.exec(text);
    if (match) return new vscode.Range(line, match.index, line, match.index + match[0].length);
  }
  return undefined;
}
