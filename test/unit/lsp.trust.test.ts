// Editor details: completion lists every marker once (the language server is the
// one source: no static snippets beside it), a misspelt keyword does not switch off the
// other checks, and the CodeLens writes σ with its unit. In-process, on the pure modules.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze } from '../../sidecar/lsp/markers/analysis';
import { completionItems } from '../../sidecar/lsp/markers/completion';
import { markerProblems } from '../../sidecar/lsp/markers/diagnostics';
import { lensTitle } from '../../sidecar/lsp/markers/history';
import { loadGrammars } from '../../sidecar/lsp/markers/syntax/grammars';

const ROOT = path.resolve(__dirname, '../..');

function itemsAt(textWithCursor: string, languageId: string, file: string) {
  const offset = textWithCursor.indexOf('|');
  const text = textWithCursor.replace('|', '');
  const lines = text.slice(0, offset).split('\n');
  const a = analyze(text, languageId, `file:///tmp/${file}`);
  assert.ok(a, `a language for ${file}`);
  return completionItems(a, offset, { line: lines.length - 1, character: lines[lines.length - 1]!.length });
}

describe('completion never lists the same marker twice', () => {
  before(() => loadGrammars());
  const cases: Array<[string, string, string]> = [
    ['shellscript', 'a.sh', '#!/bin/bash\necho "STEP_START:Build"\n|\n'],
    ['shellscript', 'b.sh', '#!/bin/bash\nST|\n'],
    ['python', 'c.py', 'print("x")\n|\n'],
    ['javascript', 'd.js', "console.log('x');\n|\n"],
    ['powershell', 'e.ps1', 'Write-Host "x"\n|\n'],
  ];
  for (const [languageId, file, text] of cases) {
    it(`offers each marker statement once in ${file}`, () => {
      const items = itemsAt(text, languageId, file);
      const labels = items.map((i) => i.label);
      assert.ok(labels.includes('STEP_START'), JSON.stringify(labels));
      assert.deepEqual(labels, [...new Set(labels)], `duplicates in ${JSON.stringify(labels)}`);
      // Each marker keyword is inserted by exactly one item (the pair inserts START and COMPLETE together).
      for (const keyword of ['STEP_START', 'STEP_COMPLETE', 'STEP_ERROR', 'STEP_WARNING', 'ARTIFACT', 'META']) {
        const single = items.filter((i) => i.label === keyword);
        assert.equal(single.length, 1, `${keyword} once in ${JSON.stringify(labels)}`);
      }
    });
  }

  it('contributes no static snippets that would repeat the language server items', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { snippets?: unknown[] } };
    assert.equal(pkg.contributes.snippets, undefined);
  });
});

describe('a misspelt keyword does not silence the other checks', () => {
  before(() => loadGrammars());
  const codes = (text: string, languageId = 'shellscript', file = 'x.sh') => markerProblems(analyze(text, languageId, `file:///tmp/${file}`)!).map((p) => p.code);

  it('still reports the step that is never completed beside a STEP_STRAT typo', () => {
    const text = ['#!/bin/bash', 'echo "STEP_STRAT:Setup"', 'echo "STEP_COMPLETE:Setup"', 'echo "STEP_START:Build"', 'make', ''].join('\n');
    assert.deepEqual(codes(text), ['misspelt-keyword', 'start-without-complete']);
  });

  it('does so whatever the misspelt keyword and wherever it is', () => {
    const text = ['#!/bin/bash', 'echo "STEP_START:Build"', 'make', 'echo "STEP_COMPLTE:Build"', 'echo "STEP_START:Test"', 'echo "STEP_COMPLETE:Tset"', ''].join('\n');
    const found = codes(text);
    assert.ok(found.includes('misspelt-keyword'), JSON.stringify(found));
    assert.ok(found.includes('complete-without-start'), JSON.stringify(found));
    assert.ok(found.includes('start-without-complete'), JSON.stringify(found));
  });

  it('in Python too', () => {
    const text = ['print("STEP_START:Load")', 'print("step_start:Parse")', 'print("STEP_COMPLETE:Parse")', ''].join('\n');
    assert.deepEqual(codes(text, 'python', 'p.py'), ['start-without-complete', 'misspelt-keyword']);
  });

  it('typo-free files keep their exact diagnostics (the typo counts as the marker it was meant to be)', () => {
    const text = ['#!/bin/bash', 'echo "STEP_STRAT:Build"', 'make', 'echo "STEP_COMPLETE:Build"', ''].join('\n');
    assert.deepEqual(codes(text), ['misspelt-keyword']);
  });
});

describe('the CodeLens writes σ with its unit', () => {
  it('reads "avg 12.3 s ± 1.1 s"', () => {
    const title = lensTitle({ stat: { count: 12, meanMs: 12_300, stdDevMs: 1100 }, recent: [{ status: 'succeeded', durationMs: 11_900 }] } as never);
    assert.equal(title, 'avg 12.3 s ± 1.1 s · last ✓ 11.9 s · 12 runs');
  });
});
