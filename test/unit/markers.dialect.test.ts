// The StepFlow marker dialect and ANSI stripping (docs/spec.md §1), as table tests.
import { strict as assert } from 'node:assert';
import { skipAnsiBytes, stripAnsi } from '../../sidecar/protocol/ansi';
import { parseLocation, parseStepflowLine, stepflowDialect } from '../../sidecar/markers/stepflowDialect';
import type { MarkerEvent } from '../../sidecar/protocol/markers';

const loc = (file: string, line: number, column: number | null = null) => ({ file, line, column });

describe('markers: ANSI stripping', () => {
  const cases: Array<[string, string, string]> = [
    ['plain text is untouched', 'STEP_START:Build', 'STEP_START:Build'],
    ['SGR colour', '\x1b[32mSTEP_START:Build\x1b[0m', 'STEP_START:Build'],
    ['SGR with several params', '\x1b[1;38;5;208mhot\x1b[m', 'hot'],
    ['CSI with private params', '\x1b[?25lhidden cursor\x1b[?25h', 'hidden cursor'],
    ['CSI erase line', 'a\x1b[2Kb\x1b[Kc', 'abc'],
    ['OSC title ended by BEL', '\x1b]0;my title\x07STEP_START:x', 'STEP_START:x'],
    ['OSC hyperlink ended by ST', '\x1b]8;;http://a.b/c\x1b\\link\x1b]8;;\x1b\\', 'link'],
    ['unterminated OSC runs to the end', 'keep\x1b]0;never ends', 'keep'],
    ['two-byte ESC sequences', '\x1b7saved\x1b8\x1b=\x1bM', 'saved'],
    ['charset designation ESC ( B', '\x1b(B\x1b[mtext', 'text'],
    ['lone ESC at the end', 'text\x1b', 'text'],
    ['non-ASCII survives', '\x1b[31m日本語 🚀\x1b[0m', '日本語 🚀'],
  ];
  for (const [title, input, expected] of cases) {
    it(title, () => assert.equal(stripAnsi(input), expected));
  }

  it('skips a sequence in bytes exactly where the string form does', () => {
    const bytes = Buffer.from('\x1b[1;31mX\x1b]0;t\x07Y');
    assert.equal(skipAnsiBytes(bytes, 0, bytes.length), 7);
    assert.equal(skipAnsiBytes(bytes, 8, bytes.length), 14);
  });
});

