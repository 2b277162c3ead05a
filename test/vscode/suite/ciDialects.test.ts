// A script written for GitHub Actions, run from VS Code without a single edit
// (workspace/github-actions.sh): its ::group:: lines — nested ones too — become the nested
// steps of the StepFlow view, and `::error file=…,line=…,col=…::` fails its group and is a
// Problems-panel diagnostic at that file, line and column (docs/spec.md §1 "CI dialects").
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { StepflowApi } from '../../../extension/main';
import type { RunNode } from '../../../extension/runsTree';
import { stepflowApi, waitForRun, workspaceFile } from './helpers';

suite('GitHub Actions workflow commands in VS Code', () => {
  let api: StepflowApi;

  suiteSetup(async () => {
    api = await stepflowApi();
  });

  test('nested ::group:: lines are nested steps in the view, ::error file=… is a diagnostic there', async () => {
    const target = workspaceFile('ci-src/deploy.ts');
    // Subscribed before the run starts: the diagnostic may arrive before the run's last event.
    const diagnosticsArrived = new Promise<vscode.Diagnostic[]>((resolve) => {
      const check = () => {
        const found = vscode.languages.getDiagnostics(target).filter((d) => d.source === 'StepFlow');
        if (found.length === 0) return false;
        sub.dispose();
        resolve(found);
        return true;
      };
      const sub = vscode.languages.onDidChangeDiagnostics((event) => {
        if (event.uris.some((u) => u.toString() === target.toString())) check();
      });
    });

    const runId = await api.launcher.run(workspaceFile('github-actions.sh'));
    assert.ok(runId, 'a run id');
    const run = await waitForRun(api, (r) => r.record.id === runId && r.record.status !== 'running', 'the run to finish');
    // An error annotation fails the run although the script exits 0, as on GitHub.
    assert.equal(run.record.status, 'failed');

    const label = (node: RunNode) => String(api.tree.getTreeItem(node).label);
    const icon = (node: RunNode) => (api.tree.getTreeItem(node).iconPath as vscode.ThemeIcon).id;
    const steps = (nodes: RunNode[]) => nodes.filter((n) => n.kind === 'step');
    const runNode = api.tree.getChildren().find((n) => n.runId === runId);
    assert.ok(runNode, 'the run is in the StepFlow view');
    const top = steps(api.tree.getChildren(runNode));
    assert.deepEqual(top.map(label), ['Build', 'Deploy']);
    const build = steps(api.tree.getChildren(top[0]));
    assert.deepEqual(build.map(label), ['Compile', 'Bundle']);
    const bundle = steps(api.tree.getChildren(build[1]));
    assert.deepEqual(bundle.map(label), ['Minify'], 'a group inside a group inside a group');
    assert.deepEqual([...top, ...build, ...bundle].map(icon), ['pass', 'error', 'pass', 'pass', 'pass'], 'Build … Minify succeeded, Deploy failed');

    // The error sits under its group, and a click on it opens the file at that place.
    const errorNode = api.tree.getChildren(top[1]).find((n) => n.kind === 'error');
    assert.ok(errorNode, 'the error is under Deploy');
    const errorItem = api.tree.getTreeItem(errorNode);
    // The title comes first, and %0A is the runner's escaped line break.
    assert.equal(errorItem.label, 'Deploy failed: server answered 503\nretry later');
    assert.equal(errorItem.description, 'deploy.ts:4');
    const [uri, options] = errorItem.command!.arguments as [vscode.Uri, { selection: vscode.Range }];
    assert.equal(uri.fsPath, target.fsPath);
    assert.deepEqual([options.selection.start.line, options.selection.start.character], [3, 6]);

    const [diagnostic, ...others] = await diagnosticsArrived;
    assert.equal(others.length, 0);
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error);
    assert.deepEqual([diagnostic.range.start.line, diagnostic.range.start.character], [3, 6], 'line 4, column 7, zero-based');
    assert.equal(diagnostic.message, 'Deploy: Deploy failed: server answered 503\nretry later');
  });

  test('the outline shows the script\'s ::group:: lines as nested steps, and a ::error snippet escapes what is typed when Tab moves on', async () => {
    const script = workspaceFile('github-actions.sh');
    await vscode.window.showTextDocument(script);
    const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', script);
    const shape = (s: vscode.DocumentSymbol): unknown => [s.name, s.children.map(shape)];
    assert.deepEqual(symbols.map(shape), [
      ['Build', [['Compile', []], ['Bundle', [['Minify', []]]]]],
      ['Deploy', []],
    ]);

    // A fresh script: the ::error snippet from the language server, inserted as VS Code
    // inserts a completion, fields typed with a comma, a colon, a `$` and a `%`, each
    // followed by Tab.
    const file = workspaceFile('ci-snippet.sh');
    fs.writeFileSync(file.fsPath, '#!/usr/bin/env bash\nmake\n\n');
    const editor = await vscode.window.showTextDocument(file);
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', file, new vscode.Position(2, 0));
    const item = list.items.find((i) => (typeof i.label === 'string' ? i.label : i.label.label) === '::error file=…,line=…,title=…::message');
    assert.ok(item, 'the ::error snippet is offered');
    await editor.insertSnippet(item.insertText as vscode.SnippetString, new vscode.Position(2, 0));
    for (const text of ['src/a,b.c', '7', 'Build failed: a, b $HOME', '100% done']) {
      await vscode.commands.executeCommand('type', { text });
      await vscode.commands.executeCommand('jumpToNextSnippetPlaceholder');
    }
    assert.equal(editor.document.lineAt(2).text, 'echo "::error file=src/a%2Cb.c,line=7,title=Build failed%3A a%2C b \\$HOME::100%25 done"');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});

