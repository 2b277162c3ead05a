// Azure Pipelines logging commands (sidecar/markers/dialects/azurePipelines.ts), from the
// agent's documented examples and its escaping (%3B %0D %0A %5D, %AZP25 for '%').
import { strict as assert } from 'node:assert';
import { AzurePipelinesDialect } from '../../sidecar/markers/dialects/azurePipelines';
import { unescapeAzure } from '../../sidecar/markers/dialects/escapes';
import type { MarkerEvent } from '../../sidecar/protocol/markers';
import { eventsOf, parseEach } from '../support/dialectLines';

const az = (...lines: string[]) => parseEach(new AzurePipelinesDialect(), lines);

describe('markers: Azure Pipelines dialect', () => {
  it('unescapes as the agent does', () => {
    assert.equal(unescapeAzure('a%3Bb%5D%0D%0A%AZP25'), 'a;b]\r\n%');
    assert.equal(unescapeAzure('100%25'), '100%25'); // %25 is not the agent's escape for '%'
  });

  const single: Array<[string, MarkerEvent | null]> = [
    [
      '##vso[task.logissue type=error;sourcepath=consoleapp/main.cs;linenumber=1;columnnumber=1;code=100;]Found something that could be a problem.',
      { kind: 'stepError', message: '100: Found something that could be a problem.', location: { file: 'consoleapp/main.cs', line: 1, column: 1 }, keepOpen: true },
    ],
    ['##vso[task.logissue type=warning]Found something', { kind: 'stepWarning', message: 'Found something', location: null }],
    ['##vso[task.logissue type=info]x', null],
    ['##vso[task.setprogress value=75;]Upload Log', { kind: 'meta', key: 'PROGRESS', value: '75' }],
    ['##vso[task.setprogress value=175;]too much', null],
    ['##vso[artifact.upload containerfolder=testresult;artifactname=uploadedresult]c:\\testresult.trx', { kind: 'artifact', path: 'c:\\testresult.trx', description: 'uploadedresult' }],
    ['##vso[task.uploadfile]c:\\additionalfile.log', { kind: 'artifact', path: 'c:\\additionalfile.log', description: null }],
    ['##vso[task.setvariable variable=mySecret;issecret=true]p%3Bss', { kind: 'mask', value: 'p;ss' }],
    ['##vso[task.setvariable variable=plain]value', null],
    ['##[error]Error message', { kind: 'stepError', message: 'Error message', location: null, keepOpen: true }],
    ['##[warning]Warning message', { kind: 'stepWarning', message: 'Warning message', location: null }],
    ['##[debug]Debug text', null],
    ['##[command]Command-line being run', null],
    ['##[section]Just a section', null],
    ['##vso[task.logissue type=error', null],
    ['##vso[]x', null],
  ];
  for (const [line, expected] of single) {
    it(`${JSON.stringify(line)} → ${expected ? expected.kind : 'ordinary output'}`, () => assert.deepEqual(az(line)[0], expected));
  }

  it('turns groups and the agent\'s Starting:/Finishing: sections into steps', () => {
    assert.deepEqual(az('##[section]Starting: Build', '##[group]Beginning of a group', '##[endgroup]', '##[section]Finishing: Build', '##[endgroup]'), [
      { kind: 'stepStart', name: 'Build' },
      { kind: 'stepStart', name: 'Beginning of a group' },
      { kind: 'stepComplete', name: 'Beginning of a group' },
      { kind: 'stepComplete', name: 'Build' },
      null,
    ]);
  });

  it('reads ##[group] through the GitHub dialect when both are on, and through its own when GitHub is off', () => {
    const lines = ['##[group]g', '##[section]Starting: s', '##[endgroup]'];
    const expected = [{ kind: 'stepStart', name: 'g' }, { kind: 'stepStart', name: 's' }, { kind: 'stepComplete', name: 'g' }];
    assert.deepEqual(eventsOf(lines), expected);
    assert.deepEqual(eventsOf(lines, { github: false }), expected);
    assert.deepEqual(eventsOf(lines, { github: false, azure: false }), [null, null, null]);
  });
});
