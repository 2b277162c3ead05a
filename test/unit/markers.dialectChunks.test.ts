// Chunking invariance with every dialect on (docs/spec.md §1): any split of the same bytes
// gives the same lines and the same events — also for the CI dialects, whose state (open
// groups, GitHub's stop-commands) carries from line to line, and for masked output.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { OutputParser } from '../../sidecar/markers/outputParser';
import { createDialects } from '../../sidecar/markers/dialects/registry';
import { SecretMasker } from '../../sidecar/runs/secretMasker';
import { maskBatch } from '../../sidecar/runs/outputMasking';

const LINES = [
  '::group::Build', '::endgroup::', '::error file=src/a.ts,line=3,col=1,title=T%3Ax::bad%0Athing', '::warning::w', '::notice::n',
  '::add-mask::hunter2', 'uses hunter2 here', '::stop-commands::tok', '::TOK::', '##[group]legacy', '##[endgroup]', '##[error]e%3B',
  "##teamcity[blockOpened name='b|'1']", "##teamcity[blockClosed name='b|'1']", "##teamcity[testStarted name='t']",
  "##teamcity[testFailed name='t' message='m|n' details='d']", "##teamcity[testFinished name='t' duration='12']",
  "##teamcity[buildStatisticValue key='k' value='v']", "##teamcity[publishArtifacts 'out/x => x.zip']",
  '\x1b[0Ksection_start:1700000000:sec[collapsed=true]\r\x1b[0KSection', '\x1b[0Ksection_end:1700000009:sec\r\x1b[0K',
  '##vso[task.logissue type=error;sourcepath=a.cs;linenumber=2]x', '##vso[task.setprogress value=40;]p', '##vso[task.setvariable variable=s;issecret=true]zz9top',
  '##[section]Starting: Job', '##[section]Finishing: Job', 'STEP_START:s hunter2', 'STEP_COMPLETE:', 'MASK:zz9top', 'plain zz9top',
  '漢字 🚀 output', '',
];

interface Seen {
  text: string;
  events: unknown[];
}

function feed(chunks: Buffer[]): Seen {
  const parser = new OutputParser({ dialects: createDialects() });
  const masker = new SecretMasker();
  const parts: Buffer[] = [];
  const events: unknown[] = [];
  for (const batch of [...chunks.map((c) => parser.push(c)), parser.end()]) {
    const masked = maskBatch(batch, masker).batch;
    parts.push(masked.bytes);
    // Line indexes are per batch: events are compared by their order and content.
    for (const m of masked.markers) events.push(m.event);
  }
  return { text: Buffer.concat(parts).toString('latin1'), events };
}

describe('markers: every dialect, any split of the same bytes (property)', () => {
  const stream = fc
    .array(fc.tuple(fc.constantFrom(...LINES), fc.constantFrom('\n', '\r\n')), { minLength: 1, maxLength: 40 })
    .map((parts) => Buffer.from(parts.map(([l, e]) => l + e).join('')));

  it('gives the same lines and events as one chunk and as one line at a time', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 12 }), (bytes, seeds) => {
        const cuts = [...new Set(seeds.map((n) => n % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let from = 0;
        for (const cut of [...cuts, bytes.length]) {
          chunks.push(bytes.subarray(from, cut));
          from = cut;
        }
        const whole = feed([bytes]);
        assert.deepEqual(feed(chunks), whole);
        const byLine: Buffer[] = [];
        for (let at = 0; at < bytes.length; ) {
          const nl = bytes.indexOf(10, at);
          byLine.push(bytes.subarray(at, nl + 1));
          at = nl + 1;
        }
        assert.deepEqual(feed(byLine), whole);
        // Byte by byte, the harshest split.
        assert.deepEqual(feed([...bytes].map((b) => Buffer.from([b]))), whole);
        // A secret shows only before its first registration.
        const registered = Math.min(...['issecret=true]***', 'MASK:***'].map((s) => (whole.text.includes(s) ? whole.text.indexOf(s) : Infinity)));
        assert.ok(whole.text.lastIndexOf('zz9top') < registered);
      }),
      { numRuns: 300 },
    );
  });
});
