// GitHub Actions workflow commands (sidecar/markers/dialects/githubActions.ts), from the
// runner's documented examples and its escaping cases (docs/spec.md §1 "CI dialects").
import { strict as assert } from 'node:assert';
import { GithubActionsDialect } from '../../sidecar/markers/dialects/githubActions';
import { unescapeGithubData, unescapeGithubProperty } from '../../sidecar/markers/dialects/escapes';
import type { MarkerEvent } from '../../sidecar/protocol/markers';
import { eventsOf, parseEach } from '../support/dialectLines';

const gh = (...lines: string[]) => parseEach(new GithubActionsDialect(), lines);
const loc = (file: string, line: number, column: number | null = null) => ({ file, line, column });

describe('markers: GitHub Actions dialect', () => {
  const single: Array<[string, MarkerEvent | null]> = [
    ['::group::My title', { kind: 'stepStart', name: 'My title' }],
    ['::group::', { kind: 'stepStart', name: 'group' }],
    ['::GROUP::Upper case name', { kind: 'stepStart', name: 'Upper case name' }],
    // docs: ::error file={name},line={line},endLine={endLine},title={title}::{message}
    [
      '::error file=app.js,line=1,col=5,endColumn=7,title=Syntax::Missing semicolon',
      { kind: 'stepError', message: 'Syntax: Missing semicolon', location: loc('app.js', 1, 5), keepOpen: true },
    ],
    ['::error::Something failed', { kind: 'stepError', message: 'Something failed', location: null, keepOpen: true }],
    ['::warning file=app.js,line=1,col=5,endColumn=7::Missing semicolon', { kind: 'stepWarning', message: 'Missing semicolon', location: loc('app.js', 1, 5) }],
    [
      '::notice file=app.js,line=1,col=5,endColumn=7::Missing semicolon',
      { kind: 'stepWarning', message: 'Missing semicolon', location: loc('app.js', 1, 5), severity: 'info' },
    ],
    ['::error file=only/a/file.ts::whole file', { kind: 'stepError', message: 'whole file', location: loc('only/a/file.ts', 1), keepOpen: true }],
    ['::error line=3::no file, no location', { kind: 'stepError', message: 'no file, no location', location: null, keepOpen: true }],
    ['::warning file=a.ts,line=x,col=-1::bad numbers', { kind: 'stepWarning', message: 'bad numbers', location: loc('a.ts', 1) }],
    // Property keys ignore case; "k=" and "=v" are no pair; a value may contain '='.
    ['::error FILE=a.ts,LINE=2,title=,=x::m', { kind: 'stepError', message: 'm', location: loc('a.ts', 2), keepOpen: true }],
    ['::error title=a=b::m', { kind: 'stepError', message: 'a=b: m', location: null, keepOpen: true }],
    // Escaping: properties %25 %0D %0A %3A %2C; data %25 %0D %0A only.
    [
      '::error file=C%3A\\src\\a%2Cb.c,line=4,title=50%25 done::Line one%0ALine two%0D 100%25 %3A kept',
      { kind: 'stepError', message: '50% done: Line one\nLine two\r 100% %3A kept', location: loc('C:\\src\\a,b.c', 4), keepOpen: true },
    ],
    ['::add-mask::s3cr3t value', { kind: 'mask', value: 's3cr3t value' }],
    ['::add-mask::', null],
    ['::debug::only shown in debug mode', null],
    ['::set-output name=x::1', null],
    ['::echo::on', null],
    // Not commands: unknown names, no second '::', text before the command.
    ['::unknown::x', null],
    ['::group title', null],
    ['text ::group::x', null],
    [':: group::x', null],
    ['::', null],
    // Legacy forms the runner's log viewer renders.
    ['##[group]Legacy', { kind: 'stepStart', name: 'Legacy' }],
    ['##[error]legacy error%3B with %5D', { kind: 'stepError', message: 'legacy error; with ]', location: null, keepOpen: true }],
    ['##[warning]careful', { kind: 'stepWarning', message: 'careful', location: null }],
    ['##[section]azure only', null],
    ['##[group', null],
  ];
  for (const [line, expected] of single) {
    it(`${JSON.stringify(line)} → ${expected ? expected.kind : 'ordinary output'}`, () => assert.deepEqual(gh(line)[0], expected));
  }

  it('unescapes exactly as the runner: data, then properties (%25 last)', () => {
    assert.equal(unescapeGithubData('%250A'), '%0A'); // '%25' is replaced after '%0A', so no newline
    assert.equal(unescapeGithubData('a%0D%0Ab'), 'a\r\nb');
    assert.equal(unescapeGithubData('%3A%2C'), '%3A%2C');
    assert.equal(unescapeGithubProperty('%3A%2C%25'), ':,%');
    assert.equal(unescapeGithubProperty('%253A'), '%3A');
  });

  it('nests groups and closes each with its own ::endgroup::', () => {
    assert.deepEqual(gh('::group::outer', '::group::inner', '::endgroup::', '::endgroup::', '::endgroup::'), [
      { kind: 'stepStart', name: 'outer' },
      { kind: 'stepStart', name: 'inner' },
      { kind: 'stepComplete', name: 'inner' },
      { kind: 'stepComplete', name: 'outer' },
      null, // no group open: an ordinary line
    ]);
  });

  it('reads no command between ::stop-commands::TOKEN and ::TOKEN::', () => {
    assert.deepEqual(
      gh('::stop-commands::pause-42', '::error::not an error', '::group::not a group', '##[error]nor this', '::PAUSE-42::', '::error::read again'),
      [null, null, null, null, null, { kind: 'stepError', message: 'read again', location: null, keepOpen: true }],
    );
  });

  it('ignores a stop-commands without a token', () => {
    assert.deepEqual(gh('::stop-commands::', '::group::x'), [null, { kind: 'stepStart', name: 'x' }]);
  });

  it('is found behind ANSI colours and indentation, as every marker is', () => {
    assert.deepEqual(eventsOf(['  \x1b[36m::group::coloured\x1b[0m']), [{ kind: 'stepStart', name: 'coloured' }]);
  });

  it('keeps StepFlow markers working beside it, and GitHub commands off when switched off', () => {
    assert.deepEqual(eventsOf(['STEP_START:a', '::group::b'], { github: false }), [{ kind: 'stepStart', name: 'a' }, null]);
  });
});

describe('markers: the parser decodes only lines that start with a CI head', () => {
  it('reads a command whose head holds a colour code, and a stop token that starts with a digit or a symbol', () => {
    assert.deepEqual(eventsOf([':\x1b[1m:group::Coloured', '::endgroup::']), [
      { kind: 'stepStart', name: 'Coloured' },
      { kind: 'stepComplete', name: 'Coloured' },
    ]);
    for (const token of ['42abc', '-x', '_t']) {
      assert.deepEqual(eventsOf([`::stop-commands::${token}`, '::error::not yet', `::${token}::`, '::error::read again']).slice(1), [
        null,
        null,
        { kind: 'stepError', message: 'read again', location: null, keepOpen: true },
      ], token);
    }
  });

  it('leaves lines that only share a lead byte as output: batch comments, shell comments, words with s', () => {
    assert.deepEqual(eventsOf([':: not a command::x', '# ##teamcity[blockOpened name=x]', 'section start', '##teamcit[blockOpened name=\'x\']']), [null, null, null, null]);
  });
});
