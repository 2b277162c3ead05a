// TeamCity service messages (sidecar/markers/dialects/teamcity.ts), from TeamCity's
// documented examples and its |-escaping (docs/spec.md §1 "CI dialects").
import { strict as assert } from 'node:assert';
import { TeamcityDialect, parseServiceMessage } from '../../sidecar/markers/dialects/teamcity';
import { unescapeTeamcity } from '../../sidecar/markers/dialects/escapes';
import type { MarkerEvent } from '../../sidecar/protocol/markers';
import { parseEach } from '../support/dialectLines';

const tc = (...lines: string[]) => parseEach(new TeamcityDialect(), lines);

describe('markers: TeamCity dialect', () => {
  const escapes: Array<[string, string | null]> = [
    ["it|'s", "it's"],
    ['a|nb|rc', 'a\nb\rc'],
    ['pipe || bar', 'pipe | bar'],
    ['|[x|]', '[x]'],
    ['|0x00e9t|0x00E9', 'été'],
    ['|0x12', null], // too short
    ['bad |x escape', null],
    ['trailing |', null],
    ['no escapes', 'no escapes'],
  ];
  for (const [raw, expected] of escapes) {
    it(`unescapes ${JSON.stringify(raw)}`, () => assert.equal(unescapeTeamcity(raw), expected));
  }

  it('parses the single-value and the attribute forms', () => {
    assert.deepEqual(parseServiceMessage("##teamcity[progressStart 'Compiling |'core|'']"), { name: 'progressStart', value: "Compiling 'core'", attrs: new Map() });
    assert.deepEqual(
      parseServiceMessage("##teamcity[message text='a|]b' status='WARNING' ]"),
      { name: 'message', attrs: new Map([['text', 'a]b'], ['status', 'WARNING']]) },
    );
    for (const bad of ["##teamcity[message text='open]", "##teamcity[message text=x]", "##teamcity[ 'v']", "##teamcity[message text='a' junk]", '##teamcity[message']) {
      assert.equal(parseServiceMessage(bad), null, bad);
    }
  });

  const single: Array<[string, MarkerEvent | null]> = [
    ["##teamcity[message text='Deploy failed' status='ERROR' errorDetails='stack']", { kind: 'stepError', message: 'Deploy failed\nstack', location: null, keepOpen: true }],
    ["##teamcity[message text='Low disk' status='WARNING']", { kind: 'stepWarning', message: 'Low disk', location: null }],
    ["##teamcity[message text='just text']", null],
    ["##teamcity[buildProblem description='Tests crashed' identity='x']", { kind: 'stepError', message: 'Tests crashed', location: null, keepOpen: true }],
    ["##teamcity[publishArtifacts 'out/report.html']", { kind: 'artifact', path: 'out/report.html', description: null }],
    ["##teamcity[publishArtifacts 'dist/** => app.zip|nlogs => logs.zip']", { kind: 'artifact', path: 'dist/**', description: 'app.zip' }],
    ["##teamcity[buildStatisticValue key='coverage' value='87.5']", { kind: 'meta', key: 'coverage', value: '87.5' }],
    ["##teamcity[testIgnored name='t' message='flaky']", { kind: 'stepWarning', message: 'ignored: flaky', location: null, severity: 'info' }],
    ["##teamcity[setParameter name='x' value='y']", null],
    ["##teamcity[blockClosed name='never opened']", null],
    ['##teamcity[', null],
  ];
  for (const [line, expected] of single) {
    it(`${JSON.stringify(line)} → ${expected ? expected.kind : 'ordinary output'}`, () => assert.deepEqual(tc(line)[0], expected));
  }

  it('turns blocks, progress and tests into steps, a test with its stated duration and failure', () => {
    assert.deepEqual(
      tc(
        "##teamcity[blockOpened name='Compile' description='all modules']",
        "##teamcity[progressStart 'linking']",
        "##teamcity[progressFinish 'linking']",
        "##teamcity[blockClosed name='Compile']",
        "##teamcity[testSuiteStarted name='Suite']",
        "##teamcity[testStarted name='Suite.a' captureStandardOutput='true']",
        "##teamcity[testFailed name='Suite.a' message='expected 1' details='at a.ts:3']",
        "##teamcity[testFinished name='Suite.a' duration='250']",
        "##teamcity[testSuiteFinished name='Suite']",
      ),
      [
        { kind: 'stepStart', name: 'Compile' },
        { kind: 'stepStart', name: 'linking' },
        { kind: 'stepComplete', name: 'linking' },
        { kind: 'stepComplete', name: 'Compile' },
        { kind: 'stepStart', name: 'Suite' },
        { kind: 'stepStart', name: 'Suite.a' },
        { kind: 'stepError', message: 'expected 1\nat a.ts:3', location: null, keepOpen: true },
        { kind: 'stepComplete', name: 'Suite.a', durationMs: 250 },
        { kind: 'stepComplete', name: 'Suite' },
      ],
    );
  });
});
