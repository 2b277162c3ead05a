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

describe('MarkerLineFilter with the CI dialects (stepflow run shows their lines as it shows markers)', () => {
  function ciFiltered(text: string, dialects = {}): { written: string; errors: string[] } {
    const written: string[] = [];
    const errors: string[] = [];
    const filter = new MarkerLineFilter((t) => written.push(t), { dialects, error: (m) => errors.push(`${m.message}@${m.location?.file ?? ''}:${m.location?.line ?? ''}`) });
    filter.push(Buffer.from(text));
    filter.flush();
    return { written: written.join(''), errors };
  }

  it('drops the group, block and section lines whose steps the display prints, and keeps metadata and mask lines', () => {
    const { written } = ciFiltered(
      [
        'a',
        '::group::Build',
        "##teamcity[blockOpened name='Tests']",
        "##teamcity[buildStatisticValue key='size' value='5']",
        "##teamcity[blockClosed name='Tests']",
        '::endgroup::',
        '\x1b[0Ksection_start:1700000000:deploy\r\x1b[0KDeploy',
        '##vso[task.setprogress value=50;]half',
        '::add-mask::***',
        'section_end:1700000003:deploy\r\x1b[0K',
        '::warning file=a.sh,line=2::slow',
        'b',
        '',
      ].join('\n'),
    );
    assert.equal(written, "a\n##teamcity[buildStatisticValue key='size' value='5']\n##vso[task.setprogress value=50;]half\n::add-mask::***\nb\n");
  });

  it('hands an error annotation to the display at once (its step stays open), and keeps an end with no group open as output', () => {
    const { written, errors } = ciFiltered('::endgroup::\n::group::x\n::error file=src/a.c,line=3::boom\n::endgroup::\n');
    assert.equal(written, '::endgroup::\n');
    assert.deepEqual(errors, ['boom@src/a.c:3']);
  });

  it('passes the lines of a dialect switched off through unchanged', () => {
    const text = "::group::x\n##teamcity[blockOpened name='T']\n::endgroup::\n";
    assert.equal(ciFiltered(text, { github: false }).written, '::group::x\n::endgroup::\n');
  });

  it('holds a partial CI line until its end (a command split across writes is still dropped)', () => {
    const written: string[] = [];
    const filter = new MarkerLineFilter((t) => written.push(t));
    filter.push(Buffer.from('::gro'));
    filter.push(Buffer.from('up::Build\nok\n'));
    filter.flush();
    assert.deepEqual(written, ['ok\n']);
  });
});
