// Property: analysing a script edit by edit under one URI (the language server's way: only the
// pieces of the syntax an edit touched are reparsed, see syntax/documentTrees.ts) gives the
// same analysis as reading the edited text afresh. Random edit sequences of the kinds typing
// makes — broken fragments (open quotes, brackets, blocks, here-documents), deletions, lines
// copied from elsewhere — on the fixture corpus, with pieces made tiny so that nearly every
// edit lands next to a boundary between them, and on long scripts with the shipped size.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { analyze, type Analysis } from '../../sidecar/lsp/markers/analysis';
import { markerProblems } from '../../sidecar/lsp/markers/diagnostics';
import type { Part } from '../../sidecar/lsp/markers/types';
import { tuning } from '../../sidecar/lsp/markers/syntax/documentTrees';
import { loadGrammars } from '../../sidecar/lsp/markers/syntax/grammars';
import { fixtureFiles, languageIdFor } from '../support/lspFixtures';

const FRAGMENTS = ['"', "'", '`', '(', ')', '{', '}', '[', ']', '$(', '${', '"""', "'''", '<<EOF\n', 'EOF\n', 'if ', 'fi\n', 'do\n', 'done\n', 'end\n', '\\', '#', '/*', '*/', '@"\n', '"@\n', 'function (', 'def f(:\n', '\n', '  ', ';', 'echo "STEP_START:x"\n', 'print("STEP_COMPLETE:x")\n'];

/** The analysis with region numbers replaced by the blocks they stand for (numbering follows the order of discovery). */
function normalise(a: Analysis) {
  const { regions } = a.scan;
  const block = (r: number): string => (r <= 0 ? 'file' : `${regions[r]!.span.start}-${regions[r]!.span.end}<${block(regions[r]!.parent)}`);
  const strip = <T extends { region: number }>(x: T) => ({ ...x, region: block(x.region) });
  const plain = (p: Part) => (p.kind === 'text' ? { text: p.text, offsets: [...p.offsets], end: p.end } : { ...p.span });
  return {
    strings: a.scan.strings.map((s) => ({ ...strip(s), parts: s.parts.map(plain) })),
    regions: regions.map((r, i) => `${block(i)}:${r.lastStatementEnd}`).sort(),
    opaque: a.scan.opaque.map(strip),
    exits: a.scan.exits.map(strip),
    includesOthers: a.scan.includesOthers,
    syntaxErrors: a.scan.syntaxErrors,
    problems: markerProblems(a).map((p) => `${p.span.start}-${p.span.end} ${p.code} ${p.message}`),
    steps: JSON.stringify(a.steps, (k, v) => (k === 'parent' || k === 'source' ? undefined : v)),
    style: a.style,
    nonCode: [...a.text.matchAll(/\n/g)].map((m) => a.scan.insideNonCode(m.index + 1)).join(''),
  };
}

interface Script {
  name: string;
  languageId: string;
  text: string;
}

function check(scripts: Script[], runs: number, steps: number): void {
  let serial = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: scripts.length - 1 }),
      fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.oneof(fc.constantFrom(...FRAGMENTS), fc.constant(''), fc.double({ min: 0, max: 1, noNaN: true })), fc.integer({ min: 0, max: 40 })), { minLength: 1, maxLength: steps }),
      (which, edits) => {
        const { name, languageId, text: original } = scripts[which]!;
        const uri = `file:///incremental/${++serial}/${name}`;
        let text = original;
        assert.ok(analyze(text, languageId, uri));
        for (const [where, what, removed] of edits) {
          const at = Math.floor(where * text.length);
          // A number: a line copied from elsewhere in the script.
          let insert = typeof what === 'number' ? text.slice(text.lastIndexOf('\n', Math.floor(what * text.length)) + 1, text.indexOf('\n', Math.floor(what * text.length)) + 1) : what;
          if (insert.length > 200) insert = insert.slice(0, 200);
          const cut = insert === '' ? Math.max(1, removed) : removed % 4;
          text = text.slice(0, at) + insert + text.slice(Math.min(text.length, at + cut));
          const incremental = analyze(text, languageId, uri)!;
          const fresh = analyze(text, languageId, `file:///fresh/${++serial}/${name}`)!;
          assert.deepEqual(normalise(incremental), normalise(fresh), `${name}: ${JSON.stringify(insert)} at ${at} (removing ${cut})`);
        }
      },
    ),
    { numRuns: runs },
  );
}

describe('incremental parsing reads an edited script as a fresh parse does', function () {
  this.timeout(300_000);
  const corpus: Script[] = [...fixtureFiles('clean'), ...fixtureFiles('diagnostics')]
    .filter((file) => !file.endsWith('.pl'))
    .map((file) => ({ name: path.basename(file), languageId: languageIdFor(file), text: fs.readFileSync(file, 'utf8') }));
  before(() => loadGrammars());
  afterEach(() => {
    tuning.viewChars = 4096;
  });

  it('with tiny pieces, on the fixture corpus', () => {
    tuning.viewChars = 48;
    check(corpus, 300, 12);
  });

  it('with the shipped piece size, on long scripts (the corpus of each language end to end)', () => {
    const byLanguage = new Map<string, Script>();
    for (const s of corpus) {
      const long = byLanguage.get(s.languageId) ?? { name: `long${path.extname(s.name)}`, languageId: s.languageId, text: '' };
      long.text += s.text.endsWith('\n') ? s.text : `${s.text}\n`;
      byLanguage.set(s.languageId, long);
    }
    check([...byLanguage.values()], 40, 10);
  });
});
