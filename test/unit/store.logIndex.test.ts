// Log search by index (sidecar/store/logGrams.ts, logIndex.ts): the trigram summaries only
// skip chunks, so every search answers exactly what a scan of the same database answers —
// before any chunk is summarised, half-way, and after all are; after runs are pruned; for
// texts with LIKE wildcards, regular-expression characters, other cases and non-ASCII bytes;
// and for texts at the edges of chunks. Real SQLite files and log files; the Store's public
// methods, SQL only to look at the summary rows.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store } from '../../sidecar/store/store';
import { gramsOf, GRAM_BITS_MAX, GRAM_BITS_MIN, LOWER, mayContain, needleGrams } from '../../sidecar/store/logGrams';
import { MIGRATIONS, migrate } from '../../sidecar/store/schema';
import { openDatabase } from '../../sidecar/store/database';
import { BackgroundLogIndexer } from '../../sidecar/runs/logIndexing';
import { runCli, writeScript } from '../support/cli';
import { pollUntil } from '../support/poll';
import { openStore, sqlOf } from '../support/storeSql';
import { tempFolderWithStores } from '../support/tempFolder';

const folder = tempFolderWithStores('stepflow-logindex-');
const dbFile = () => path.join(folder.path, 'stepflow.db');
/** Small chunks and a small inline part, so that runs have many chunks, most in log files. */
const SMALL = { maxChunkBytes: 2048, inlineLogBytes: 4096, flushIntervalMs: 60_000 };

function finish(store: Store, id: string, lines: number, at: number): void {
  store.enqueue({ type: 'runFinished', runId: id, status: 'succeeded', exitCode: 0, signal: null, endedAt: at + 500, durationMs: 500, lineCount: lines, error: null });
}

/** A run of `lines`, written in batches of `perWrite` lines (each batch may become its own chunk). */
function addRun(store: Store, id: string, lines: string[], startedAt: number, perWrite = 7, running = false): void {
  store.createRun({ id, script: `/w/${id}.sh`, args: [], cwd: '/w', profile: null, startedAt });
  for (let k = 0; k < lines.length; k += perWrite) {
    const part = lines.slice(k, k + perWrite);
    store.appendOutput(id, k % 3 === 0 ? 'stderr' : 'stdout', k + 1, part.length, Buffer.from(part.map((l) => l + '\n').join('')), startedAt + k);
    // A flush per batch: chunk boundaries fall between every batch.
    store.flush();
  }
  if (!running) finish(store, id, lines.length, startedAt);
  store.flush();
}

const WORDS = ['compile', 'Module', 'ok', 'warning:', '100%', 'a_b', 'x+y', '(x)', '[ab]', 'a.*b', 'path\\to', 'café', 'Ünïcode', '$5', '^up', 'a|b', 'tab\there'];
function lineOf(run: number, i: number): string {
  return `${String(i).padStart(5, '0')} ${WORDS[(i * 7 + run) % WORDS.length]} ${WORDS[(i * 3) % WORDS.length]} item-${(i * 31 + run) % 997}`;
}

/** Texts to look for: present often, rarely, once, never; short; with special characters; other case. */
const NEEDLES = [
  'compile', 'COMPILE', 'MoDuLe ok', '100%', '%', '_', 'a_b', 'x+y', '(x)', '[ab]', 'a.*b', 'path\\to', 'café', 'CAFÉ', 'ünïcode', 'Ünïcode',
  '$5 ^up', 'a|b', 'tab\there', 'item-996', 'item-1', 'item-12', '00042', 'never-there', 'ok', 'o', 'zz', '42 ', ' 00', '\n', 'e\nc',
];

function searchAll(store: Store): unknown[] {
  return NEEDLES.map((needle) => [
    needle,
    store.searchLogs(needle, { limit: 1000 }),
    store.searchLogs(needle, { runId: 'run-2', limit: 5 }),
    store.listRuns({ search: needle }).map((r) => r.id),
  ]);
}

function indexAll(store: Store): number {
  let chunks = 0;
  for (let slice = store.indexLogs(1 << 20); ; slice = store.indexLogs(1 << 20)) {
    chunks += slice.chunks;
    if (!slice.more) return chunks;
  }
}

