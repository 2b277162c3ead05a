// Marker completion from the sidecar's language server over JSON-RPC: per language and
// cursor position (statement start, inside a string, after META:, after STEP_COMPLETE:),
// and nothing where a marker cannot go (comments, the middle of an expression).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CompletionItem, TextEdit } from 'vscode-languageserver-protocol';
import { tempDir } from '../support/cli';
import { LspClient, fileUri } from '../support/lspClient';

const newText = (item: CompletionItem) => (item.textEdit as TextEdit).newText;

describe('LSP marker completion (JSON-RPC to the built sidecar)', () => {
  let home: string;
  let client: LspClient;
  let count = 0;

  before(async () => {
    home = tempDir('stepflow-lsp-home-');
    client = await LspClient.start(home);
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  /** Opens `text` (with `|` marking the cursor) and asks for completion there. */
  async function complete(ext: string, languageId: string, textWithCursor: string, trigger?: string): Promise<CompletionItem[]> {
    const offset = textWithCursor.indexOf('|');
    const text = textWithCursor.replace('|', '');
    const before = text.slice(0, offset).split('\n');
    const uri = fileUri(path.join(home, `doc${++count}${ext}`));
    await client.open(uri, languageId, text);
    const items = await client.completion(uri, before.length - 1, before[before.length - 1]!.length, trigger);
    await client.close(uri);
    return items;
  }

  const statements: Array<[string, string, string, string]> = [
    ['.sh', 'shellscript', 'echo "STEP_START:${1:name}"', 'echo "STEP_START:${1:name}"\n$0\necho "STEP_COMPLETE:${1:name}"'],
    ['.py', 'python', 'print("STEP_START:${1:name}")', 'print("STEP_START:${1:name}")\n$0\nprint("STEP_COMPLETE:${1:name}")'],
    ['.js', 'javascript', 'console.log("STEP_START:${1:name}");', 'console.log("STEP_START:${1:name}");\n$0\nconsole.log("STEP_COMPLETE:${1:name}");'],
    ['.ts', 'typescript', 'console.log("STEP_START:${1:name}");', 'console.log("STEP_START:${1:name}");\n$0\nconsole.log("STEP_COMPLETE:${1:name}");'],
    ['.ps1', 'powershell', 'Write-Host "STEP_START:${1:name}"', 'Write-Host "STEP_START:${1:name}"\n$0\nWrite-Host "STEP_COMPLETE:${1:name}"'],
  ];
  for (const [ext, languageId, start, pair] of statements) {
    it(`offers whole ${languageId} statements and a START/COMPLETE pair at the start of a line`, async () => {
      const items = await complete(ext, languageId, 'x = 1\n  STEP|\n');
      const labels = items.map((i) => i.label);
      for (const keyword of ['STEP_START', 'STEP_COMPLETE', 'STEP_ERROR', 'STEP_WARNING', 'ARTIFACT', 'META']) assert.ok(labels.includes(keyword), `${keyword} in ${labels}`);
      const startItem = items.find((i) => i.label === 'STEP_START')!;
      assert.equal(newText(startItem), start);
      assert.equal(startItem.insertTextFormat, 2, 'a snippet');
      assert.deepEqual((startItem.textEdit as TextEdit).range, { start: { line: 1, character: 2 }, end: { line: 1, character: 6 } }, 'replaces the typed word');
      const pairItem = items.find((i) => i.label === 'STEP_START … STEP_COMPLETE')!;
      assert.equal(newText(pairItem), pair, 'one shared placeholder for the name');
      assert.match(newText(items.find((i) => i.label === 'META')!), /META:\$\{1\|ESTIMATED_DURATION,DESCRIPTION,PROGRESS\|\}:\$\{2:value\}/);
    });
  }

  it('follows the quote style of the document (JavaScript single quotes)', async () => {
    const items = await complete('.js', 'javascript', "console.log('STEP_START:a');\n|\nconsole.log('STEP_COMPLETE:a');\n");
    assert.equal(newText(items.find((i) => i.label === 'STEP_ERROR')!), "console.log('STEP_ERROR:${1:message}');");
  });

  it('proposes the innermost open step as the STEP_COMPLETE name', async () => {
    const items = await complete('.sh', 'shellscript', 'echo "STEP_START:Build"\necho "STEP_START:Compile"\nmake\n|\n');
    assert.equal(newText(items.find((i) => i.label === 'STEP_COMPLETE')!), 'echo "STEP_COMPLETE:${1:Compile}"');
  });

  const inString: Array<[string, string, string]> = [
    ['.sh', 'shellscript', 'echo "ST|'],
    ['.sh', 'shellscript', 'echo ST|'],
    ['.py', 'python', 'print(f"|'],
    ['.js', 'javascript', 'console.log(`STEP_|`)'],
    ['.ts', 'typescript', "console.log('|')"],
    ['.ps1', 'powershell', 'Write-Host "STEP|"'],
  ];
  for (const [ext, languageId, text] of inString) {
    it(`offers marker keywords inside a ${languageId} string: ${text}`, async () => {
      const items = await complete(ext, languageId, text, text.endsWith('"|') || text.endsWith("'|") ? text.at(-2) : undefined);
      assert.deepEqual(
        items.map((i) => i.label),
        ['STEP_START:', 'STEP_COMPLETE:', 'STEP_ERROR:', 'STEP_WARNING:', 'ARTIFACT:', 'META:'],
      );
      const start = items[0]!;
      const typed = /([A-Za-z_]*)\|/.exec(text)![1]!;
      const edit = start.textEdit as TextEdit;
      assert.equal(edit.range.end.character - edit.range.start.character, typed.length, 'replaces what was typed');
      assert.equal(edit.newText, 'STEP_START:');
    });
  }

  it('offers the META keys after META: and replaces the partial key', async () => {
    const items = await complete('.py', 'python', 'print("META:PRO|")', ':');
    assert.deepEqual(items.map((i) => i.label), ['ESTIMATED_DURATION', 'DESCRIPTION', 'PROGRESS']);
    const edit = items[2]!.textEdit as TextEdit;
    assert.deepEqual(edit.range, { start: { line: 0, character: 12 }, end: { line: 0, character: 15 } });
    assert.equal(edit.newText, 'PROGRESS:');
  });

  it('offers the open steps, innermost first, after STEP_COMPLETE:', async () => {
    const items = await complete('.ps1', 'powershell', 'Write-Host "STEP_START:Build"\nWrite-Host "STEP_START:Unit tests"\nWrite-Host "STEP_COMPLETE:|"', ':');
    assert.deepEqual(items.map((i) => i.label), ['Unit tests', 'Build']);
  });

  it('offers nothing inside comments or in the middle of an expression', async () => {
    assert.deepEqual(await complete('.sh', 'shellscript', '# STEP|\n'), []);
    assert.deepEqual(await complete('.js', 'javascript', 'const x = 1; // STEP|\n'), []);
    assert.deepEqual(await complete('.py', 'python', 'x = y + STEP|\n'), []);
    assert.deepEqual(await complete('.py', 'python', '"""\nSTEP|\n"""\n'), [], 'inside a multi-line string');
    assert.deepEqual(await complete('.sh', 'shellscript', 'cat <<EOF\nSTEP|\nEOF\n'), [], 'inside a here-document');
  });
});
