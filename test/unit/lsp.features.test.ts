// Code actions, rename, outline symbols, hover and CodeLens with step history, from the
// sidecar's language server over JSON-RPC. History comes from real runs: the CLI runs a
// fixture twice into the same database first.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CodeAction, Diagnostic, MarkupContent } from 'vscode-languageserver-protocol';
import { runCli, tempDir } from '../support/cli';
import { LspClient, applyEdits, fileUri } from '../support/lspClient';
import { FIXTURES } from '../support/lspFixtures';

describe('LSP step features (JSON-RPC to the built sidecar)', () => {
  let home: string;
  let work: string;
  let client: LspClient;
  let count = 0;

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

  async function open(name: string, languageId: string, text: string): Promise<{ uri: string; diagnostics: Diagnostic[] }> {
    const uri = fileUri(path.join(work, `${++count}-${name}`));
    return { uri, diagnostics: await client.open(uri, languageId, text) };
  }

  describe('code actions', () => {
    it('fixes a misspelt keyword, and the diagnostic goes away', async () => {
      const text = 'echo "STEP_START:Build"\necho "STEP_COMPLTE:Build"\n';
      const { uri, diagnostics } = await open('typo.sh', 'shellscript', text);
      const typo = diagnostics.find((d) => d.code === 'misspelt-keyword')!;
      const actions = await client.codeActions(uri, typo.range, [typo]);
      const fix = actions.find((a) => a.title === 'Change to STEP_COMPLETE')!;
      assert.ok(fix, JSON.stringify(actions.map((a) => a.title)));
      assert.equal(fix.kind, 'quickfix');
      assert.equal(fix.isPreferred, true);
      const fixed = applyEdits(text, fix.edit, uri);
      assert.equal(fixed, 'echo "STEP_START:Build"\necho "STEP_COMPLETE:Build"\n');
      assert.deepEqual(await client.change(uri, fixed), []);
    });

    it('adds the missing STEP_COMPLETE, closing the open child first', async () => {
      const text = ['#!/bin/bash', 'echo "STEP_START:Deploy"', '  echo "STEP_START:Upload"', '  scp a b:', '# done', ''].join('\n');
      const { uri, diagnostics } = await open('missing.sh', 'shellscript', text);
      const deploy = diagnostics.find((d) => d.code === 'start-without-complete' && d.range.start.line === 1)!;
      const actions = await client.codeActions(uri, deploy.range, [deploy]);
      const fix = actions.find((a) => a.title === 'Add missing STEP_COMPLETE:Deploy')!;
      const fixed = applyEdits(text, fix.edit, uri);
      assert.equal(
        fixed,
        ['#!/bin/bash', 'echo "STEP_START:Deploy"', '  echo "STEP_START:Upload"', '  scp a b:', '  echo "STEP_COMPLETE:Upload"', 'echo "STEP_COMPLETE:Deploy"', '# done', ''].join('\n'),
      );
      assert.deepEqual(await client.change(uri, fixed), []);
    });

    it('adds the missing STEP_COMPLETE at the end of a Python function, indented like the START', async () => {
      const text = ['def main():', '    print("STEP_START:Load")', '    load()', '', '', 'main()', ''].join('\n');
      const { uri, diagnostics } = await open('missing.py', 'python', text);
      const [d] = diagnostics;
      assert.equal(d?.code, 'start-without-complete');
      const [fix] = await client.codeActions(uri, d!.range, [d!]);
      const fixed = applyEdits(text, fix!.edit, uri);
      assert.equal(fixed, ['def main():', '    print("STEP_START:Load")', '    load()', '    print("STEP_COMPLETE:Load")', '', '', 'main()', ''].join('\n'));
      assert.deepEqual(await client.change(uri, fixed), []);
    });

    it('adds the missing STEP_COMPLETE at the end of a shell then-branch, before its elif and else', async () => {
      const text = ['if [ -f a ]; then', '  echo "STEP_START:Build"', '  make', 'elif [ -f b ]; then', '  echo b', 'else', '  echo "no build"', 'fi', ''].join('\n');
      const { uri, diagnostics } = await open('missing-then.sh', 'shellscript', text);
      const [d] = diagnostics;
      assert.equal(d?.code, 'start-without-complete');
      const [fix] = await client.codeActions(uri, d!.range, [d!]);
      const fixed = applyEdits(text, fix!.edit, uri);
      assert.equal(fixed, ['if [ -f a ]; then', '  echo "STEP_START:Build"', '  make', '  echo "STEP_COMPLETE:Build"', 'elif [ -f b ]; then', '  echo b', 'else', '  echo "no build"', 'fi', ''].join('\n'));
      assert.deepEqual(await client.change(uri, fixed), []);
    });

    const wraps: Array<[string, string, string[], string[]]> = [
      ['wrap.sh', 'shellscript', ['set -e', 'if true; then', '  make', '  make test', 'fi'], ['set -e', 'if true; then', '  echo "STEP_START:New step"', '  make', '  make test', '  echo "STEP_COMPLETE:New step"', 'fi']],
      ['wrap.py', 'python', ['def main():', '    x = 1', '    y = 2', ''], ['def main():', '    print("STEP_START:New step")', '    x = 1', '    y = 2', '    print("STEP_COMPLETE:New step")', '']],
      ['wrap.js', 'javascript', ['async function main() {', '    await a();', '    await b();', '}'], ['async function main() {', '    console.log("STEP_START:New step");', '    await a();', '    await b();', '    console.log("STEP_COMPLETE:New step");', '}']],
      ['wrap.ps1', 'powershell', ['foreach ($x in 1..3) {', '  Write-Host $x', '}'], ['foreach ($x in 1..3) {', '  Write-Host "STEP_START:New step"', '  Write-Host $x', '  Write-Host "STEP_COMPLETE:New step"', '}']],
    ];
    for (const [name, languageId, lines, expected] of wraps) {
      it(`wraps the selected lines in a step with the ${languageId} statements, keeping the indentation`, async () => {
        const text = lines.join('\n');
        const { uri } = await open(name, languageId, text);
        const first = lines.findIndex((l) => /make|x = 1|await a|Write-Host \$x/.test(l));
        const last = lines.findIndex((l) => /make test|y = 2|await b|Write-Host \$x/.test(l));
        // Selection from the middle of the first line to the end of the last.
        const actions: CodeAction[] = await client.codeActions(uri, { start: { line: first, character: 3 }, end: { line: last, character: lines[last]!.length } });
        const wrap = actions.find((a) => a.title === 'Wrap selection in a StepFlow step')!;
        assert.ok(wrap, JSON.stringify(actions.map((a) => a.title)));
        assert.equal(wrap.kind, 'refactor.rewrite');
        const wrapped = applyEdits(text, wrap.edit, uri);
        assert.equal(wrapped, expected.join('\n'));
        assert.deepEqual(await client.change(uri, wrapped), [], 'the wrapped script is clean');
      });
    }

    it('offers no wrap for an empty selection', async () => {
      const { uri } = await open('empty.sh', 'shellscript', 'make\n');
      const actions = await client.codeActions(uri, { start: { line: 0, character: 1 }, end: { line: 0, character: 1 } });
      assert.deepEqual(actions, []);
    });
  });

  describe('rename', () => {
    const text = ['echo "STEP_START:Build"', 'echo "STEP_START:Compile"', 'echo "STEP_COMPLETE:Compile"', "echo 'STEP_COMPLETE:Build'", 'echo "STEP_START:$dyn"', ''].join('\n');

    it('renames a step on its START marker: START and COMPLETE change together', async () => {
      const { uri } = await open('rename.sh', 'shellscript', text);
      const prepared = await client.prepareRename(uri, 0, 19);
      assert.deepEqual(prepared, { range: { start: { line: 0, character: 17 }, end: { line: 0, character: 22 } }, placeholder: 'Build' });
      const edit = await client.rename(uri, 0, 19, 'Build app');
      assert.equal(applyEdits(text, edit, uri), text.replace('STEP_START:Build', 'STEP_START:Build app').replace('STEP_COMPLETE:Build', 'STEP_COMPLETE:Build app'));
    });

    it('renames from the COMPLETE marker too', async () => {
      const { uri } = await open('rename2.sh', 'shellscript', text);
      const edit = await client.rename(uri, 2, 23, 'Link');
      assert.equal(applyEdits(text, edit, uri), text.replace(/Compile/g, 'Link'));
    });

    it('refuses dynamic names and names the quotes cannot hold', async () => {
      const { uri } = await open('rename3.sh', 'shellscript', text);
      await assert.rejects(client.prepareRename(uri, 4, 19), /built at run time/);
      await assert.rejects(client.rename(uri, 0, 19, "it's"), /cannot be written/);
      assert.equal(await client.prepareRename(uri, 0, 2), null, 'not on a marker');
    });
  });

  it('lists the steps as nested document symbols', async () => {
    const { uri } = await open(
      'outline.py',
      'python',
      ['print("STEP_START:Pipeline")', 'print("STEP_START:Load")', 'print("STEP_COMPLETE:Load")', 'for t in tables:', '    print(f"STEP_START:copy {t}")', '    print(f"STEP_COMPLETE:copy {t}")', 'print("STEP_COMPLETE:Pipeline")', 'print("STEP_START:Report")', 'print("STEP_COMPLETE:Report")', ''].join('\n'),
    );
    const symbols = await client.symbols(uri);
    const shape = (s: (typeof symbols)[number]): unknown => [s.name, s.range.start.line, s.range.end.line, (s.children ?? []).map(shape)];
    assert.deepEqual(symbols.map(shape), [
      ['Pipeline', 0, 6, [['Load', 1, 2, []], ['copy {t}', 4, 5, []]]],
      ['Report', 7, 8, []],
    ]);
    assert.deepEqual(symbols[0]!.selectionRange, { start: { line: 0, character: 18 }, end: { line: 0, character: 26 } });
  });

  describe('history on STEP_START lines', () => {
    let script: string;
    let history: LspClient;

    before(async () => {
      script = path.join(work, 'pipeline.sh');
      fs.copyFileSync(path.join(FIXTURES, 'history', 'pipeline.sh'), script);
      for (let i = 0; i < 2; i++) {
        const result = await runCli(['run', script, '--json'], { home });
        assert.equal(result.code, 0, result.stderr);
      }
      // A fresh server reads the history the CLI wrote. The document is opened here, not in
      // one of the tests: each test must pass alone and in any order (the suite is shuffled).
      history = await LspClient.start(home);
      await history.open(fileUri(script), 'shellscript', fs.readFileSync(script, 'utf8'));
    });
    after(async () => {
      await history?.stop();
    });

    it('shows runs, mean, σ, the last durations and status in the hover', async () => {
      const uri = fileUri(script);
      const hover = await history.hover(uri, 3, 8);
      const text = (hover!.contents as MarkupContent).value;
      assert.match(text, /Step “Compile”\*\* — in Build/);
      // Durations in ms or s: a loaded machine may make a 50 ms step take over a second.
      assert.match(text, /\*\*2\*\* successful runs · mean \*\*(\d+ ms|\d+\.\d s)\*\* ± (\d+ ms|\d+\.\d s) \(σ\)/);
      assert.match(text, /Last run: ✓ succeeded in (\d+ ms|\d+\.\d s)/);
      assert.match(text, /Latest durations: ✓ (\d+ ms|\d+\.\d s) · ✓ (\d+ ms|\d+\.\d s)/);
      const none = await history.hover(uri, 8, 8);
      assert.match((none!.contents as MarkupContent).value, /No runs of this step yet/);
    });

    it('puts a CodeLens with mean ± σ and the last run on each STEP_START line that has history', async () => {
      const uri = fileUri(script);
      const lenses = await history.codeLenses(uri);
      const byLine = new Map(lenses.filter((l) => l.range.start.line > 0).map((l) => [l.range.start.line, l.command!.title]));
      assert.deepEqual([...byLine.keys()], [2, 3]);
      for (const title of byLine.values()) assert.match(title, /^avg (\d+ ms|\d+\.\d s) ± (\d+ ms|\d+\.\d s) · last ✓ (\d+ ms|\d+\.\d s) · 2 runs$/);
      assert.ok(lenses.some((l) => l.range.start.line === 0 && l.command?.title === '▶ Run with StepFlow'), 'the run lens stays');
    });
  });
});
