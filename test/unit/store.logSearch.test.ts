// Reading and searching stored logs at their edges (sidecar/store/logReader.ts), written from
// the `store` mutation survivors (docs/testing.md "Mutation testing"). Real SQLite files in a
// temporary folder; only the Store's public methods.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { Store } from '../../sidecar/store/store';
import { tempFolderWithStores } from '../support/tempFolder';

const folder = tempFolderWithStores('stepflow-logsearch-');
function open(options: ConstructorParameters<typeof Store>[1] = {}): Store {
  return folder.closeAfterTest(new Store(path.join(folder.path, 'stepflow.db'), options));
}
/** A finished run whose output is `lines`, one appendOutput per line. */
function runWith(store: Store, id: string, lines: string[], startedAt = 1_000): void {
  store.createRun({ id, script: '/w/build.sh', args: [], cwd: '/w', profile: null, startedAt });
  lines.forEach((text, k) => store.appendOutput(id, 'stdout', k + 1, 1, Buffer.from(text + '\n'), startedAt + k));
  store.enqueue({ type: 'runFinished', runId: id, status: 'succeeded', exitCode: 0, signal: null, endedAt: startedAt + 500, durationMs: 500, lineCount: lines.length, error: null });
  store.flush();
}
const texts = (store: Store, needle: string) => store.searchLogs(needle).map((m) => m.text);

describe('store: log search matching', () => {
  it('ignores the case of every ASCII letter from A to Z, both ways', () => {
    const store = open();
    runWith(store, 'r', ['ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz', 'A', 'z']);
    assert.deepEqual(texts(store, 'abcdefghijklmnopqrstuvwxyz'), ['ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz']);
    assert.deepEqual(texts(store, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), ['ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz']);
    assert.deepEqual(texts(store, 'a'), ['ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz', 'A']);
    assert.deepEqual(texts(store, 'Z'), ['ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz', 'z']);
  });

  it('does not fold the characters next to the letters, nor letters outside ASCII', () => {
    const store = open();
    runWith(store, 'r', ['at @ sign', 'open [ bracket', 'É capital', 'x@y', 'x`y', 'x[y', 'x{y']);
    for (const t of ['x@y', 'x`y', 'x[y', 'x{y']) assert.deepEqual(texts(store, t.toUpperCase()), [t]);
    assert.deepEqual(texts(store, '@ SIGN'), ['at @ sign']);
    assert.deepEqual(texts(store, 'OPEN ['), ['open [ bracket']);
    assert.deepEqual(texts(store, 'é capital'), []);
    assert.deepEqual(texts(store, 'É CAPITAL'), ['É capital']);
  });

  it('takes regular-expression characters in the text literally', () => {
    const store = open();
    runWith(store, 'r', ['sum a+b done', 'sum ab done', 'call f(x) now', 'file x.y', 'file xzy', 'path a\\b', 'cost $5 ^up', 'alt a|b', 'any a.*b', 'opt a?b', 'set [ab] {2}']);
    assert.deepEqual(texts(store, 'A+B'), ['sum a+b done']);
    assert.deepEqual(texts(store, 'F(x)'), ['call f(x) now']);
    assert.deepEqual(texts(store, 'X.Y'), ['file x.y']);
    assert.deepEqual(texts(store, 'A\\B'), ['path a\\b']);
    assert.deepEqual(texts(store, '$5 ^UP'), ['cost $5 ^up']);
    assert.deepEqual(texts(store, 'A|B'), ['alt a|b']);
    assert.deepEqual(texts(store, 'A.*B'), ['any a.*b']);
    assert.deepEqual(texts(store, 'A?B'), ['opt a?b']);
    assert.deepEqual(texts(store, '[AB] {2}'), ['set [ab] {2}']);
  });

  it('finds nothing for a text that spans lines', () => {
    const store = open();
    runWith(store, 'r', ['first', 'second']);
    assert.deepEqual(store.searchLogs('first\nsecond'), []);
    assert.deepEqual(store.searchLogs('FIRST\nSECOND'), []);
  });

  it('reports a line once however often it holds the text, also at its very end', () => {
    const store = open();
    runWith(store, 'r', ['ab ab ab', 'end b', 'b']);
    assert.deepEqual(store.searchLogs('ab').map((m) => [m.line, m.text]), [[1, 'ab ab ab']]);
    assert.deepEqual(store.searchLogs('b').map((m) => [m.line, m.text]), [[1, 'ab ab ab'], [2, 'end b'], [3, 'b']]);
  });

  it('counts lines right for several matches in one stored chunk', () => {
    const store = open({ flushIntervalMs: 60_000 });
    store.createRun({ id: 'c', script: '/w/build.sh', args: [], cwd: '/w', profile: null, startedAt: 1 });
    store.appendOutput('c', 'stderr', 1, 6, Buffer.from('hit one\nmiss\nmiss\r\nHIT two\r\n\nhit three'.concat('\n')), 5);
    store.flush();
    assert.deepEqual(store.searchLogs('hit').map((m) => [m.line, m.stream, m.text]), [
      [1, 'stderr', 'hit one'],
      [4, 'stderr', 'HIT two'],
      [6, 'stderr', 'hit three'],
    ]);
  });

  it('returns at most 100 matches unless asked for another limit, and none for a limit of 0', () => {
    const store = open();
    runWith(store, 'r', Array.from({ length: 150 }, (_, i) => `match ${i + 1}`));
    const all = store.searchLogs('match');
    assert.equal(all.length, 100);
    assert.deepEqual([all[0]!.line, all[99]!.line], [1, 100]);
    assert.equal(store.searchLogs('match', { limit: 120 }).length, 120);
    assert.deepEqual(store.searchLogs('match', { limit: 0 }), []);
    assert.deepEqual(store.searchLogs('match', { limit: -1 }), []);
  });
});
