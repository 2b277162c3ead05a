// A big run's output stays where the script wrote it: the runner's spool files, created
// beside the database, become the run's `<rid>.out` / `<rid>.err` instead of being copied.
// Real scripts, a real database file; waits are on conditions, never fixed sleeps.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunSession } from '../../sidecar/runs/runSession';
import { Store } from '../../sidecar/store/store';
import { openStore, sqlOf } from '../support/storeSql';
import { pollUntil } from '../support/poll';
import { tempFolderWithStores } from '../support/tempFolder';

const folder = tempFolderWithStores('stepflow-spool-store-');
let store: Store;
const logDir = () => `${store.file}-logs`;

/** Runs a bash script through a RunSession on `store`; returns the run id. */
async function run(body: string): Promise<string> {
  const script = path.join(folder.path, `s${Date.now()}${Math.random().toString(36).slice(2)}.sh`);
  fs.writeFileSync(script, body, { mode: 0o755 });
  // Two spool files (stdout, stderr) as with `"capture": {"separateStderr": true}`: these tests
  // are about keeping both as <rid>.out / <rid>.err (the default merged file is one .out).
  const session = new RunSession(store, { script, interpreters: { '.sh': ['bash'] }, separateStderr: true });
  await session.start();
  const result = await session.done;
  assert.equal(result.status, 'succeeded');
  return result.runId;
}

function ridOf(runId: string): number {
  return sqlOf(store).prepare('SELECT rid FROM runs WHERE id = ?').pluck().get(runId) as number;
}

function storedText(runId: string): string {
  return store
    .readLog(runId, 1, 1_000_000)
    .map((l) => `${l.stream === 'stderr' ? 'E' : 'O'} ${l.text}\n`)
    .join('');
}

beforeEach(() => (store = folder.closeAfterTest(openStore(path.join(folder.path, 'stepflow.db')))));

