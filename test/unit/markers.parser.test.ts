// The output parser: lines and markers from raw byte chunks (docs/spec.md §1).
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { Dialect } from '../../sidecar/markers/dialect';
import { OutputParser } from '../../sidecar/markers/outputParser';
import type { ParsedBatch } from '../../sidecar/markers/outputParser';
import { stepflowDialect } from '../../sidecar/markers/stepflowDialect';
import type { MarkerEvent } from '../../sidecar/protocol/markers';

interface Whole {
  bytes: Buffer;
  lineCount: number;
  /** Markers with their 0-based line index in the whole stream. */
  markers: Array<{ line: number; event: MarkerEvent }>;
}

/** Feeds `chunks` then end(), and joins the batches as one stream would be seen. */
function feed(chunks: Array<Uint8Array | string>, parser = new OutputParser()): Whole {
  const batches: ParsedBatch[] = chunks.map((c) => parser.push(typeof c === 'string' ? Buffer.from(c) : c));
  batches.push(parser.end());
  const whole: Whole = { bytes: Buffer.concat(batches.map((b) => b.bytes)), lineCount: 0, markers: [] };
  for (const batch of batches) {
    for (const m of batch.markers) whole.markers.push({ line: whole.lineCount + m.index, event: m.event });
    whole.lineCount += batch.lineCount;
  }
  return whole;
}

const events = (w: Whole) => w.markers.map((m) => m.event);
const start = (name: string): MarkerEvent => ({ kind: 'stepStart', name });

