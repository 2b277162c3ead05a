// The output parser's limits and its errors, as a user or a dialect author meets them:
// the smallest line cap, the edges of the lead-byte range a dialect may claim, the words of
// the errors, a dialect given twice. Written from the mutation run of outputParser.ts
// (docs/testing.md "Mutation testing").
import { strict as assert } from 'node:assert';
import type { Dialect } from '../../sidecar/markers/dialect';
import { OutputParser, type ParsedBatch } from '../../sidecar/markers/outputParser';
import type { MarkerEvent } from '../../sidecar/protocol/markers';

const start = (name: string): MarkerEvent => ({ kind: 'stepStart', name });

/** A dialect whose markers are lines starting with `lead`: the rest is the step's name. */
function leadDialect(lead: string, calls: string[] = []): Dialect {
  return {
    id: `lead-${lead.charCodeAt(0)}`,
    leadBytes: [lead.charCodeAt(0)],
    parseLine: (line) => {
      calls.push(line);
      return line.startsWith(lead) && /^\w+$/.test(line.slice(1)) ? start(line.slice(1)) : null;
    },
  };
}

function lines(batches: ParsedBatch[]): string[] {
  return Buffer.concat(batches.map((b) => b.bytes)).toString().split('\n').slice(0, -1);
}

describe('markers: output parser limits', () => {
  it('accepts a line cap of a single byte: every byte of a long line becomes a line of its own', () => {
    const parser = new OutputParser({ maxLineBytes: 1 });
    const batches = [parser.push(Buffer.from('abc\nd\n')), parser.end()];
    assert.deepEqual(lines(batches), ['a', 'b', 'c', 'd']);
    assert.equal(batches.reduce((n, b) => n + b.lineCount, 0), 4);
  });

  it('says which setting is wrong and what it got, for a cap that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => new OutputParser({ maxLineBytes: bad }), (err: Error) => {
        assert.ok(err instanceof RangeError);
        assert.equal(err.message, `maxLineBytes must be a positive integer, got ${bad}`);
        return true;
      });
    }
  });

  it('lets a dialect claim the first and the last printable ASCII byte ("!" and "~") as lead bytes', () => {
    const parser = new OutputParser({ dialects: [leadDialect('!'), leadDialect('~')] });
    const batch = parser.push(Buffer.from('!Build\n~Test\nplain\n'));
    assert.deepEqual(
      batch.markers.map((m) => [m.index, m.event]),
      [
        [0, start('Build')],
        [1, start('Test')],
      ],
    );
  });

  it('names the dialect and the byte when a lead byte is outside printable ASCII', () => {
    for (const b of [0x20, 0x7f]) {
      const dialect: Dialect = { id: 'mine', leadBytes: [b], parseLine: () => null };
      assert.throws(() => new OutputParser({ dialects: [dialect] }), (err: Error) => {
        assert.ok(err instanceof RangeError);
        assert.equal(err.message, `dialect mine: lead byte ${b} is not printable ASCII`);
        return true;
      });
    }
  });

  it('does not take a line of blanks cut at the cap right before a colour code for a marker', () => {
    // The piece before the cut is all blanks; what follows the cut (an escape, then a marker
    // word) belongs to the continuation, which is never a marker. The blank scan must stop at
    // the cut, not read on into the escape.
    for (const blank of [' ', '\t']) {
      const parser = new OutputParser({ maxLineBytes: 16 });
      const batches = [parser.push(Buffer.from(`${blank.repeat(16)}\x1b[1mSTEP_START:x\nSTEP_START:y\n`)), parser.end()];
      assert.deepEqual(
        batches.flatMap((b) => b.markers.map((m) => m.event)),
        [start('y')],
      );
      assert.deepEqual(lines(batches), [blank.repeat(16), '\x1b[1mSTEP_START:x', 'STEP_START:y']);
    }
  });

  it('skips only a whole BOM before a marker: a byte order mark with a wrong byte leaves the line plain output', () => {
    const line = (...bytes: number[]) => Buffer.concat([Buffer.from(bytes), Buffer.from('STEP_START:x\n')]);
    const parser = new OutputParser();
    const batch = parser.push(
      Buffer.concat([
        line(0x20, 0x5a, 0xbb, 0xbf), // another byte where EF belongs
        line(0x20, 0x5a, 0x59, 0xbf), // two bytes wrong
        line(0x20, 0xef, 0x41, 0xbf), // BB missing
        line(0x20, 0xef, 0xbb, 0x58), // BF missing
        line(0xef, 0x41, 0xbf), // the same at the very start of the line
        line(0xef, 0xbb, 0x58),
        line(0x20, 0xef, 0xbb, 0xbf), // a whole BOM after a blank: a marker
        line(0xef, 0xbb, 0xbf), // a whole BOM at the start: a marker
      ]),
    );
    assert.equal(batch.lineCount, 8);
    assert.deepEqual(
      batch.markers.map((m) => m.index),
      [6, 7],
    );
  });

  it('hands a dialect the line without the CR of a CRLF line ending, and only that CR', () => {
    const calls: string[] = [];
    const parser = new OutputParser({ dialects: [leadDialect('#', calls)] });
    const batch = parser.push(Buffer.from('#Build\r\n#\rTest\n'));
    assert.deepEqual(calls, ['#Build', '#\rTest']);
    assert.deepEqual(
      batch.markers.map((m) => m.event),
      [start('Build')],
    );
  });

  it('asks a dialect once per line, even when it is given twice or names its lead byte twice', () => {
    const calls: string[] = [];
    const dialect = leadDialect('#', calls);
    const twice: Dialect = { ...dialect, leadBytes: [0x23, 0x23] };
    const parser = new OutputParser({ dialects: [twice, twice] });
    parser.push(Buffer.from('# not a marker\n#Build\n'));
    assert.deepEqual(calls, ['# not a marker', '#Build']);
  });
});
