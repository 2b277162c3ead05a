// Marker intelligence inside a real VS Code: completion (the sidecar's, each marker once),
// diagnostics with a quick fix that works, the Outline, rename, and hover/CodeLens
// with step history after a run. Fixtures: test/vscode/workspace/intelligence/.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { StepflowApi } from '../../../extension/main';
import { stepflowApi, waitForRun, workspaceFile } from './helpers';

const label = (item: vscode.CompletionItem) => (typeof item.label === 'string' ? item.label : item.label.label);

/** Resolves with the StepFlow diagnostics of `uri` once `predicate` holds for them. */
function diagnosticsWhere(uri: vscode.Uri, predicate: (d: vscode.Diagnostic[]) => boolean, what: string, timeoutMs = 30_000): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const current = () => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'StepFlow');
    const check = () => {
      const found = current();
      if (!predicate(found)) return;
      cleanup();
      resolve(found);
    };
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) check();
    });
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting for ${what}; have ${JSON.stringify(current().map((d) => d.message))}`));
    }, timeoutMs);
    const cleanup = () => {
      sub.dispose();
      clearTimeout(timer);
    };
    check();
  });
}

suite('StepFlow editor intelligence', () => {
  let api: StepflowApi;

  suiteSetup(async () => {
    api = await stepflowApi();
  });

  const statementFiles: Array<[string, number, string]> = [
    ['intelligence/typo.sh', 5, 'echo "STEP_START:${1:name}"'],
    ['intelligence/pipeline.py', 5, 'print("STEP_START:${1:name}")'],
    ['intelligence/build.js', 2, "console.log('STEP_START:${1:name}');"],
    ['intelligence/setup.ps1', 2, 'Write-Host "STEP_START:${1:name}"'],
  ];
  for (const [file, line, start] of statementFiles) {
    test(`completes marker statements, each marker once, in ${file}`, async () => {
      const uri = workspaceFile(file);
      await vscode.window.showTextDocument(uri);
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(line, 0));
      const labels = list.items.map(label);
      for (const expected of ['STEP_START', 'STEP_COMPLETE', 'STEP_ERROR', 'ARTIFACT', 'META', 'STEP_START … STEP_COMPLETE']) {
        assert.ok(labels.includes(expected), `${expected} in ${JSON.stringify(labels)}`);
      }
      const item = list.items.find((i) => label(i) === 'STEP_START')!;
      assert.equal((item.insertText as vscode.SnippetString).value, start);
      // Each marker once: the language server is the only source (no static snippets beside it).
      for (const keyword of ['STEP_START', 'STEP_COMPLETE', 'STEP_ERROR', 'ARTIFACT', 'META']) {
        assert.equal(labels.filter((l) => l === keyword).length, 1, `${keyword} once in ${JSON.stringify(labels)}`);
      }
      assert.ok(!labels.some((l) => /^step-/.test(l)), `no static step-* snippets in ${JSON.stringify(labels)}`);
    });
  }

  test('completes marker keywords inside a string and META keys after META:', async () => {
    const uri = workspaceFile('intelligence/pipeline.py');
    const editor = await vscode.window.showTextDocument(uri);
    await editor.edit((b) => b.insert(new vscode.Position(5, 0), 'print("META:")'));
    try {
      const keywords = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(5, 7));
      assert.ok(keywords.items.map(label).includes('STEP_START:'));
      const keys = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(5, 12), ':');
      const names = keys.items.map(label);
      for (const key of ['ESTIMATED_DURATION', 'DESCRIPTION', 'PROGRESS']) assert.ok(names.includes(key), `${key} in ${JSON.stringify(names)}`);
    } finally {
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
  });

  test('underlines a misspelt keyword and its quick fix corrects it', async () => {
    const uri = workspaceFile('intelligence/typo.sh');
    await vscode.window.showTextDocument(uri);
    const [typo] = await diagnosticsWhere(uri, (d) => d.some((x) => x.code === 'misspelt-keyword'), 'the misspelt keyword');
    assert.equal(typo!.severity, vscode.DiagnosticSeverity.Warning);
    assert.deepEqual([typo!.range.start.line, typo!.range.start.character, typo!.range.end.character], [2, 6, 16]);
    assert.match(typo!.message, /did you mean STEP_START/);

    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, typo!.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.title === 'Change to STEP_START');
    assert.ok(fix?.edit, JSON.stringify(actions.map((a) => a.title)));
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    await diagnosticsWhere(uri, (d) => d.length === 0, 'the diagnostic to go away');
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.lineAt(2).text, 'echo "STEP_START:Build"');
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  test('offers "Wrap selection in a StepFlow step" on selected lines', async () => {
    const uri = workspaceFile('intelligence/typo.sh');
    await vscode.window.showTextDocument(uri);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, new vscode.Range(3, 0, 3, 15));
    const wrap = actions.find((a) => a.title === 'Wrap selection in a StepFlow step');
    assert.ok(wrap?.edit, JSON.stringify(actions.map((a) => a.title)));
    const edits = wrap.edit.get(uri).map((e) => e.newText);
    assert.deepEqual(edits, ['echo "STEP_START:New step"\n', '\necho "STEP_COMPLETE:New step"']);
  });

  test('shows the steps as nested symbols in the Outline', async () => {
    const uri = workspaceFile('intelligence/pipeline.py');
    await vscode.window.showTextDocument(uri);
    const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', uri);
    const shape = (s: vscode.DocumentSymbol): unknown => [s.name, s.children.map(shape)];
    assert.deepEqual(symbols.map(shape), [['Pipeline', [['Load', []]]]]);
    assert.equal(symbols[0]!.range.start.line, 2);
    assert.equal(symbols[0]!.range.end.line, 6);
  });

  test('renames a step on its START and COMPLETE markers together', async () => {
    const uri = workspaceFile('intelligence/build.js');
    await vscode.window.showTextDocument(uri);
    const edit = await vscode.commands.executeCommand<vscode.WorkspaceEdit>('vscode.executeDocumentRenameProvider', uri, new vscode.Position(1, 26), 'Package');
    const changes = edit.get(uri);
    assert.deepEqual(changes.map((e) => [e.range.start.line, e.newText]), [[1, 'Package'], [3, 'Package']]);
  });

  test('hover and CodeLens show the step history after a run', async () => {
    const uri = workspaceFile('intelligence/history.sh');
    await vscode.window.showTextDocument(uri);
    const before = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(2, 8));
    assert.match(hoverText(before), /No runs of this step yet/);

    const runId = await api.launcher.run(uri);
    assert.ok(runId);
    const run = await waitForRun(api, (r) => r.record.id === runId && r.record.status !== 'running', 'the run to finish');
    assert.equal(run.record.status, 'succeeded');

    const after = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(2, 8));
    const text = hoverText(after);
    assert.match(text, /Step “Prepare”/);
    assert.match(text, /1\*\* successful run · mean \*\*\d+ ms/);
    assert.match(text, /Last run: ✓ succeeded/);

    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const history = lenses.find((l) => l.range.start.line === 2);
    assert.match(history?.command?.title ?? '', /^avg \d+ ms · last ✓ \d+ ms · 1 run$/);
  });
});

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}
