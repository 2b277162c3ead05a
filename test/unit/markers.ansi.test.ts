// ANSI/VT sequences at the edges of their byte ranges, and the byte-level scan at a line cut
// (found by mutation testing, docs/testing.md "Mutation testing"). A marker line whose
// colour codes use the first or last byte of a range must still be recognised, and a line
// cut at the cap inside an escape sequence must not be read past the cut: what follows the
// cut is the next piece's content.
import { strict as assert } from 'node:assert';
import { skipAnsiBytes, stripAnsi } from '../../sidecar/protocol/ansi';

describe('markers: ANSI sequences at the edges of their ranges', () => {
  const cases: Array<[string, string, string]> = [
    ['CSI with the lowest and highest parameter bytes and the lowest final byte', '\x1b[0?@x', 'x'],
    ['CSI with the lowest and highest intermediate bytes and the highest final byte', '\x1b[ /~x', 'x'],
    ['CSI whose final byte is out of range keeps that byte as text', '\x1b[1\x7fx', '\x7fx'],
    ['CSI with a control character where a final byte should be keeps it', '\x1b[\x1fx', '\x1fx'],
    ['CSI with a parameter after an intermediate keeps the rest as text', '\x1b[/0mx', '0mx'],
    ['unterminated CSI at the end', 'a\x1b[1;3', 'a'],
    ['DCS ended by ST', '\x1bPq#0\x1b\\x', 'x'],
    ['SOS ended by BEL', '\x1bXsos\x07x', 'x'],
    ['PM ended by BEL', '\x1b^pm\x07x', 'x'],
    ['APC ended by ST', '\x1b_apc\x1b\\x', 'x'],
    ['an ESC inside a string control that is not ST does not end it', '\x1b]a\x1bb\x07x', 'x'],
    ['a backslash inside a string control without ESC does not end it', '\x1b]a\\b\x07x', 'x'],
    ['ESC with the lowest intermediate and the lowest final byte', '\x1b 0x', 'x'],
    ['ESC with the highest intermediate and the highest final byte', '\x1b/~x', 'x'],
    ['ESC followed by DEL drops only the ESC', '\x1b\x7fx', '\x7fx'],
    ['ESC followed by a control character drops only the ESC', '\x1b\x1fx', '\x1fx'],
  ];
  for (const [title, input, expected] of cases) {
    it(title, () => {
      assert.equal(stripAnsi(input), expected);
      // The byte scan agrees: the sequence ends where the string form resumed.
      const bytes = Buffer.from(input, 'latin1');
      const at = input.indexOf('\x1b');
      assert.equal(skipAnsiBytes(bytes, at, bytes.length), input.length - expected.length + at);
    });
  }
  it('recognises a marker behind a sequence that uses the edge bytes', () => {
    assert.equal(stripAnsi('\x1b[0?@\x1b[ /~STEP_START:Build'), 'STEP_START:Build');
  });
});

describe('markers: the byte scan at a line cut', () => {
  const sequences = ['\x1b[1;31m', '\x1b[0?@', '\x1b[ /~', '\x1b]0;title\x07', '\x1b]8;;u\x1b\\', '\x1bPq\x1b\\', '\x1b(B', '\x1b 0', '\x1b$)A', '\x1b7'];
  // What follows the cut: bytes that would continue or end any of the sequences.
  const tails = ['m', '0', ' ', '~', '\\', '\x07', '@x'];
  it('never reads past the end it is given, whatever follows', () => {
    for (const seq of sequences) {
      for (const tail of tails) {
        const whole = Buffer.from(seq + tail, 'latin1');
        for (let end = 1; end <= seq.length; end++) {
          const got = skipAnsiBytes(whole, 0, end);
          const alone = skipAnsiBytes(whole.subarray(0, end), 0, end);
          assert.ok(got <= end, `${JSON.stringify(seq)}+${JSON.stringify(tail)} cut at ${end}: ${got}`);
          assert.equal(got, alone, `${JSON.stringify(seq)}+${JSON.stringify(tail)} cut at ${end}`);
        }
      }
    }
  });
});
