// GitLab CI collapsible sections (sidecar/markers/dialects/gitlab.ts), in the form GitLab
// documents them: `\e[0Ksection_start:TS:name[collapsed=true]\r\e[0KHeader`.
import { strict as assert } from 'node:assert';
import { GitlabDialect } from '../../sidecar/markers/dialects/gitlab';
import { eventsOf, parseEach } from '../support/dialectLines';

const gl = (...lines: string[]) => parseEach(new GitlabDialect(), lines);

describe('markers: GitLab dialect', () => {
  it('reads a documented section with its header and timestamps', () => {
    assert.deepEqual(
      gl(
        '\x1b[0Ksection_start:1560896352:my_first_section\r\x1b[0KHeader of the 1st collapsible section',
        'echo "this line should be hidden when collapsed"',
        '\x1b[0Ksection_end:1560896353:my_first_section\r\x1b[0K',
      ),
      [
        { kind: 'stepStart', name: 'Header of the 1st collapsible section', timestamp: 1560896352000 },
        null,
        { kind: 'stepComplete', name: 'Header of the 1st collapsible section', timestamp: 1560896353000 },
      ],
    );
  });

  it('takes options, nests, names a section without header by its id, ignores an unknown end', () => {
    assert.deepEqual(
      gl(
        '\x1b[0Ksection_start:100:outer[collapsed=true]\r\x1b[0K\x1b[36mOuter\x1b[0m',
        'section_start:101:inner.step-1',
        'section_end:105:inner.step-1',
        'section_end:106:nope',
        'section_end:110:outer',
      ),
      [
        { kind: 'stepStart', name: 'Outer', timestamp: 100000 },
        { kind: 'stepStart', name: 'inner.step-1', timestamp: 101000 },
        { kind: 'stepComplete', name: 'inner.step-1', timestamp: 105000 },
        null,
        { kind: 'stepComplete', name: 'Outer', timestamp: 110000 },
      ],
    );
  });

  it('leaves malformed lines as output', () => {
    assert.deepEqual(gl('section_start:abc:x', 'section_start:1:', 'section_start:1:bad name', 'sections are fun', 'section_end:1'), [null, null, null, null, null]);
  });

  it('gives a step the duration between its two timestamps (the tracker uses them)', () => {
    assert.deepEqual(eventsOf(['section_start:10:a', 'section_end:17:a'], { github: false }), [
      { kind: 'stepStart', name: 'a', timestamp: 10000 },
      { kind: 'stepComplete', name: 'a', timestamp: 17000 },
    ]);
  });
});
