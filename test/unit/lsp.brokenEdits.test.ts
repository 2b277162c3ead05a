// Property: a syntactically broken edit of a correct script never produces a structural
// warning (balance, order, duplicates) about a step elsewhere in the file whose START and
// COMPLETE lines the edit did not touch. "Uncertainty means silence": while a script does
// not parse, or parses into something else, steps the user is not editing stay unflagged.
// In-process, on the clean corpus (test/fixtures/lsp/clean/).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { allSteps, analyze } from '../../sidecar/lsp/markers/analysis';
import { markerProblems } from '../../sidecar/lsp/markers/diagnostics';
import { loadGrammars } from '../../sidecar/lsp/markers/syntax/grammars';
import { fixtureFiles, languageIdFor } from '../support/lspFixtures';

const STRUCTURAL = new Set(['start-without-complete', 'complete-without-start', 'complete-not-open', 'duplicate-step']);

/** Fragments that break a script's syntax in the ways typing does: open quotes, brackets, blocks. */
const BROKEN = ['"', "'", '`', '(', ')', '{', '}', '[', '$(', '${', '"""', "'''", '<<EOF\n', 'if ', 'fi\n', 'do\n', 'done\n', 'end\n', '\\', '#', '/*', '@"\n', 'function (', 'def f(:\n'];

describe('broken edits never flag an untouched, balanced step', function () {
  // Not a speed limit: a property run parses hundreds of edited scripts, all CPU, which took
  // 18 s at load 25 on two cores, near mocha's 20 s default.
  this.timeout(120_000);
  const scripts = fixtureFiles('clean').map((file) => ({ file, languageId: languageIdFor(file), text: fs.readFileSync(file, 'utf8') }));
  before(() => loadGrammars());

  it('holds for random insertions and deletions in the clean corpus', () => {
    let uri = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: scripts.length - 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.oneof(fc.constantFrom(...BROKEN), fc.constant('')),
        fc.integer({ min: 0, max: 3 }),
        (which, where, insert, removed) => {
          const { file, languageId, text } = scripts[which]!;
          const at = Math.min(text.length, Math.floor(where * text.length));
          const cut = insert === '' ? Math.max(1, removed) : removed;
          const edited = text.slice(0, at) + insert + text.slice(Math.min(text.length, at + cut));
          const delta = insert.length - Math.min(cut, text.length - at);
          const original = analyze(text, languageId, `file:///corpus/${path.basename(file)}`);
          assert.ok(original);
          // Steps whose START and COMPLETE statements lie wholly before or after the edited span.
          const untouched = (s: { start: number; end: number }) => s.end < at || s.start > at + cut;
          const safe = new Set(
            allSteps(original.steps)
              .filter((n) => n.static && n.end && untouched(n.start.source.statement) && untouched(n.end.source.statement))
              .map((n) => n.name),
          );
          const after = analyze(edited, languageId, `file:///edits/${++uri}/${path.basename(file)}`);
          if (!after) return;
          for (const problem of markerProblems(after)) {
            if (!STRUCTURAL.has(problem.code) || !problem.data?.step || !safe.has(problem.data.step)) continue;
            // A problem inside the edited span is about what the user is typing.
            if (problem.span.start >= at && problem.span.start <= at + insert.length) continue;
            assert.fail(
              `${path.basename(file)}: ${JSON.stringify(insert)} at ${at} (removing ${cut}, delta ${delta}) flags the untouched step "${problem.data.step}": ${problem.code} at ${problem.span.start}`,
            );
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
