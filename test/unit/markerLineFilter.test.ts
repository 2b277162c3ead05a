import { strict as assert } from 'node:assert';
import { MarkerLineFilter } from '../../sidecar/cli/markerLineFilter';
import { markerLineOf } from '../../sidecar/protocol/markerLines';

/** Feeds the chunks to a filter and returns what it wrote, one entry per write. */
function filtered(chunks: Array<string | Buffer>): string[] {
  const written: string[] = [];
  const filter = new MarkerLineFilter((text) => written.push(text));
  for (const chunk of chunks) filter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  filter.flush();
  return written;
}

describe('markerLineOf', () => {
  it('reads each StepFlow marker as what it means, with ANSI, indentation and CR ignored', () => {
    assert.deepEqual(markerLineOf('STEP_START:Build'), { kind: 'start', label: '▶ Build' });
    assert.deepEqual(markerLineOf('  \x1b[32mSTEP_COMPLETE:Build\x1b[0m\r'), { kind: 'complete', label: '✓ Build' });
    assert.deepEqual(markerLineOf('STEP_ERROR:src/a.c:3: boom'), { kind: 'error', label: '✗ boom' });
    assert.deepEqual(markerLineOf('META:PROGRESS:20'), { kind: 'meta', label: 'PROGRESS 20' });
    assert.deepEqual(markerLineOf('MASK:hunter2'), { kind: 'meta', label: 'MASK' });
  });

  it('leaves ordinary lines and near-misses alone', () => {
    for (const text of ['hello', 'STEP_STRAT:Build', 'STEP_START:', 'echo STEP_START:Build', '']) assert.equal(markerLineOf(text), null, text);
  });
});

describe('MarkerLineFilter (stepflow run echoes each marker once)', () => {
  it('drops the marker lines the display prints its own line for, keeps META and output', () => {
    const out = filtered(['a\nSTEP_START:Build\nMETA:PROGRESS:5\nSTEP_COMPLETE:Build\nb\n']).join('');
    assert.equal(out, 'a\nMETA:PROGRESS:5\nb\n');
  });

  it('recognises a marker split across chunks, even inside a UTF-8 character', () => {
    const bytes = Buffer.from('STEP_START:Bäu\nnext\n');
    const cut = bytes.indexOf(0xa4); // the second byte of "ä"
    assert.equal(filtered(['ST', 'EP_', bytes.subarray(5, cut), bytes.subarray(cut)]).join(''), 'next\n');
  });

  it('passes a line that cannot become a marker through before its newline (a prompt shows at once)', () => {
    const written: string[] = [];
    const filter = new MarkerLineFilter((text) => written.push(text));
    filter.push(Buffer.from('Password: '));
    assert.deepEqual(written, ['Password: ']);
    filter.push(Buffer.from('STEP_START:x\n'));
    assert.deepEqual(written, ['Password: ', 'STEP_START:x\n'], 'the rest of a line already shown is output');
  });

  it('drops a last marker line without a newline, and writes a last ordinary one', () => {
    assert.equal(filtered(['x\nSTEP_COMPLETE:Build']).join(''), 'x\n');
    assert.equal(filtered(['x\nSTEP']).join(''), 'x\nSTEP');
  });
});
