// Marker behaviours a user relies on that no other test pinned down: the line
// cap's edges, a parser reused after end(), META values with spaces, a clock that steps
// back. Each of these once let a deliberate bug through.
import { strict as assert } from 'node:assert';
import { OutputParser } from '../../sidecar/markers/outputParser';
import type { ParsedBatch } from '../../sidecar/markers/outputParser';
import { parseStepflowLine } from '../../sidecar/markers/stepflowDialect';
import { StepTracker } from '../../sidecar/markers/stepTracker';
import type { MarkerEvent } from '../../sidecar/protocol/markers';

const start = (name: string): MarkerEvent => ({ kind: 'stepStart', name });

/** Pushes every chunk, then end(); returns the joined bytes, line count and markers by stream line. */
function feed(parser: OutputParser, chunks: Array<string | Buffer>, end = true): { text: string; lines: number; markers: Array<[number, MarkerEvent]> } {
  const batches: ParsedBatch[] = chunks.map((c) => parser.push(typeof c === 'string' ? Buffer.from(c) : c));
  if (end) batches.push(parser.end());
  let lines = 0;
  const markers: Array<[number, MarkerEvent]> = [];
  for (const b of batches) {
    for (const m of b.markers) markers.push([lines + m.index, m.event]);
    lines += b.lineCount;
  }
  return { text: Buffer.concat(batches.map((b) => b.bytes)).toString(), lines, markers };
}

describe('markers: a marker line exactly at the line-size cap', () => {
  const marker = 'STEP_START:abcde'; // 16 bytes
  const cap = marker.length;

  it('is recognised when it arrives in one chunk', () => {
    const w = feed(new OutputParser({ maxLineBytes: cap }), [`${marker}\nnext\n`]);
    assert.equal(w.text, `${marker}\nnext\n`);
    assert.equal(w.lines, 2);
    assert.deepEqual(w.markers, [[0, start('abcde')]]);
  });

  it('is recognised when it follows other lines in the same chunk', () => {
    const w = feed(new OutputParser({ maxLineBytes: cap }), [`a\nbb\n${marker}\n`]);
    assert.deepEqual(w.markers, [[2, start('abcde')]]);
    assert.equal(w.lines, 3);
  });

  it('is recognised whatever the chunk boundaries, including right before its newline', () => {
    const text = `x\n${marker}\ny\n`;
    for (let cut = 1; cut < text.length; cut++) {
      const w = feed(new OutputParser({ maxLineBytes: cap }), [text.slice(0, cut), text.slice(cut)]);
      assert.deepEqual(w.markers, [[1, start('abcde')]], `cut at ${cut}`);
      assert.equal(w.text, text, `cut at ${cut}`);
      assert.equal(w.lines, 3, `cut at ${cut}`);
    }
  });

  it('is recognised one byte at a time', () => {
    const w = feed(new OutputParser({ maxLineBytes: cap }), [...`${marker}\n`].map((c) => c));
    assert.deepEqual(w.markers, [[0, start('abcde')]]);
    assert.equal(w.text, `${marker}\n`);
  });

  it('is recognised as the last line without a newline (flushed at end())', () => {
    const w = feed(new OutputParser({ maxLineBytes: cap }), ['out\n', marker]);
    assert.equal(w.text, `out\n${marker}\n`);
    assert.deepEqual(w.markers, [[1, start('abcde')]]);
  });

  it('one byte longer is cut: the first piece is a truncated marker, the rest plain output', () => {
    const w = feed(new OutputParser({ maxLineBytes: cap }), [`${marker}f\n`]);
    assert.equal(w.text, `${marker}\nf\n`);
    assert.equal(w.lines, 2);
    assert.deepEqual(w.markers, [[0, start('abcde')]]);
  });
});