describe('markers: output parser', () => {
  it('returns complete lines and the markers in them with their line index', () => {
    const parser = new OutputParser();
    const batch = parser.push(Buffer.from('hello\nSTEP_START:Build\ncompiling\nSTEP_COMPLETE:Build\npart'));
    assert.equal(batch.bytes.toString(), 'hello\nSTEP_START:Build\ncompiling\nSTEP_COMPLETE:Build\n');
    assert.equal(batch.lineCount, 4);
    assert.deepEqual(batch.markers, [
      { index: 1, event: start('Build') },
      { index: 3, event: { kind: 'stepComplete', name: 'Build' } },
    ]);
    const last = parser.end();
    assert.equal(last.bytes.toString(), 'part\n');
    assert.equal(last.lineCount, 1);
  });

  it('hands back a zero-copy view of the chunk when no partial line is pending', () => {
    const chunk = Buffer.from('a\nb\nc');
    const batch = new OutputParser().push(chunk);
    assert.equal(batch.bytes.buffer, chunk.buffer);
    assert.equal(batch.bytes.byteOffset, chunk.byteOffset);
    assert.equal(batch.bytes.toString(), 'a\nb\n');
  });

  it('accepts a plain Uint8Array', () => {
    const batch = new OutputParser().push(new TextEncoder().encode('STEP_START:x\n'));
    assert.deepEqual(batch.markers, [{ index: 0, event: start('x') }]);
  });

  const recognised: Array<[string, string, MarkerEvent | null]> = [
    ['ANSI-coloured marker', '\x1b[32mSTEP_START:Build\x1b[0m\n', start('Build')],
    ['ANSI inside the marker', '\x1b[1mSTEP\x1b[0m_START:\x1b[36mBuild\x1b[0m\n', start('Build')],
    ['ANSI and whitespace interleaved', '  \x1b[2K\t\x1b]0;t\x07 STEP_START:Build\n', start('Build')],
    ['leading spaces', '    STEP_START:Build\n', start('Build')],
    ['leading tabs', '\t\tSTEP_START:Build\n', start('Build')],
    ['CRLF line ending', 'STEP_START:Build\r\n', start('Build')],
    ['CR before the text (progress overwrite)', '\rSTEP_START:Build\n', start('Build')],
    ['UTF-8 BOM', '\uFEFFSTEP_START:Build\n', start('Build')],
    ['UTF-8 name', 'STEP_START:Déploiement 🚀 部署\n', start('Déploiement 🚀 部署')],
    ['Windows artifact', 'ARTIFACT:C:\\out\\r.xml:Report\r\n', { kind: 'artifact', path: 'C:\\out\\r.xml', description: 'Report' }],
    ['META value with colons', 'META:DESCRIPTION:a: b\n', { kind: 'meta', key: 'DESCRIPTION', value: 'a: b' }],
    ['text before the keyword', 'echo STEP_START:Build\n', null],
    ['lower-case keyword', 'step_start:Build\n', null],
    ['ordinary line starting with S', 'Sending request\n', null],
    ['whitespace-only line', '   \t\r\n', null],
    ['escape-only line', '\x1b[0m\x1b[K\n', null],
  ];
  for (const [title, input, expected] of recognised) {
    it(`${expected ? 'recognises' : 'ignores'}: ${title}`, () => {
      assert.deepEqual(events(feed([input])), expected ? [expected] : []);
    });
  }

  it('keeps CR bytes in the returned lines', () => {
    assert.equal(feed(['a\r\nb\r\n']).bytes.toString(), 'a\r\nb\r\n');
  });

  it('finds markers split across chunks, including split CRLF and split UTF-8', () => {
    const text = Buffer.from('noise\nSTEP_START:Ünï 🚀\r\nSTEP_COMPLETE:Ünï 🚀\r\n');
    const expected = feed([text]);
    for (let cut = 1; cut < text.length; cut++) {
      const got = feed([text.subarray(0, cut), text.subarray(cut)]);
      assert.deepEqual(got, expected, `cut at ${cut}`);
    }
    assert.deepEqual(events(expected), [start('Ünï 🚀'), { kind: 'stepComplete', name: 'Ünï 🚀' }]);
  });

  it('parses a marker in an unterminated last line at end()', () => {
    const w = feed(['out\nSTEP_COMPLETE:Build']);
    assert.equal(w.bytes.toString(), 'out\nSTEP_COMPLETE:Build\n');
    assert.deepEqual(w.markers, [{ line: 1, event: { kind: 'stepComplete', name: 'Build' } }]);
  });

  it('returns empty batches for empty input and a second end()', () => {
    const parser = new OutputParser();
    assert.deepEqual(parser.push(Buffer.alloc(0)), { bytes: Buffer.alloc(0), lineCount: 0, markers: [] });
    assert.equal(parser.end().lineCount, 0);
    assert.equal(parser.end().lineCount, 0);
  });

  it('never throws on invalid UTF-8, NUL and binary, and decodes with the replacement char', () => {
    const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 0xff));
    const w = feed([binary, '\nSTEP_', 'START:bad', Buffer.from([0xff, 0x00, 0x0a]), Buffer.from([0xc3])]);
    assert.ok(w.lineCount > 0);
    const names = events(w).filter((e) => e.kind === 'stepStart');
    assert.equal(names.length, 1);
    assert.deepEqual(names[0], start('bad\uFFFD\0'));
  });

  describe('line cap', () => {
    const cap = 8;
    const parse = (chunks: string[]) => feed(chunks, new OutputParser({ maxLineBytes: cap }));

    it('keeps a line of exactly the cap whole', () => {
      const w = parse(['12345678\n']);
      assert.equal(w.bytes.toString(), '12345678\n');
      assert.equal(w.lineCount, 1);
    });

    it('splits a longer line into pieces of exactly the cap', () => {
      const w = parse(['1234567890123456789\nok\n']);
      assert.equal(w.bytes.toString(), '12345678\n90123456\n789\nok\n');
      assert.equal(w.lineCount, 4);
    });

    it('does not add an empty piece when the line is a multiple of the cap', () => {
      assert.equal(parse(['1234567812345678\n']).bytes.toString(), '12345678\n12345678\n');
      assert.equal(parse(['1234567812345678']).bytes.toString(), '12345678\n12345678\n');
    });

    it('parses the first piece as a (truncated) marker but never a continuation piece', () => {
      const w = feed(['STEP_START:a-very-long-name\nxxxxxxxxSTEP_START:b\n'], new OutputParser({ maxLineBytes: 16 }));
      assert.equal(w.bytes.toString(), 'STEP_START:a-ver\ny-long-name\nxxxxxxxxSTEP_STA\nRT:b\n');
      assert.deepEqual(w.markers, [{ line: 0, event: start('a-ver') }]);
      const cont = feed(['0123456789abcdefSTEP_START:c\n'], new OutputParser({ maxLineBytes: 16 }));
      assert.equal(cont.bytes.toString(), '0123456789abcdef\nSTEP_START:c\n');
      assert.deepEqual(cont.markers, [], 'the piece after a cut does not start a line');
    });

    it('holds at most the cap between pushes, however long the line', () => {
      const parser = new OutputParser({ maxLineBytes: 1024 });
      const chunk = Buffer.alloc(10_000, 0x61);
      let fed = 0;
      let emittedContent = 0;
      for (let i = 0; i < 500; i++) {
        const b = parser.push(chunk);
        fed += chunk.length;
        emittedContent += b.bytes.length - b.lineCount;
        assert.ok(fed - emittedContent <= 1024, `held ${fed - emittedContent} bytes`);
      }
    });

    it('rejects a cap that is not a positive integer', () => {
      assert.throws(() => new OutputParser({ maxLineBytes: 0 }), RangeError);
      assert.throws(() => new OutputParser({ maxLineBytes: 1.5 }), RangeError);
    });
  });

  describe('dialects', () => {
    const github: Dialect = {
      id: 'github',
      leadBytes: [0x3a],
      parseLine: (line) => (line.startsWith('::group::') ? start(line.slice(9)) : null),
    };

    it('plugs in another dialect next to the StepFlow one', () => {
      const w = feed(['::group::Lint\nSTEP_START:Build\n::endgroup::\n'], new OutputParser({ dialects: [github, stepflowDialect] }));
      assert.deepEqual(events(w), [start('Lint'), start('Build')]);
    });

    it('uses only the dialects it is given', () => {
      const w = feed(['::group::Lint\nSTEP_START:Build\n'], new OutputParser({ dialects: [github] }));
      assert.deepEqual(events(w), [start('Lint')]);
    });

    it('survives a dialect that throws', () => {
      const broken: Dialect = { id: 'broken', leadBytes: [0x53], parseLine: () => { throw new Error('bug'); } };
      const w = feed(['STEP_START:Build\n'], new OutputParser({ dialects: [broken, stepflowDialect] }));
      assert.deepEqual(events(w), [start('Build')]);
    });

    it('rejects lead bytes that are not printable ASCII', () => {
      for (const b of [0x20, 0x1b, 0xc3, 300]) {
        assert.throws(() => new OutputParser({ dialects: [{ ...github, leadBytes: [b] }] }), RangeError);
      }
    });
  });
});

