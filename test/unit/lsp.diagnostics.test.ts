// Marker diagnostics from the sidecar's language server over a real JSON-RPC connection
// (`node dist/sidecar.js lsp --stdio`): the fixture corpus with its expected ranges, a corpus
// of correct real-world scripts that must stay silent, edits, and the merge with the last
// run's diagnostics for the same document. Needs `npm run build`.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunRequest } from '../../sidecar/protocol/lsp';
import { ROOT, tempDir, writeScript } from '../support/cli';
import { LspClient, fileUri } from '../support/lspClient';
import { describeDiagnostic, expectedDiagnostics, fixtureFiles, languageIdFor } from '../support/lspFixtures';

describe('LSP marker diagnostics (JSON-RPC to the built sidecar)', () => {
  let home: string;
  let work: string;
  let client: LspClient;

  before(async () => {
    home = tempDir('stepflow-lsp-home-');
    work = tempDir('stepflow-lsp-work-');
    client = await LspClient.start(home);
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('announces the editor features in its capabilities', () => {
    const caps = client.initializeResult.capabilities;
    assert.ok(caps.completionProvider?.triggerCharacters?.includes(':'));
    assert.ok(caps.codeActionProvider);
    assert.deepEqual(caps.renameProvider, { prepareProvider: true });
    assert.ok(caps.documentSymbolProvider);
    assert.equal(caps.hoverProvider, true);
    assert.ok(caps.codeLensProvider);
  });

  for (const file of fixtureFiles('diagnostics')) {
    it(`reports the expected problems with exact ranges in ${path.basename(file)}`, async () => {
      const text = fs.readFileSync(file, 'utf8');
      const expected = expectedDiagnostics(text);
      assert.ok(expected.length > 0, 'the fixture declares its expectations');
      const diagnostics = await client.open(fileUri(file), languageIdFor(file), text);
      assert.deepEqual(diagnostics.map(describeDiagnostic).sort(), expected);
      for (const d of diagnostics) {
        assert.equal(d.source, 'StepFlow');
        assert.ok(d.message.length > 20, `a message that explains: ${d.message}`);
      }
      await client.close(fileUri(file));
    });
  }

  const cleanScripts = [
    ...fixtureFiles('clean'),
    ...['shell_example.sh', 'nested_failing.sh', 'helpers_example.sh', 'python_example.py', 'node_example.js', 'powershell_example.ps1', 'helpers/stepflow.sh', 'helpers/stepflow_steps.py'].map(
      (f) => path.join(ROOT, 'examples', f),
    ),
  ];
  for (const file of cleanScripts) {
    it(`stays silent on the correct script ${path.relative(ROOT, file)}`, async () => {
      const diagnostics = await client.open(fileUri(file), languageIdFor(file), fs.readFileSync(file, 'utf8'));
      assert.deepEqual(diagnostics.map((d) => `${describeDiagnostic(d)} ${d.message}`), []);
      await client.close(fileUri(file));
    });
  }

  it('updates diagnostics after an incremental edit, with the range of the new typo', async () => {
    const uri = fileUri(path.join(work, 'edit.py'));
    const before = await client.open(uri, 'python', 'print("STEP_START:Load")\nprint("STEP_COMPLETE:Load")\n');
    assert.deepEqual(before, []);
    // STEP_START → STEP_STRAT on line 0 (characters 14..16 "AR" → "RA").
    const after = await client.change(uri, 'RA', { start: { line: 0, character: 14 }, end: { line: 0, character: 16 } });
    assert.deepEqual(after.map(describeDiagnostic), ['0:7-17 misspelt-keyword']);
    const fixed = await client.change(uri, 'AR', { start: { line: 0, character: 14 }, end: { line: 0, character: 16 } });
    assert.deepEqual(fixed, []);
    await client.close(uri);
  });

  it('says nothing about languages it does not know', async () => {
    const uri = fileUri(path.join(work, 'notes.txt'));
    assert.deepEqual(await client.open(uri, 'plaintext', 'STEP_STRAT:x\n'), []);
    await client.close(uri);
  });

  it('publishes marker and run diagnostics for the same document together, and keeps both across edits', async () => {
    const script = writeScript(
      work,
      'merge.sh',
      ['#!/usr/bin/env bash', 'echo "STEP_START:Check"', 'echo "STEP_ERROR:merge.sh:4: the check failed"', 'echo "ARTIFCAT:out.txt"', 'exit 1', ''].join('\n'),
    );
    const uri = fileUri(script);
    const text = fs.readFileSync(script, 'utf8');
    const opened = await client.open(uri, 'shellscript', text);
    assert.deepEqual(opened.map(describeDiagnostic), ['3:6-14 misspelt-keyword']);

    // Run it through the server; its failure lands on line 4 of the same file.
    const merged = new Promise<void>((resolve) => {
      const check = () => {
        const now = client.diagnostics.get(uri) ?? [];
        if (now.some((d) => (d.data as { runId?: string } | undefined)?.runId) && now.some((d) => d.code === 'misspelt-keyword')) resolve();
        else client.diagnosticsAfter(uri, () => undefined).then(check, () => undefined);
      };
      client.diagnosticsAfter(uri, () => undefined).then(check, () => undefined);
    });
    await client.connection.sendRequest(RunRequest, { script, cwd: work });
    await merged;
    const both = client.diagnostics.get(uri)!;
    const run = both.find((d) => (d.data as { runId?: string } | undefined)?.runId)!;
    assert.equal(run.range.start.line, 3);
    assert.match(run.message, /Check: the check failed/);

    // An edit republishes the marker diagnostics and keeps the run's.
    const edited = await client.change(uri, 'ARTIFACT', { start: { line: 3, character: 6 }, end: { line: 3, character: 14 } });
    assert.equal(edited.filter((d) => d.code === 'misspelt-keyword').length, 0);
    assert.equal(edited.filter((d) => (d.data as { runId?: string } | undefined)?.runId).length, 1, JSON.stringify(edited));
    // Closing the document keeps only the run's diagnostics.
    const closed = await client.close(uri);
    assert.deepEqual(closed.map((d) => d.message), [run.message]);
  });
});