describe('markers: a long line cut at the cap and continued in the next chunk', () => {
  const cap = 16;
  const parser = () => new OutputParser({ maxLineBytes: cap });

  it('is not taken for a marker when the continuation starts exactly at the cut', () => {
    const w = feed(parser(), ['x'.repeat(cap), 'STEP_START:b\nSTEP_START:c\n']);
    assert.equal(w.text, `${'x'.repeat(cap)}\nSTEP_START:b\nSTEP_START:c\n`);
    assert.equal(w.lines, 3);
    assert.deepEqual(w.markers, [[2, start('c')]], 'only the line that really starts with the marker');
  });

  it('is not taken for a marker when the cut falls inside the second chunk', () => {
    const w = feed(parser(), ['x'.repeat(10), 'x'.repeat(6) + 'STEP_START:b\n', 'STEP_START:c\n']);
    assert.equal(w.text, `${'x'.repeat(cap)}\nSTEP_START:b\nSTEP_START:c\n`);
    assert.deepEqual(w.markers, [[2, start('c')]]);
  });

  it('is not taken for a marker when the continuation itself is held back over several chunks', () => {
    const w = feed(parser(), ['x'.repeat(cap + 1), 'STEP_', 'START:b', '\nMETA:K:v\n']);
    assert.equal(w.text, `${'x'.repeat(cap)}\nxSTEP_START:b\nMETA:K:v\n`);
    assert.deepEqual(w.markers, [[2, { kind: 'meta', key: 'K', value: 'v' }]]);
  });

  it('is not taken for a marker when the continuation is a whole second piece at the cap', () => {
    const w = feed(parser(), ['y'.repeat(cap), 'STEP_START:bbbbb', 'STEP_START:c\n']);
    assert.equal(w.text, `${'y'.repeat(cap)}\nSTEP_START:bbbbb\nSTEP_START:c\n`);
    assert.deepEqual(w.markers, []);
  });

  it('is not taken for a marker when its tail is flushed at end()', () => {
    const w = feed(parser(), ['z'.repeat(cap) + 'STEP_START:tail']);
    assert.equal(w.text, `${'z'.repeat(cap)}\nSTEP_START:tail\n`);
    assert.equal(w.lines, 2);
    assert.deepEqual(w.markers, []);
  });

  it('does not hide a marker on the line after the long one', () => {
    const w = feed(parser(), ['q'.repeat(40), '\nSTEP_START:next\n']);
    assert.deepEqual(w.markers, [[3, start('next')]]);
    assert.equal(w.text, `${'q'.repeat(16)}\n${'q'.repeat(16)}\n${'q'.repeat(8)}\nSTEP_START:next\n`);
  });

  it('reports how many bytes of a line in progress are held back', () => {
    const p = parser();
    p.push(Buffer.from('abc'));
    assert.equal(p.pendingBytes, 3);
    p.push(Buffer.from('def\nxy'));
    assert.equal(p.pendingBytes, 2);
    p.push(Buffer.from('w'.repeat(30)));
    assert.ok(p.pendingBytes <= cap);
    p.end();
    assert.equal(p.pendingBytes, 0);
  });
});

describe('markers: a parser reused after end()', () => {
  it('recognises markers again after a stream that ended inside a cut line', () => {
    const p = new OutputParser({ maxLineBytes: 8 });
    const first = feed(p, ['0123456789abc']);
    assert.equal(first.text, '01234567\n89abc\n');
    assert.deepEqual(first.markers, []);
    const second = feed(p, ['META:K:v\n']);
    assert.deepEqual(second.markers, [[0, { kind: 'meta', key: 'K', value: 'v' }]]);
    assert.equal(second.text, 'META:K:v\n');
  });

  it('starts the next stream on a fresh line: nothing of the previous one is held', () => {
    const p = new OutputParser();
    feed(p, ['partial line without newline']);
    const w = feed(p, ['STEP_START:b\n']);
    assert.equal(w.text, 'STEP_START:b\n');
    assert.deepEqual(w.markers, [[0, start('b')]]);
  });

  it('recognises a marker at the start of the next stream after a cut line flushed by end()', () => {
    const p = new OutputParser({ maxLineBytes: 16 });
    feed(p, ['x'.repeat(20)]);
    const w = feed(p, ['META:PROGRESS:10\n']);
    assert.deepEqual(w.markers, [[0, { kind: 'meta', key: 'PROGRESS', value: '10' }]]);
  });

  it('gives back its large storage after a long line, and keeps working', () => {
    const p = new OutputParser({ maxLineBytes: 200_000 });
    p.push(Buffer.alloc(150_000, 0x61));
    assert.equal(p.pendingBytes, 150_000);
    const done = p.push(Buffer.from('\nSTEP_START:after\n'));
    assert.equal(done.lineCount, 2);
    assert.equal(done.bytes.length, 150_000 + 1 + 'STEP_START:after\n'.length);
    assert.deepEqual(done.markers, [{ index: 1, event: start('after') }]);
    p.push(Buffer.from('ab'));
    const tail = p.push(Buffer.from('c\n'));
    assert.equal(tail.bytes.toString(), 'abc\n');
  });
});

