// Store ingest benchmark: figures, not pass/fail (docs/testing.md "Benchmarks").
//   npx tsx test/bench/store.bench.ts [--lines 2000000] [--repeat 5] [--fts] [--json]
//   import { benchStore } from './store.bench'   (test/bench/run.mjs: `npm run bench`)
// 1. 2M lines of ~80 bytes in 64 KiB chunks + one step per 1,000 lines through Store,
//    against fs.writeSync of the same chunks to a plain file, alternating, medians.
// 2. Database bytes per run and per step for typical small runs (dbstat).
// 3. --fts: the FTS5 evaluation behind schema.ts (contentless trigram / unicode61 index on
//    chunk text vs the plain chunk insert and a scan).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { STORE_DEFAULTS, Store } from '../../sidecar/store/store';
import { openStore, sqlOf } from '../support/storeSql';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
let LINES = opt('lines', 2_000_000);
let REPEAT = opt('repeat', 5);
const STEP_LINES = 1000;
const CHUNK = 64 * 1024;
let dir = '';

// ── data: log-like lines of ~80 bytes from a fixed PRNG ────────────────────────────────
let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const words = ['compiling', 'module', 'ok', 'warning:', 'unused', 'variable', 'test', 'passed', 'fetching', 'cache', 'hit', 'miss', 'linking', 'target', 'src/main.rs', 'lib/util.ts', '200', 'GET', '/api/v1/items', 'retry', 'done', 'élapsed', '✓'];
function makeLine(i: number): string {
  let text = `${String(i).padStart(8, '0')} [${['INFO', 'DEBUG', 'WARN'][i % 3]}] `;
  while (text.length < 76) text += words[Math.floor(rnd() * words.length)] + ' ';
  return text.slice(0, 79) + '\n';
}
interface Chunk {
  bytes: Buffer;
  firstLine: number;
  lineCount: number;
}
function makeChunks(lines: number): Chunk[] {
  const chunks: Chunk[] = [];
  let parts: string[] = [];
  let size = 0;
  let first = 1;
  for (let i = 1; i <= lines; i++) {
    const line = makeLine(i);
    if (size + Buffer.byteLength(line) > CHUNK) {
      chunks.push({ bytes: Buffer.from(parts.join('')), firstLine: first, lineCount: parts.length });
      first = i;
      parts = [];
      size = 0;
    }
    parts.push(line);
    size += Buffer.byteLength(line);
  }
  if (parts.length) chunks.push({ bytes: Buffer.from(parts.join('')), firstLine: first, lineCount: parts.length });
  return chunks;
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rm = (p: string) => fs.rmSync(p, { recursive: true, force: true });
const fileSize = (p: string) => (fs.existsSync(p) ? fs.statSync(p).size : 0);
function dirSize(p: string): number {
  return fs.existsSync(p) ? fs.readdirSync(p).reduce((sum, f) => sum + fs.statSync(path.join(p, f)).size, 0) : 0;
}

/** The baseline; `group` > 1 batches chunks per writev as the store does (a stricter baseline). */
function plainFile(chunks: Chunk[], group = 1): number {
  const file = path.join(dir, 'plain.log');
  rm(file);
  const t0 = process.hrtime.bigint();
  const fd = fs.openSync(file, 'w');
  if (group === 1) for (const c of chunks) fs.writeSync(fd, c.bytes);
  else for (let i = 0; i < chunks.length; i += group) fs.writevSync(fd, chunks.slice(i, i + group).map((c) => c.bytes));
  fs.closeSync(fd);
  return ms(t0);
}

interface StoreRun {
  ingestMs: number;
  totalMs: number;
  dbBytes: number;
  logBytes: number;
  /** dbstat bytes per table/index. */
  tables: Map<string, number>;
}
function throughStore(chunks: Chunk[], inline: boolean): StoreRun {
  const file = path.join(dir, 'bench.db');
  for (const suffix of ['', '-wal', '-shm', '-logs']) rm(file + suffix);
  // The database exists already (a real run does not create the schema); opening it is timed.
  new Store(file).close();
  const t0 = process.hrtime.bigint();
  const store = new Store(file, inline ? { logDir: null } : {});
  const runId = 'bench-run';
  let at = Date.now();
  store.createRun({ id: runId, script: '/bench/build.sh', args: [], cwd: '/bench', profile: null, startedAt: at, ownerPid: process.pid });
  let step = 0;
  const total = chunks[chunks.length - 1]!.firstLine + chunks[chunks.length - 1]!.lineCount - 1;
  for (const c of chunks) {
    const last = c.firstLine + c.lineCount - 1;
    // Steps open at line k*1000+1 and close at line (k+1)*1000, as markers in the stream would.
    while (step * STEP_LINES + 1 <= last) {
      if (step > 0) store.enqueue({ type: 'stepFinished', runId, stepId: step, status: 'succeeded', endedAt: at, durationMs: 1, error: null, line: step * STEP_LINES });
      step += 1;
      store.enqueue({ type: 'stepStarted', runId, stepId: step, parentId: null, name: `step ${step}`, startedAt: at, line: (step - 1) * STEP_LINES + 1 });
    }
    store.appendOutput(runId, 'stdout', c.firstLine, c.lineCount, c.bytes, at++);
  }
  store.enqueue({ type: 'stepFinished', runId, stepId: step, status: 'succeeded', endedAt: at, durationMs: 1, error: null, line: total });
  store.enqueue({ type: 'runFinished', runId, status: 'succeeded', exitCode: 0, signal: null, endedAt: at, durationMs: 1, lineCount: total, error: null });
  const ingestMs = ms(t0); // runFinished commits synchronously: everything is durable in the WAL here
  store.close(); // includes the last connection's checkpoint of the WAL into the database
  const totalMs = ms(t0);
  const db = new BetterSqlite3(file, { readonly: true });
  const tables = new Map((db.prepare('SELECT name, sum(pgsize) AS b FROM dbstat GROUP BY name').all() as Array<{ name: string; b: number }>).map((r) => [r.name, r.b]));
  db.close();
  return { ingestMs, totalMs, dbBytes: fileSize(file), logBytes: dirSize(file + '-logs'), tables };
}

/** Bytes per run and per step for typical runs: 500 runs × 20 steps (2 nested) × 50 lines. */
function typicalSizes(): { perRun: number; perStep: number; perRunWithLog: number } {
  const file = path.join(dir, 'typical.db');
  for (const suffix of ['', '-wal', '-shm', '-logs']) rm(file + suffix);
  const store = openStore(file);
  const runs = 500;
  for (let r = 0; r < runs; r++) {
    const runId = `${(1_700_000_000_000 + r * 60_000).toString(36)}${String(r).padStart(6, '0')}`;
    const t = 1_700_000_000_000 + r * 60_000;
    store.createRun({ id: runId, script: '/home/dev/project/scripts/build.sh', args: ['--release'], cwd: '/home/dev/project', profile: 'release', startedAt: t, ownerPid: process.pid });
    let line = 1;
    for (let s = 1; s <= 20; s++) {
      const parentId = s % 10 === 1 ? null : s <= 10 ? 1 : 11;
      store.enqueue({ type: 'stepStarted', runId, stepId: s, parentId, name: ['Build', 'Test', 'compile', 'unit', 'lint'][s % 5]!, startedAt: t + s * 100, line });
      const text = Array.from({ length: 50 }, (_, k) => makeLine(line + k)).join('');
      store.appendOutput(runId, 'stdout', line, 50, Buffer.from(text), t + s * 100);
      line += 50;
      store.enqueue({ type: 'stepFinished', runId, stepId: s, status: 'succeeded', endedAt: t + s * 100 + 90, durationMs: 90, error: null, line: line - 1 });
    }
    store.enqueue({ type: 'runFinished', runId, status: 'succeeded', exitCode: 0, signal: null, endedAt: t + 3000, durationMs: 3000, lineCount: line - 1, error: null });
  }
  const bytes = new Map<string, number>();
  for (const row of sqlOf(store).prepare('SELECT name, sum(pgsize) AS b FROM dbstat GROUP BY name').all() as Array<{ name: string; b: number }>) bytes.set(row.name, row.b);
  store.close();
  const of = (...names: string[]) => names.reduce((sum, n) => sum + (bytes.get(n) ?? 0), 0);
  const runBytes = of('runs', 'sqlite_autoindex_runs_1', 'runs_started', 'runs_status', 'runs_script');
  return { perRun: runBytes / runs, perStep: of('steps') / (runs * 20), perRunWithLog: [...bytes.values()].reduce((a, b) => a + b, 0) / runs };
}

function ftsEvaluation(): void {
  const chunks = makeChunks(200_000);
  const mb = chunks.reduce((s, c) => s + c.bytes.length, 0) / 1e6;
  console.log(`\nFTS5 evaluation: ${chunks.length} chunks, ${mb.toFixed(1)} MB of log text`);
  const rows: Array<[string, string, string, string]> = [];
  for (const variant of ['plain chunks + scan', 'fts5 trigram (contentless)', 'fts5 unicode61 (contentless)']) {
    const file = path.join(dir, 'fts.db');
    for (const suffix of ['', '-wal', '-shm']) rm(file + suffix);
    const db = new BetterSqlite3(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE c (rid INTEGER, first_line INTEGER, data BLOB, PRIMARY KEY (rid, first_line))');
    if (variant.includes('trigram')) db.exec(`CREATE VIRTUAL TABLE x USING fts5(t, content='', tokenize='trigram')`);
    if (variant.includes('unicode61')) db.exec(`CREATE VIRTUAL TABLE x USING fts5(t, content='')`);
    const ins = db.prepare('INSERT INTO c VALUES (1, ?, ?)');
    const fts = variant.includes('fts5') ? db.prepare('INSERT INTO x (rowid, t) VALUES (?, ?)') : undefined;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < chunks.length; i += 16) {
      db.transaction(() => {
        for (const c of chunks.slice(i, i + 16)) {
          ins.run(c.firstLine, c.bytes);
          fts?.run(c.firstLine, c.bytes.toString('utf8'));
        }
      }).immediate();
    }
    const ingest = ms(t0);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const t1 = process.hrtime.bigint();
    const needle = makeLine(123_456).slice(0, 30);
    if (fts) db.prepare('SELECT count(*) FROM x WHERE x MATCH ?').get(variant.includes('trigram') ? `"${needle.slice(9, 30)}"` : 'passed');
    else db.prepare('SELECT count(*) FROM c WHERE instr(data, ?) > 0').get(Buffer.from(needle));
    const search = ms(t1);
    rows.push([variant, ingest.toFixed(0), (fileSize(file) / 1e6).toFixed(1), search.toFixed(1)]);
    db.close();
  }
  table(['variant', 'ingest ms', 'db MB', 'search ms'], rows);
}

function table(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  console.log(line(head));
  console.log('|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const r of rows) console.log(line(r));
}

export interface StoreBenchResult {
  lines: number;
  bytes: number;
  repeat: number;
  /** Medians (ms). */
  plainFileMs: number;
  plainFileWritev4Ms: number;
  storeIngestMs: number;
  storeTotalMs: number;
  inlineTotalMs: number;
  bigRunDbBytes: number;
  bigRunLogBytes: number;
  bigRunBytesPerStep: number;
  typical: { perRun: number; perStep: number; perRunWithLog: number };
}

/** The ingest comparison and the size figures, without printing (for test/bench/run.mjs). */
export function benchStore(options: { lines?: number; repeat?: number } = {}): StoreBenchResult {
  if (options.lines !== undefined) LINES = options.lines;
  if (options.repeat !== undefined) REPEAT = options.repeat;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-bench-'));
  try {
    const m = measureIngest();
    return {
      lines: LINES,
      bytes: m.bytes,
      repeat: REPEAT,
      plainFileMs: median(m.file),
      plainFileWritev4Ms: median(m.file4),
      storeIngestMs: median(m.ingest),
      storeTotalMs: median(m.total),
      inlineTotalMs: m.inline.totalMs,
      bigRunDbBytes: m.last.dbBytes,
      bigRunLogBytes: m.last.logBytes,
      bigRunBytesPerStep: (m.last.tables.get('steps') ?? 0) / Math.ceil(LINES / STEP_LINES),
      typical: typicalSizes(),
    };
  } finally {
    rm(dir);
  }
}

/** The alternated rounds both entry points report: plain file writes against the Store. */
function measureIngest(): { chunks: Chunk[]; bytes: number; file: number[]; file4: number[]; ingest: number[]; total: number[]; last: StoreRun; inline: StoreRun } {
  const chunks = makeChunks(LINES);
  const bytes = chunks.reduce((s, c) => s + c.bytes.length, 0);
  plainFile(chunks); // warm up the page cache and the code paths
  throughStore(chunks, false);
  const file: number[] = [];
  const file4: number[] = [];
  const ingest: number[] = [];
  const total: number[] = [];
  let last: StoreRun | undefined;
  for (let i = 0; i < REPEAT; i++) {
    file.push(plainFile(chunks));
    file4.push(plainFile(chunks, 4));
    last = throughStore(chunks, false);
    ingest.push(last.ingestMs);
    total.push(last.totalMs);
  }
  return { chunks, bytes, file, file4, ingest, total, last: last!, inline: throughStore(chunks, true) };
}

function main(): void {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-bench-'));
  const { chunks, bytes, file, file4, ingest, total, last, inline } = measureIngest();
  console.log(`${LINES.toLocaleString('en')} lines, ${(bytes / 1e6).toFixed(1)} MB in ${chunks.length} chunks of ≤64 KiB, ${Math.ceil(LINES / STEP_LINES)} steps; median of ${REPEAT}\n`);
  const f = median(file);
  const mbps = (t: number) => (bytes / 1e6 / (t / 1000)).toFixed(0);
  table(
    ['writer', 'ms', 'MB/s', 'ratio', 'db bytes', 'log file bytes'],
    [
      ['fs.writeSync to a plain file (64 KiB writes)', f.toFixed(0), mbps(f), '1.00', '-', String(bytes)],
      ['fs.writevSync, 4 chunks per call (256 KiB)', median(file4).toFixed(0), mbps(median(file4)), (median(file4) / f).toFixed(2), '-', String(bytes)],
      ['Store: open + ingest until runFinished committed', median(ingest).toFixed(0), mbps(median(ingest)), (median(ingest) / f).toFixed(2), String(last.dbBytes), String(last.logBytes)],
      ['Store: … plus close() (WAL checkpoint)', median(total).toFixed(0), mbps(median(total)), (median(total) / f).toFixed(2), '', ''],
      ['Store, all logs inline BLOBs (1 run)', inline.totalMs.toFixed(0), mbps(inline.totalMs), (inline.totalMs / f).toFixed(2), String(inline.dbBytes), '0'],
    ],
  );
  const sizes = typicalSizes();
  console.log(`\nTypical runs (500 × 20 steps × 50 lines): ${sizes.perRun.toFixed(0)} B/run (runs + indexes), ${sizes.perStep.toFixed(0)} B/step, ${sizes.perRunWithLog.toFixed(0)} B/run with its log and everything`);
  const t = last.tables;
  const chunkRows = Math.ceil(bytes / (256 * 1024));
  console.log(
    `Big run: ${((t.get('steps') ?? 0) / Math.ceil(LINES / STEP_LINES)).toFixed(0)} B/step; log_chunks + index ${(t.get('log_chunks') ?? 0) + (t.get('log_chunks_line') ?? 0)} B ` +
      `(${STORE_DEFAULTS.inlineLogBytes / 1024} KiB inline, ~${chunkRows} chunk rows); ${((last.dbBytes + last.logBytes) / bytes).toFixed(3)} bytes stored per byte of output`,
  );
  if (argv.includes('--fts')) ftsEvaluation();
  rm(dir);
}

if (require.main === module) {
  if (argv.includes('--json')) process.stdout.write(JSON.stringify(benchStore()) + '\n');
  else main();
}
