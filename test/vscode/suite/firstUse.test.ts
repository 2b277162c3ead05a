// "Insert Step Markers" in a real extension host: the pair in the script's own language,
// around the selected lines (whole lines, indented like them), the name one mirrored tab stop.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { stepflowApi, workspaceFile } from './helpers';

suite('Insert Step Markers', () => {
  suiteSetup(async () => {
    await stepflowApi();
  });

  const openScript = async (name: string, text: string) => {
    const file = path.join(workspaceFile('first-use').fsPath, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    const editor = await vscode.window.showTextDocument(vscode.Uri.file(file));
    return editor;
  };

  test('wraps the selected Python lines, indented like them, and names the step once for both markers', async () => {
    const editor = await openScript('pack.py', 'def main():\n    build()\n    test()\n    ship()\n');
    editor.selection = new vscode.Selection(1, 2, 2, 3);
    assert.equal(await vscode.commands.executeCommand('stepflow.insertStepMarkers'), true);
    // Typing over the tab stop renames both markers at once.
    await vscode.commands.executeCommand('type', { text: 'Verify' });
    assert.equal(
      editor.document.getText(),
      'def main():\n    print("STEP_START:Verify")\n    build()\n    test()\n    print("STEP_COMPLETE:Verify")\n    ship()\n',
    );
  });

  test('puts a new bash pair below the shebang, never above it', async () => {
    const editor = await openScript('deploy.sh', '#!/usr/bin/env bash\necho deploying\n');
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    assert.equal(await vscode.commands.executeCommand('stepflow.insertStepMarkers'), true);
    const lines = editor.document.getText().split('\n');
    assert.deepEqual(lines.slice(0, 4), ['#!/usr/bin/env bash', 'echo "STEP_START:Build"', '', 'echo "STEP_COMPLETE:Build"']);
    assert.equal(lines[4], 'echo deploying');
  });
});