describe('markers: held-back lines', () => {
  it('joins a line held back over many small chunks into one line, byte for byte', () => {
    const p = new OutputParser();
    const parts = ['ST', 'EP', '_START:', 'multi ', 'chunk', ' name', '\n'];
    const w = feed(p, parts);
    assert.equal(w.text, 'STEP_START:multi chunk name\n');
    assert.deepEqual(w.markers, [[0, start('multi chunk name')]]);
  });

  it('keeps a held-back line intact when it grows past the first storage size', () => {
    const p = new OutputParser();
    const long = 'x'.repeat(300) + 'y'.repeat(300);
    const w = feed(p, ['STEP_START:', long.slice(0, 200), long.slice(200, 500), long.slice(500), '\nend\n']);
    assert.equal(w.text, `STEP_START:${long}\nend\n`);
    assert.deepEqual(w.markers, [[0, start(long)]]);
  });

  it('emits lines before and after a held-back one in order', () => {
    const w = feed(new OutputParser(), ['a\nb\nSTEP_', 'START:c\nd\ne']);
    assert.equal(w.text, 'a\nb\nSTEP_START:c\nd\ne\n');
    assert.deepEqual(w.markers, [[2, start('c')]]);
    assert.equal(w.lines, 5);
  });

  it('recognises a marker after leading spaces, tabs, vertical tab, form feed and a BOM held back across chunks', () => {
    const w = feed(new OutputParser(), [' \t\x0b', '\x0c\uFEFF', 'STEP_START:x\n']);
    assert.deepEqual(w.markers, [[0, start('x')]]);
  });

  it('ignores a line that is only a partial BOM or an escape without a marker', () => {
    const w = feed(new OutputParser(), [Buffer.from([0xef, 0xbb, 0x0a]), '\x1b[1m\n', Buffer.from([0xef, 0x53, 0x0a])]);
    assert.deepEqual(w.markers, []);
    assert.equal(w.lines, 3);
  });

  it('recognises a marker after a BOM at the very end of the line content boundary', () => {
    const w = feed(new OutputParser(), [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('M\n')])]);
    assert.deepEqual(w.markers, []);
    const ok = feed(new OutputParser(), [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('META:A:b\n')])]);
    assert.deepEqual(ok.markers, [[0, { kind: 'meta', key: 'A', value: 'b' }]]);
  });
});

describe('markers: META values with surrounding spaces', () => {
  const cases: Array<[string, MarkerEvent | null]> = [
    ['META:PROGRESS:  50  ', { kind: 'meta', key: 'PROGRESS', value: '50' }],
    ['META:  ESTIMATED_DURATION  :\t120\t', { kind: 'meta', key: 'ESTIMATED_DURATION', value: '120' }],
    ['META:DESCRIPTION:  Builds the app  ', { kind: 'meta', key: 'DESCRIPTION', value: 'Builds the app' }],
    ['META:   :value', null],
    ['META:PROGRESS:50%', { kind: 'meta', key: 'PROGRESS', value: '50%' }],
  ];
  for (const [line, expected] of cases) {
    it(`${JSON.stringify(line)} → ${expected ? JSON.stringify(expected) : 'not a marker'}`, () => {
      assert.deepEqual(parseStepflowLine(line), expected);
    });
  }

  it('trims them the same way when the line comes through the parser with CRLF and colours', () => {
    const w = feed(new OutputParser(), ['\x1b[2mMETA: PROGRESS : 75 \x1b[0m\r\n']);
    assert.deepEqual(w.markers, [[0, { kind: 'meta', key: 'PROGRESS', value: '75' }]]);
  });
});