describe('store: log search by index', () => {
  it('answers every search exactly as a scan does: before, during and after indexing, and after pruning', () => {
    const store = folder.closeAfterTest(openStore(dbFile(), SMALL));
    for (let run = 1; run <= 4; run++) addRun(store, `run-${run}`, Array.from({ length: 400 + run * 50 }, (_, i) => lineOf(run, i + 1)), run * 10_000, 3 + run * 4);
    addRun(store, 'running', Array.from({ length: 100 }, (_, i) => lineOf(9, i + 1)), 90_000, 10, true);

    const scanned = searchAll(store);
    assert.ok(JSON.stringify(scanned).includes('never-there') && (scanned[0] as unknown[][])[1]!.length > 10, 'the fixture finds things');

    // Half-way: one slice of a few chunks.
    const first = store.indexLogs(6000);
    assert.ok(first.chunks > 0 && first.more, 'a slice stops at its budget and says more is left');
    assert.deepEqual(searchAll(store), scanned);

    indexAll(store);
    const db = sqlOf(store);
    const unindexed = db.prepare(
      `SELECT count(*) FROM log_chunks c JOIN runs r USING (rid) LEFT JOIN log_grams g ON g.rid = c.rid AND g.first_line = c.first_line
       WHERE g.rid IS NULL AND r.status != 'running'`,
    ).pluck().get();
    assert.equal(unindexed, 0, 'every chunk of a finished run has its summary');
    assert.equal(db.prepare("SELECT count(*) FROM log_grams g JOIN runs r USING (rid) WHERE r.status = 'running'").pluck().get(), 0, 'a running run is left alone');
    assert.deepEqual(searchAll(store), scanned);
    assert.deepEqual(store.indexLogs(1 << 20), { chunks: 0, bytes: 0, more: false }, 'nothing left to do');

    // Pruning removes runs with their summaries; the rest still answers as a scan does.
    store.prune({ maxRuns: 3 });
    assert.deepEqual(store.listRuns().map((r) => r.id).sort(), ['run-3', 'run-4', 'running']);
    assert.equal(db.prepare('SELECT count(*) FROM log_grams WHERE rid NOT IN (SELECT rid FROM runs)').pluck().get(), 0, 'no summary outlives its run');
    const afterPrune = searchAll(store);
    db.exec('DELETE FROM log_grams; UPDATE runs SET indexed_lines = 0');
    assert.deepEqual(afterPrune, searchAll(store), 'the same as a scan of what is left');
  });

  it('skips the chunks that cannot hold the text, and finds texts at the first and last bytes of a chunk', () => {
    const store = folder.closeAfterTest(openStore(dbFile(), SMALL));
    const lines = Array.from({ length: 300 }, (_, i) => `plain line ${i}`);
    lines[0] = 'XYZ-first-of-chunk';
    lines[149] = 'end-of-a-chunk-QRS';
    lines[150] = 'TUV-start-of-the-next';
    addRun(store, 'r', lines, 1000, 150);
    indexAll(store);
    const db = sqlOf(store);
    const chunks = db.prepare('SELECT first_line, line_count FROM log_chunks ORDER BY first_line').all() as Array<{ first_line: number; line_count: number }>;
    assert.deepEqual(chunks.map((c) => c.first_line).slice(0, 2), [1, 151], 'lines 150 and 151 are in different chunks');
    assert.deepEqual(store.searchLogs('xyz-first').map((h) => h.line), [1]);
    assert.deepEqual(store.searchLogs('chunk-qrs').map((h) => h.line), [150]);
    assert.deepEqual(store.searchLogs('tuv-start').map((h) => h.line), [151]);
    assert.deepEqual(store.searchLogs('QRS\nTUV'), [], 'a text across the line (and chunk) boundary is no line');
    assert.deepEqual(store.searchLogs('QRSTUV'), [], 'nor are the two lines joined');

    const summaries = db.prepare('SELECT first_line, grams FROM log_grams ORDER BY first_line').all() as Array<{ first_line: number; grams: Buffer }>;
    const may = (text: string) => summaries.filter((s) => mayContain(s.grams, needleGrams(Buffer.from(text.toLowerCase()))!)).map((s) => s.first_line);
    assert.deepEqual(may('XYZ-first'), [1]);
    assert.deepEqual(may('TUV-start'), [151]);
  });

  it('indexes the runs of a database made before the index (migration 8) and finds the same', () => {
    const db = openDatabase(dbFile());
    migrate(db, MIGRATIONS.filter((m) => m.version <= 7));
    db.prepare("INSERT INTO runs (rid, id, script, cwd, status, started_at, line_count, log_bytes) VALUES (1, 'old', '/w/old.sh', '/w', 'succeeded', 5, 3, 30)").run();
    db.prepare("INSERT INTO log_chunks (rid, first_line, line_count, stream, at, size, data) VALUES (1, 1, 3, 1, 5, ?, ?)").run(30, Buffer.from('alpha one\nbeta two\ngamma 100%\n'));
    db.close();

    const store = folder.closeAfterTest(openStore(dbFile()));
    assert.deepEqual(store.searchLogs('100%').map((h) => [h.runId, h.line, h.text]), [['old', 3, 'gamma 100%']], 'found by a scan right after the migration');
    assert.equal(store.indexLogs(1 << 20).chunks, 1);
    assert.equal(sqlOf(store).prepare('SELECT indexed_lines FROM runs').pluck().get(), 3);
    assert.deepEqual(store.searchLogs('100%').map((h) => [h.runId, h.line, h.text]), [['old', 3, 'gamma 100%']], 'and by the index');
    assert.deepEqual(store.searchLogs('delta'), []);
  });

  it('takes a run whose stored lines fall short of its line count off the work list', () => {
    const store = folder.closeAfterTest(openStore(dbFile()));
    addRun(store, 'cut', ['kept line'], 1000);
    // The disk filled up: the run counted lines that were never stored.
    sqlOf(store).exec("UPDATE runs SET line_count = 50 WHERE id = 'cut'");
    assert.equal(store.indexLogs(1 << 20).chunks, 1);
    assert.deepEqual(store.indexLogs(1 << 20), { chunks: 0, bytes: 0, more: false });
  });
});