describe('store: big output kept in the spool files the script wrote', () => {
  // 40,000 stdout lines (~1.2 MB) with a marker pair and 5,000 stderr lines (~150 KB)
  // interleaved in blocks: well past the 256 KiB kept inside the database.
  const SCRIPT = [
    'echo "STEP_START:Big"',
    'for b in $(seq 1 5); do',
    '  seq -f "out $b %05g some padding text" 1 8000',
    '  seq -f "err $b %05g" 1 1000 >&2',
    'done',
    'echo "STEP_COMPLETE:Big"',
    'printf "last line without newline"',
  ].join('\n');

  function expected(): string {
    let text = 'O STEP_START:Big\n';
    for (let b = 1; b <= 5; b++) {
      for (let i = 1; i <= 8000; i++) text += `O out ${b} ${String(i).padStart(5, '0')} some padding text\n`;
      for (let i = 1; i <= 1000; i++) text += `E err ${b} ${String(i).padStart(5, '0')}\n`;
    }
    return `${text}O STEP_COMPLETE:Big\nO last line without newline\n`;
  }

  it('points the rows into <rid>.out / <rid>.err, reads back every line, and leaves no spool behind', async () => {
    const runId = await run(SCRIPT);
    const rid = ridOf(runId);
    // What a reader sees: every line, in order, with its stream (stdout and stderr are read
    // apart, so only their order within each stream is fixed).
    const stored = storedText(runId);
    const byStream = (text: string, tag: string) => text.split('\n').filter((l) => l.startsWith(tag)).join('\n');
    assert.equal(byStream(stored, 'O '), byStream(expected(), 'O '));
    assert.equal(byStream(stored, 'E '), byStream(expected(), 'E '));
    assert.equal(store.getRun(runId)!.lineCount, 45_003);
    // Where it is: the stdout spool kept as <rid>.out (no copy in <rid>.log).
    const sources = sqlOf(store).prepare('SELECT src, count(*) AS n FROM log_chunks WHERE rid = ? GROUP BY src ORDER BY src').all(rid) as Array<{ src: number | null; n: number }>;
    assert.ok(sources.some((s) => s.src === 1), `no chunk points into the stdout spool: ${JSON.stringify(sources)}`);
    assert.ok(fs.existsSync(path.join(logDir(), `${rid}.out`)));
    await pollUntil(() => fs.readdirSync(logDir()).every((name) => !name.startsWith('stepflow-spool-')), 'the spool folder to go');
    // Search finds lines in the kept file too.
    const hits = store.searchLogs('out 4 07777', { runId });
    assert.deepEqual(hits.map((h) => [h.stream, h.text]), [['stdout', 'out 4 07777 some padding text']]);
    // Pruning removes the kept files with the run.
    await run('echo small');
    store.prune({ maxRuns: 1 });
    assert.equal(store.getRun(runId), undefined);
    assert.deepEqual(fs.readdirSync(logDir()).filter((name) => name.startsWith(`${rid}.`)), []);
  });

  it('stores hostile output byte for byte, whichever file each part ends up in', async () => {
    // 300 KB of lines, a 600 KB line (longer than one spool read), invalid UTF-8 and NULs,
    // more lines, and a last line without a newline (the store adds one).
    const body = [
      'seq -f "line %06g of ordinary output" 1 10000',
      "head -c 600000 /dev/zero | tr '\\0' x; echo",
      "printf '\\xff\\xfe\\x00bin\\x00ary\\n'",
      'seq -f "tail %06g" 1 20000',
      'printf "no newline at the end"',
    ].join('\n');
    const runId = await run(body);
    const expectedBytes = Buffer.concat([
      Buffer.from(Array.from({ length: 10000 }, (_, i) => `line ${String(i + 1).padStart(6, '0')} of ordinary output\n`).join('')),
      Buffer.from(`${'x'.repeat(600000)}\n`),
      Buffer.from([0xff, 0xfe, 0x00, ...Buffer.from('bin'), 0x00, ...Buffer.from('ary\n')]),
      Buffer.from(Array.from({ length: 20000 }, (_, i) => `tail ${String(i + 1).padStart(6, '0')}\n`).join('')),
      Buffer.from('no newline at the end\n'),
    ]);
    const rid = ridOf(runId);
    const rows = sqlOf(store).prepare('SELECT src, file_off, size, data FROM log_chunks WHERE rid = ? ORDER BY first_line').all(rid) as Array<{
      src: number | null;
      file_off: number | null;
      size: number;
      data: Buffer | null;
    }>;
    const fileOf = (src: number | null) => path.join(logDir(), `${rid}${src === 1 ? '.out' : src === 2 ? '.err' : '.log'}`);
    const stored = Buffer.concat(
      rows.map((r) => {
        if (r.data) return r.data;
        const fd = fs.openSync(fileOf(r.src), 'r');
        try {
          const buf = Buffer.alloc(r.size);
          fs.readSync(fd, buf, 0, r.size, r.file_off!);
          return buf;
        } finally {
          fs.closeSync(fd);
        }
      }),
    );
    assert.ok(stored.equals(expectedBytes), `stored ${stored.length} bytes, expected ${expectedBytes.length}`);
    const kinds = new Set(rows.map((r) => (r.data ? 'inline' : r.src === null ? 'log' : 'spool')));
    assert.deepEqual([...kinds].sort(), ['inline', 'log', 'spool'], 'this run exercises all three places');
  });

  it('a small run stays inside the database, and its spool is removed', async () => {
    const runId = await run('seq 1 100');
    assert.deepEqual(store.readLog(runId, 99, 5).map((l) => l.text), ['99', '100']);
    await pollUntil(() => !fs.existsSync(logDir()) || fs.readdirSync(logDir()).length === 0, 'the spool folder to go');
  });

  it('writes the bytes it holds when the spool file is gone before the flush', () => {
    store.createRun({ id: 'gone', script: '/abs/x.sh', args: [], cwd: '/abs', profile: null, startedAt: 1 });
    const line = Buffer.from(`${'z'.repeat(99)}\n`);
    const inline = Buffer.concat(Array.from({ length: 3000 }, () => line)); // 300 KB: spills
    store.appendOutput('gone', 'stdout', 1, 3000, inline, 1);
    store.flush();
    const more = Buffer.from('kept after all\n');
    store.appendOutput('gone', 'stdout', 3001, 1, more, 2, { file: path.join(folder.path, 'no-such-spool', 'stdout'), offset: inline.length });
    store.flush();
    assert.deepEqual(store.readLog('gone', 3001, 5).map((l) => l.text), ['kept after all']);
    assert.equal(sqlOf(store).pragma('integrity_check', { simple: true }), 'ok');
  });

  it('removes the spool folder of a process that died mid-run when its run is found interrupted', () => {
    fs.mkdirSync(logDir(), { recursive: true });
    // PIDs are below 2^22 on Linux: this one cannot be alive.
    const deadPid = 4_194_400;
    const dead = path.join(logDir(), `stepflow-spool-${deadPid}-abc`);
    const live = path.join(logDir(), `stepflow-spool-${process.pid}-def`);
    for (const folder of [dead, live]) {
      fs.mkdirSync(folder);
      fs.writeFileSync(path.join(folder, 'stdout'), 'left over\n');
    }
    store.createRun({ id: 'crashed', script: '/abs/x.sh', args: [], cwd: '/abs', profile: null, startedAt: 1, ownerPid: deadPid });
    store.flush();
    // The next process to open the database (a CLI run, the editor's sidecar) notices.
    const next = new Store(store.file);
    try {
      assert.deepEqual(next.markInterrupted(), ['crashed']);
    } finally {
      next.close();
    }
    assert.equal(fs.existsSync(dead), false);
    assert.equal(fs.existsSync(live), true);
  });
});