describe('markers: output parser chunking invariance (property)', () => {
  const CAP = 64;
  const markerLines = [
    'STEP_START:Build', 'STEP_COMPLETE:Build', 'STEP_COMPLETE:', 'STEP_ERROR:src/a.ts:1:2: bad',
    'STEP_WARNING:careful', 'ARTIFACT:C:\\out\\r.xml:Report: final', 'META:PROGRESS:50',
    'STEP_START:日本語 🚀', '\x1b[32mSTEP_START:green\x1b[0m', '  \tMETA:K:v', 'STEP_START:' + 'n'.repeat(70),
  ];
  // Lines at the cap's edges: markers of exactly CAP bytes (and one less / one more), and
  // long lines whose continuation after a cut starts with marker text.
  const atCap = (prefix: string, length: number) => prefix + 'n'.repeat(length - prefix.length);
  const capEdges = [
    atCap('STEP_START:', CAP), atCap('STEP_START:', CAP - 1), atCap('STEP_START:', CAP + 1),
    atCap('META:K:', CAP), atCap('  STEP_COMPLETE:', CAP),
    'x'.repeat(CAP) + 'STEP_START:cont', 'x'.repeat(CAP) + 'META:K:cont', 'y'.repeat(2 * CAP) + 'STEP_START:third',
    'z'.repeat(CAP - 3) + 'STEP_START:straddles',
  ];
  const piece = fc.oneof(
    fc.constantFrom(...markerLines).map((s) => Buffer.from(s)),
    fc.constantFrom(...capEdges).map((s) => Buffer.from(s)),
    fc.string({ maxLength: 30 }).map((s) => Buffer.from(s)),
    fc.string({ unit: 'binary', maxLength: 20 }).map((s) => Buffer.from(s)),
    fc.constantFrom('🚀', '漢字', 'é', '\r\n', '\n', '\r', '\0', '\x1b[', '\x1b]0;x').map((s) => Buffer.from(s)),
    fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a)),
    fc.integer({ min: 60, max: 200 }).map((n) => Buffer.alloc(n, 0x78)),
  );
  const stream = fc.array(fc.tuple(piece, fc.constantFrom('\n', '\r\n', '')), { maxLength: 40 }).map((parts) =>
    Buffer.concat(parts.flatMap(([p, end]) => [p, Buffer.from(end)])),
  );

  /**
   * What the parser must produce, written the obvious way: split at "\n", cut each line's
   * content into pieces of CAP bytes (no empty piece after an exact multiple), and look for
   * a marker only in the first piece of a line — judged on that piece alone.
   */
  function reference(bytes: Buffer, cap: number): Whole {
    const nl = Buffer.from('\n');
    const out: Buffer[] = [];
    const whole: Whole = { bytes: Buffer.alloc(0), lineCount: 0, markers: [] };
    let from = 0;
    while (from < bytes.length) {
      const at = bytes.indexOf(10, from);
      const content = bytes.subarray(from, at < 0 ? bytes.length : at);
      for (let off = 0; off === 0 || off < content.length; off += cap) {
        const part = content.subarray(off, off + cap);
        if (off === 0) {
          const found = new OutputParser({ maxLineBytes: cap }).push(Buffer.concat([part, nl])).markers;
          if (found.length > 0) whole.markers.push({ line: whole.lineCount, event: found[0]!.event });
        }
        out.push(part, nl);
        whole.lineCount++;
      }
      from = at < 0 ? bytes.length : at + 1;
    }
    whole.bytes = Buffer.concat(out);
    return whole;
  }

  /** Chunk boundaries: anywhere, or exactly at (or next to) a line's cut points. */
  const cutSeeds = fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.integer({ min: -1, max: 1 })), { maxLength: 12 });
  function cutsFor(bytes: Buffer, seeds: Array<[boolean, number, number]>): number[] {
    const special: number[] = [];
    for (let lineStart = 0; lineStart < bytes.length; ) {
      const at = bytes.indexOf(10, lineStart);
      const end = at < 0 ? bytes.length : at;
      for (let k = lineStart + CAP; k <= end; k += CAP) special.push(k);
      lineStart = end + 1;
    }
    const cuts = seeds.map(([atCut, n, nudge]) =>
      atCut && special.length > 0 ? Math.min(bytes.length, Math.max(0, special[n % special.length]! + nudge)) : n % (bytes.length + 1),
    );
    return [...new Set(cuts)].sort((a, b) => a - b);
  }

  it('gives the bytes, lines and markers of the line-by-line reference for any split into chunks', () => {
    fc.assert(
      fc.property(stream, cutSeeds, (bytes, seeds) => {
        const chunks: Buffer[] = [];
        let from = 0;
        for (const cut of [...cutsFor(bytes, seeds), bytes.length]) {
          chunks.push(bytes.subarray(from, cut));
          from = cut;
        }
        const expected = reference(bytes, CAP);
        assert.deepEqual(feed([bytes], new OutputParser({ maxLineBytes: CAP })), expected);
        assert.deepEqual(feed(chunks, new OutputParser({ maxLineBytes: CAP })), expected);
      }),
      { numRuns: 500 },
    );
  });

  it('finds markers exactly at the cap and never in a continuation, whatever the split', () => {
    const cases = fc.tuple(fc.constantFrom(...capEdges), fc.constantFrom(...capEdges), fc.constantFrom('\n', '\r\n'));
    fc.assert(
      fc.property(cases, cutSeeds, ([a, b, end], seeds) => {
        const bytes = Buffer.from(a + end + b + end);
        const chunks: Buffer[] = [];
        let from = 0;
        for (const cut of [...cutsFor(bytes, seeds), bytes.length]) {
          chunks.push(bytes.subarray(from, cut));
          from = cut;
        }
        assert.deepEqual(feed(chunks, new OutputParser({ maxLineBytes: CAP })), reference(bytes, CAP));
      }),
      { numRuns: 300 },
    );
  });

  it('passes bytes through unchanged when no line exceeds the cap', () => {
    fc.assert(
      fc.property(stream, fc.integer({ min: 1, max: 64 }), (bytes, size) => {
        const chunks: Buffer[] = [];
        for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
        const w = feed(chunks, new OutputParser({ maxLineBytes: 1 << 20 }));
        const expected = bytes.length === 0 || bytes[bytes.length - 1] === 10 ? bytes : Buffer.concat([bytes, Buffer.from('\n')]);
        assert.deepEqual(w.bytes, expected);
      }),
      { numRuns: 300 },
    );
  });
});