describe('markers: keywords', () => {
  it('needs the keyword right at the start, exactly, with every keyword length', () => {
    assert.equal(parseStepflowLine('METAX:K:v'), null);
    assert.equal(parseStepflowLine('MET:K:v'), null);
    assert.equal(parseStepflowLine('STEP_WARNINGS:x'), null);
    assert.equal(parseStepflowLine('XSTEP_START:x'), null);
    assert.deepEqual(parseStepflowLine('STEP_WARNING:x'), { kind: 'stepWarning', message: 'x', location: null });
    assert.deepEqual(parseStepflowLine('STEP_COMPLETE:x'), { kind: 'stepComplete', name: 'x' });
    assert.deepEqual(parseStepflowLine('META:K:v'), { kind: 'meta', key: 'K', value: 'v' });
  });

  it('keeps the full message when a location has no text after it, and trims the text after one', () => {
    assert.deepEqual(parseStepflowLine('STEP_WARNING:  a.c:3:   '), { kind: 'stepWarning', message: 'a.c:3:', location: { file: 'a.c', line: 3, column: null } });
    assert.deepEqual(parseStepflowLine('STEP_ERROR:a.c:3:4:   spaced out  '), { kind: 'stepError', message: 'spaced out', location: { file: 'a.c', line: 3, column: 4 } });
  });

  it('does not take a path starting with a space, or made of digits, for a location', () => {
    assert.deepEqual(parseStepflowLine('STEP_ERROR: x'), { kind: 'stepError', message: 'x', location: null });
    assert.deepEqual(parseStepflowLine('STEP_WARNING:  /a b/c.sh:4: x'), { kind: 'stepWarning', message: 'x', location: { file: '/a b/c.sh', line: 4, column: null } });
    assert.deepEqual(parseStepflowLine('STEP_ERROR:123:4: x'), { kind: 'stepError', message: '123:4: x', location: null });
    assert.deepEqual(parseStepflowLine('STEP_ERROR:a1:4: x'), { kind: 'stepError', message: 'x', location: { file: 'a1', line: 4, column: null } });
  });

  it('splits an artifact description at the first colon after a drive prefix, trimming both parts', () => {
    assert.deepEqual(parseStepflowLine('ARTIFACT:  out/a.txt  :  My file  '), { kind: 'artifact', path: 'out/a.txt', description: 'My file' });
    assert.deepEqual(parseStepflowLine('ARTIFACT:c:/x.txt'), { kind: 'artifact', path: 'c:/x.txt', description: null });
    assert.deepEqual(parseStepflowLine('ARTIFACT:cd:/x.txt'), { kind: 'artifact', path: 'cd', description: '/x.txt' });
    assert.deepEqual(parseStepflowLine('ARTIFACT:C:x.txt'), { kind: 'artifact', path: 'C', description: 'x.txt' });
  });
});

describe('markers: a clock stepping back during a step', () => {
  it('gives the step a duration of 0, never a negative one', () => {
    const tracker = new StepTracker({ runId: 'r', cwd: '/w' });
    tracker.apply(start('Build'), 10_000, 1);
    const [finished] = tracker.apply({ kind: 'stepComplete', name: 'Build' }, 9_000, 2);
    assert.ok(finished && finished.type === 'stepFinished');
    assert.equal(finished.durationMs, 0);
    assert.equal(finished.endedAt, 9_000);
  });

  it('gives steps still open at exit a duration of 0 when the exit time is before their start', () => {
    const tracker = new StepTracker({ runId: 'r', cwd: '/w' });
    tracker.apply(start('Outer'), 5_000, 1);
    tracker.apply(start('Inner'), 6_000, 2);
    const events = tracker.finish({ at: 5_500, line: 3, exitCode: 0, signal: null, reason: 'exited' });
    assert.deepEqual(
      events.map((e) => e.type === 'stepFinished' && [e.stepId, e.durationMs]),
      [[2, 0], [1, 500]],
    );
  });

  it('fails a step with a duration of 0 when its error arrives with an earlier time', () => {
    const tracker = new StepTracker({ runId: 'r', cwd: '/w' });
    tracker.apply(start('Test'), 2_000, 1);
    const [e] = tracker.apply({ kind: 'stepError', message: 'boom', location: null }, 1_000, 2);
    assert.ok(e && e.type === 'stepFinished');
    assert.deepEqual([e.status, e.durationMs], ['failed', 0]);
  });
});