describe('markers: StepFlow dialect', () => {
  it('announces S, A and M as lead bytes', () => {
    assert.deepEqual([...stepflowDialect.leadBytes].sort(), ['A', 'M', 'S'].map((c) => c.charCodeAt(0)));
    assert.equal(stepflowDialect.id, 'stepflow');
  });

  const cases: Array<[string, MarkerEvent | null]> = [
    // Steps
    ['STEP_START:Build', { kind: 'stepStart', name: 'Build' }],
    ['STEP_START:  Build app  ', { kind: 'stepStart', name: 'Build app' }],
    ['STEP_START:a:b:c', { kind: 'stepStart', name: 'a:b:c' }],
    ['STEP_START:Ünïcödé 🚀 構築', { kind: 'stepStart', name: 'Ünïcödé 🚀 構築' }],
    ['STEP_START:', null],
    ['STEP_START:   ', null],
    ['STEP_COMPLETE:Build', { kind: 'stepComplete', name: 'Build' }],
    ['STEP_COMPLETE:', { kind: 'stepComplete', name: '' }],
    ['STEP_COMPLETE:  ', { kind: 'stepComplete', name: '' }],
    // Exact upper-case keywords followed directly by ':'
    ['step_start:Build', null],
    ['Step_Start:Build', null],
    ['STEP_START :Build', null],
    ['STEP_STRAT:Build', null],
    ['STEP_START Build', null],
    ['STEP_STARTED:Build', null],
    ['Some output that starts with S', null],
    ['META', null],
    ['', null],
    // Errors and warnings with and without compiler-style locations
    ['STEP_ERROR:2 tests failed', { kind: 'stepError', message: '2 tests failed', location: null }],
    ['STEP_ERROR:src/app.ts:12:5: expected ;', { kind: 'stepError', message: 'expected ;', location: loc('src/app.ts', 12, 5) }],
    ['STEP_ERROR:build.sh:7: boom', { kind: 'stepError', message: 'boom', location: loc('build.sh', 7) }],
    ['STEP_ERROR:C:\\src\\a.c:12:3: x', { kind: 'stepError', message: 'x', location: loc('C:\\src\\a.c', 12, 3) }],
    ['STEP_ERROR:C:/src/a.c:4: y', { kind: 'stepError', message: 'y', location: loc('C:/src/a.c', 4) }],
    ['STEP_ERROR:Makefile:12: *** missing separator', { kind: 'stepError', message: '*** missing separator', location: loc('Makefile', 12) }],
    ['STEP_ERROR:src/app.ts:12:', { kind: 'stepError', message: 'src/app.ts:12:', location: loc('src/app.ts', 12) }],
    ['STEP_ERROR:Error: something broke', { kind: 'stepError', message: 'Error: something broke', location: null }],
    ['STEP_ERROR:src/app.ts:12 no trailing colon', { kind: 'stepError', message: 'src/app.ts:12 no trailing colon', location: null }],
    ['STEP_ERROR:Failed at 10:30:45: timeout', { kind: 'stepError', message: 'Failed at 10:30:45: timeout', location: null }],
    ['STEP_ERROR:12:30: lunch', { kind: 'stepError', message: '12:30: lunch', location: null }],
    ['STEP_ERROR:', { kind: 'stepError', message: '', location: null }],
    ['STEP_WARNING:deprecated flag', { kind: 'stepWarning', message: 'deprecated flag', location: null }],
    ['STEP_WARNING:lib/x.py:3:1: unused import', { kind: 'stepWarning', message: 'unused import', location: loc('lib/x.py', 3, 1) }],
    // Artifacts
    ['ARTIFACT:out/report.xml', { kind: 'artifact', path: 'out/report.xml', description: null }],
    ['ARTIFACT:out/report.xml:Test Report', { kind: 'artifact', path: 'out/report.xml', description: 'Test Report' }],
    ['ARTIFACT:out/a.txt:Report: final', { kind: 'artifact', path: 'out/a.txt', description: 'Report: final' }],
    ['ARTIFACT:out/a.txt:', { kind: 'artifact', path: 'out/a.txt', description: null }],
    ['ARTIFACT:out/a.txt:   ', { kind: 'artifact', path: 'out/a.txt', description: null }],
    ['ARTIFACT:C:\\out\\r.xml:Report', { kind: 'artifact', path: 'C:\\out\\r.xml', description: 'Report' }],
    ['ARTIFACT:C:\\out\\r.xml', { kind: 'artifact', path: 'C:\\out\\r.xml', description: null }],
    ['ARTIFACT:D:/build/app.exe:Binary: x64', { kind: 'artifact', path: 'D:/build/app.exe', description: 'Binary: x64' }],
    ['ARTIFACT:/abs/file.log', { kind: 'artifact', path: '/abs/file.log', description: null }],
    ['ARTIFACT:', null],
    ['ARTIFACT: :desc', null],
    // Metadata
    ['META:ESTIMATED_DURATION:300', { kind: 'meta', key: 'ESTIMATED_DURATION', value: '300' }],
    ['META:PROGRESS:50', { kind: 'meta', key: 'PROGRESS', value: '50' }],
    ['META:DESCRIPTION:Builds: the app', { kind: 'meta', key: 'DESCRIPTION', value: 'Builds: the app' }],
    ['META:url:http://x:8080/a', { kind: 'meta', key: 'url', value: 'http://x:8080/a' }],
    ['META:EMPTY:', { kind: 'meta', key: 'EMPTY', value: '' }],
    ['META:NOVALUE', null],
    ['META::value', null],
    ['META:', null],
  ];
  for (const [line, expected] of cases) {
    it(`${JSON.stringify(line)} → ${expected ? expected.kind : 'not a marker'}`, () => {
      assert.deepEqual(parseStepflowLine(line), expected);
      assert.deepEqual(stepflowDialect.parseLine(line), expected);
    });
  }

  it('accepts paths with spaces as locations only when they contain a separator', () => {
    assert.deepEqual(parseLocation('My Docs/a.c:3: bad'), { location: loc('My Docs/a.c', 3), message: 'bad' });
    assert.deepEqual(parseLocation('C:\\Program Files\\x.c:9:2: bad'), { location: loc('C:\\Program Files\\x.c', 9, 2), message: 'bad' });
    assert.deepEqual(parseLocation('Tests failed at 3:4: x'), { location: null, message: 'Tests failed at 3:4: x' });
  });

  it('reads hostile input as plain text or as no marker, never as something else', () => {
    const cases: Array<[string, MarkerEvent | null]> = [
      ['\0', null],
      ['STEP_START:\0\uFFFD', { kind: 'stepStart', name: '\0\uFFFD' }],
      ['META:\uD800:\uDFFF', { kind: 'meta', key: '\uD800', value: '\uDFFF' }],
      ['ARTIFACT:' + ':'.repeat(1000), null], // no path
      ['STEP_ERROR:' + 'a:'.repeat(5000), { kind: 'stepError', message: 'a:'.repeat(5000), location: null }],
    ];
    for (const [line, expected] of cases) {
      assert.deepEqual(parseStepflowLine(line), expected, JSON.stringify(line.slice(0, 40)));
      assert.deepEqual(stepflowDialect.parseLine(line), expected);
    }
  });
});