describe('logGrams: trigram summaries', () => {
  it('is as wide as the chunk, within bounds, and folds ASCII letters only', () => {
    assert.equal(gramsOf(Buffer.from('ab')).length * 8, GRAM_BITS_MIN);
    assert.equal(gramsOf(Buffer.alloc(4096, 0x61)).length * 8, 1024);
    assert.equal(gramsOf(Buffer.alloc(5000, 0x61)).length * 8, 2048);
    assert.equal(gramsOf(Buffer.alloc(1 << 20, 0x61)).length * 8, GRAM_BITS_MAX);
    const map = gramsOf(Buffer.from('Hello WORLD ÉTÉ\n'));
    const has = (text: string) => mayContain(map, needleGrams(Buffer.from(text).map((b) => LOWER[b]!))!);
    assert.ok(has('hello world'));
    assert.ok(has('HELLO world'));
    assert.ok(has('ÉTÉ'));
    assert.ok(!has('été'), 'É is not an ASCII letter: matched exactly, as the search does');
    assert.ok(!has('goodbye'));
    assert.equal(needleGrams(Buffer.from('ab')), null, 'under three bytes nothing can be skipped');
  });

  it('never skips a chunk that holds the text (random bytes and texts cut from them)', () => {
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let round = 0; round < 200; round++) {
      const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 20_000) }, () => Math.floor(random() * 256)));
      const map = gramsOf(bytes);
      for (let k = 0; k < 5; k++) {
        const at = Math.floor(random() * bytes.length);
        const text = bytes.subarray(at, at + 3 + Math.floor(random() * 20)).map((b) => LOWER[b]!);
        if (text.length >= 3) assert.ok(mayContain(map, needleGrams(text)!), `round ${round}: a text from the chunk was skipped`);
      }
    }
  });

  it('gives no verdict on a summary of a width it does not write', () => {
    assert.ok(mayContain(new Uint8Array(3), needleGrams(Buffer.from('abcdef'))!));
    assert.ok(mayContain(new Uint8Array(0), needleGrams(Buffer.from('abcdef'))!));
  });
});

describe('background log indexing', () => {
  it('summarises finished runs while a run is running, and leaves the running one alone', async () => {
    const store = folder.closeAfterTest(openStore(dbFile(), SMALL));
    addRun(store, 'done', Array.from({ length: 300 }, (_, i) => lineOf(1, i + 1)), 1000);
    addRun(store, 'running', Array.from({ length: 50 }, (_, i) => lineOf(2, i + 1)), 2000, 10, true);
    const scanned = searchAll(store);
    const indexer = new BackgroundLogIndexer(store, { sliceBytes: 1000, idlePollMs: 5 });
    const db = sqlOf(store);
    const chunksOf = (id: string) => db.prepare('SELECT count(*) FROM log_chunks JOIN runs USING (rid) WHERE id = ?').pluck().get(id) as number;
    const summariesOf = (id: string) => db.prepare('SELECT count(*) FROM log_grams JOIN runs USING (rid) WHERE id = ?').pluck().get(id) as number;
    try {
      indexer.start();
      await pollUntil(() => summariesOf('done') === chunksOf('done'), 'the finished run to be indexed');
      assert.equal(summariesOf('running'), 0);
      assert.deepEqual(searchAll(store), scanned);
      // The run finishes: a poke indexes it too.
      finish(store, 'running', 50, 2000);
      store.flush();
      indexer.poke();
      await pollUntil(() => summariesOf('running') === chunksOf('running'), 'the run that finished to be indexed');
      assert.deepEqual(searchAll(store), scanned);
    } finally {
      indexer.stop();
    }
  });
});

describe('log search by index, end to end (stepflow run)', () => {
  it('finds a line the script wrote in pieces, and never a masked secret, by scan and by index alike', async () => {
    const home = folder.path;
    const secret = 'Zq9-hunter2-Vx7-index';
    const script = writeScript(home, 'pieces.py', `#!/usr/bin/env python3
import os, time
os.write(1, b"::add-mask::${secret}\\n")
for i in range(3000):
    os.write(1, ("line %d of filler text\\n" % i).encode())
os.write(1, b"alpha-")
time.sleep(0.3)
os.write(1, b"omega-7731 and ${secret}\\n")
for i in range(3000):
    os.write(1, ("late %d ${secret}\\n" % i).encode())
`);
    const result = await runCli(['run', '--json', script], { home });
    assert.equal(result.code, 0, result.stderr);
    const store = folder.closeAfterTest(openStore(path.join(home, 'stepflow.db')));
    const look = () => [store.searchLogs('ALPHA-OMEGA-7731'), store.searchLogs(secret), store.searchLogs('hunter2'), store.searchLogs('late 2999 ***').map((h) => h.text)];
    const scanned = look();
    assert.equal(scanned[0]!.length, 1, 'the line written in two pieces is one line');
    assert.match((scanned[0]![0] as { text: string }).text, /^alpha-omega-7731 and \*+$/);
    assert.deepEqual(scanned[1], []);
    assert.deepEqual(scanned[2], []);
    assert.equal(scanned[3]!.length, 1);
    assert.match(scanned[3]![0] as string, /^late 2999 \*+$/);
    indexAll(store);
    assert.deepEqual(look(), scanned);
    const summaries = sqlOf(store).prepare('SELECT grams FROM log_grams').pluck().all() as Buffer[];
    assert.ok(summaries.length > 0);
    const secretGrams = needleGrams(Buffer.from(secret).map((b) => LOWER[b]!))!;
    assert.deepEqual(summaries.filter((g) => mayContain(g, secretGrams)).length, 0, 'no summary has the bits of the secret');
  });
});

describe('log search by index: the summaries are consulted', () => {
  it('does not read a chunk its summary rules out (chunks never change once written)', () => {
    const store = folder.closeAfterTest(openStore(dbFile(), SMALL));
    addRun(store, 'r', Array.from({ length: 400 }, (_, i) => `plain line ${String(i).padStart(4, '0')} of output`), 1000, 50);
    const logFile = path.join(`${dbFile()}-logs`, `${sqlOf(store).prepare('SELECT rid FROM runs').pluck().get()}.log`);
    // Rewrite the file's bytes behind the store's back, same length, with a text in them.
    const original = fs.readFileSync(logFile);
    const forged = Buffer.from(original.toString('latin1').replace(/plain line 0350/, 'forged text!!!'), 'latin1');
    fs.writeFileSync(logFile, forged);
    assert.equal(store.searchLogs('forged text').length, 1, 'a scan reads the bytes as they are now');
    fs.writeFileSync(logFile, original);
    indexAll(store);
    fs.writeFileSync(logFile, forged);
    assert.deepEqual(store.searchLogs('forged text'), [], 'the summary, made from what was written, rules the chunk out');
    assert.equal(store.searchLogs('plain line 0351').length, 1);
  });
});
