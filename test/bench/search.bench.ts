// Log search by index (sidecar/store/logGrams.ts, logIndex.ts, runs/logIndexing.ts): figures,
// not pass/fail (docs/performance.md, "Log search by index").
//
//   npx tsx test/bench/search.bench.ts [--lines 10000000] [--runs 10] [--repeat 5] [--ingest-repeat 5] [--ingest-only] [--json]
//
// 1. Search over --lines stored lines in --runs runs, by index against a scan of the same
//    database, alternated round by round. The scan is the same LogReader on a second
//    connection whose summary test always says "may match" — exactly the search before
//    migration 8. Also: how fast the summaries are built, and what they cost on disk.
// 2. Ingest with and without indexing: `stepflow run --json` of the 2 M-line producer
//    (test/bench/producer.mjs) into that database with one `stepflow serve` running
//    throughout, alternated: with nothing for it to index, and with the --lines history as
//    its backlog (its BackgroundLogIndexer, at ≤ 5 % of a core while a run is running).
//    Needs `npm run build`.
// --json: the human lines go to stderr and the last stdout line is one JSON object.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openDatabase } from '../../sidecar/store/database';
import { LogFiles } from '../../sidecar/store/logFiles';
import { LOG_MAY_MATCH_FUNCTION, LogReader } from '../../sidecar/store/logReader';
import { Store } from '../../sidecar/store/store';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const LINES = opt('lines', 10_000_000);
const RUNS = opt('runs', 10);
const REPEAT = opt('repeat', 5);
const INGEST_REPEAT = opt('ingest-repeat', 5);
const INGEST_LINES = opt('ingest-lines', 2_000_000);
const json = argv.includes('--json');
/** Part 2 alone, on a history written but not searched (the scans take minutes on a busy machine). */
const ingestOnly = argv.includes('--ingest-only');
const say = (line: string) => (json ? process.stderr : process.stdout).write(line + '\n');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ROOT = path.resolve(__dirname, '..', '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-search-bench-'));
const dbFile = path.join(dir, 'stepflow.db');

const WORDS = ['compiling', 'module', 'ok', 'warning:', 'unused', 'variable', 'test', 'passed', 'cache', 'hit', 'linking', 'GET', '/api/v1/items', 'done'];
const RARE = 'needle-7f3a';

/** RUNS runs of LINES / RUNS lines; one line of the oldest run, near its end, holds RARE. */
function writeHistory(): { writeMs: number; bytes: number } {
  const store = new Store(dbFile);
  const t0 = performance.now();
  let bytes = 0;
  const perRun = Math.floor(LINES / RUNS);
  for (let run = 0; run < RUNS; run++) {
    const id = `run-${run}`;
    const startedAt = Date.now() - (RUNS - run) * 60_000;
    store.createRun({ id, script: '/work/big.sh', args: [], cwd: '/work', profile: null, startedAt, ownerPid: process.pid });
    for (let line = 1; line <= perRun; line += 1000) {
      const n = Math.min(1000, perRun - line + 1);
      let text = '';
      for (let k = 0; k < n; k++) {
        const i = line + k;
        text += `${String(i).padStart(8, '0')} [INFO] ${WORDS[i % WORDS.length]} ${WORDS[(i * 7 + run) % WORDS.length]} ${WORDS[(i * 13) % WORDS.length]} item ${(i + run) % 977}${run === 0 && i === perRun - 5 ? ` ${RARE} in a haystack` : ''}\n`;
      }
      const buffer = Buffer.from(text);
      bytes += buffer.length;
      store.appendOutput(id, 'stdout', line, n, buffer, startedAt + Math.floor(line / 100_000));
    }
    store.enqueue({ type: 'runFinished', runId: id, status: 'succeeded', exitCode: 0, signal: null, endedAt: startedAt + 1000, durationMs: 1000, lineCount: perRun, error: null });
    store.flush();
  }
  store.close();
  return { writeMs: performance.now() - t0, bytes };
}

function indexEverything(store: Store): { ms: number; chunks: number; bytes: number } {
  const t0 = performance.now();
  let chunks = 0;
  let bytes = 0;
  for (;;) {
    const slice = store.indexLogs(8 << 20);
    chunks += slice.chunks;
    bytes += slice.bytes;
    if (!slice.more) break;
  }
  return { ms: performance.now() - t0, chunks, bytes };
}

function searchFigures() {
  say(`writing ${LINES.toLocaleString('en')} lines in ${RUNS} runs…`);
  const written = writeHistory();
  say(`  ${(written.bytes / 1e6).toFixed(0)} MB in ${(written.writeMs / 1000).toFixed(1)} s`);
  const store = new Store(dbFile);
  const built = indexEverything(store);
  const sizes = openDatabase(dbFile);
  const summaryBytes = sizes.prepare('SELECT sum(length(grams)) FROM log_grams').pluck().get() as number;
  const chunkCount = sizes.prepare('SELECT count(*) FROM log_chunks').pluck().get() as number;
  sizes.close();
  say(`  summaries of ${built.chunks} chunks (${(built.bytes / 1e6).toFixed(0)} MB) built in ${(built.ms / 1000).toFixed(2)} s (${(built.bytes / 1e6 / (built.ms / 1000)).toFixed(0)} MB/s): ${(summaryBytes / 1e6).toFixed(1)} MB, ${((100 * summaryBytes) / written.bytes).toFixed(1)} % of the log`);

  // The scan: the same reader on its own connection, told that every chunk may match.
  const scanDb = openDatabase(dbFile);
  const scanReader = new LogReader(scanDb, new LogFiles(`${dbFile}-logs`));
  // Two parameters, as SQLite tells functions apart by name and number of arguments.
  scanDb.function(LOG_MAY_MATCH_FUNCTION, { deterministic: true }, (_grams: unknown, _text: unknown) => 1);

  const queries: Array<{ label: string; needle: string; limit: number }> = [
    { label: 'rare text, one line in the oldest run', needle: RARE.toUpperCase(), limit: 100 },
    { label: 'absent text', needle: 'zz-not-there-9q', limit: 100 },
    { label: 'frequent text, first 100 hits', needle: 'linking', limit: 100 },
    { label: 'two-byte text (no trigram: a scan)', needle: 'q9', limit: 100 },
  ];
  const rows = [];
  for (const q of queries) {
    const index: number[] = [];
    const scan: number[] = [];
    const indexCpu: number[] = [];
    const scanCpu: number[] = [];
    let hits = -1;
    const timed = <T>(fn: () => T, wall: number[], cpu: number[], keep: boolean): T => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const result = fn();
      const c = process.cpuUsage(c0);
      if (keep) (wall.push(performance.now() - t0), cpu.push((c.user + c.system) / 1000));
      return result;
    };
    for (let round = 0; round < REPEAT + 1; round++) {
      // Alternated, the first round of each as warm-up.
      const byIndex = timed(() => store.searchLogs(q.needle, { limit: q.limit }), index, indexCpu, round > 0);
      const byScan = timed(() => scanReader.searchLogs(q.needle, { limit: q.limit }), scan, scanCpu, round > 0);
      if (JSON.stringify(byIndex) !== JSON.stringify(byScan)) throw new Error(`index and scan disagree for "${q.needle}"`);
      hits = byIndex.length;
    }
    const row = {
      label: q.label,
      needle: q.needle,
      hits,
      indexMs: median(index),
      scanMs: median(scan),
      ratio: median(index.map((x, k) => x / scan[k]!)),
      indexCpuMs: median(indexCpu),
      scanCpuMs: median(scanCpu),
    };
    rows.push(row);
    say(
      `search over ${LINES.toLocaleString('en')} lines, ${q.label}: index ${row.indexMs.toFixed(1)} ms (CPU ${row.indexCpuMs.toFixed(1)}), ` +
        `scan ${row.scanMs.toFixed(1)} ms (CPU ${row.scanCpuMs.toFixed(1)}): ${row.ratio.toFixed(3)}×, ${hits} hits`,
    );
  }
  // The run list's search (listRuns with a search text) goes through the same summaries.
  const list = { index: [] as number[], scan: [] as number[] };
  for (let round = 0; round < REPEAT; round++) {
    const t0 = performance.now();
    const found = store.listRuns({ search: RARE }).map((r) => r.id);
    list.index.push(performance.now() - t0);
    if (found.join() !== 'run-0') throw new Error(`run list search found ${found.join()}`);
  }
  scanDb.close();
  store.close();
  say(`run list filtered by a rare log text: ${median(list.index).toFixed(1)} ms`);
  return { lines: LINES, runs: RUNS, repeat: REPEAT, bytes: written.bytes, chunks: chunkCount, build: built, summaryBytes, queries: rows, runListSearchMs: median(list.index) };
}

// ── ingest with and without indexing ────────────────────────────────────────────────────

function stepflowRun(home: string): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'stepflow.js'), 'run', '--json', '--db', dbFile, path.join(ROOT, 'test', 'bench', 'producer.mjs'), String(INGEST_LINES)], {
    env: { ...process.env, STEPFLOW_HOME: home, STEPFLOW_MAX_RUNS: '1000' },
    maxBuffer: 64 << 20,
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`stepflow run exited ${r.status}: ${r.stderr.toString().slice(-500)}`);
  const run = JSON.parse(r.stdout.toString()) as { status: string };
  if (run.status !== 'succeeded') throw new Error(`stepflow run: ${run.status}`);
  return ms;
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function startServe(home: string): ChildProcess {
  return spawn(process.execPath, [path.join(ROOT, 'bin', 'stepflow.js'), 'serve', '--port', '0', '--db', dbFile], {
    env: { ...process.env, STEPFLOW_HOME: home },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function stopServe(serve: ChildProcess): Promise<void> {
  if (serve.exitCode !== null || serve.signalCode !== null) return;
  const exited = new Promise((r) => serve.once('exit', r));
  serve.kill('SIGTERM');
  await exited;
}

async function ingestFigures() {
  const home = path.join(dir, 'home');
  fs.mkdirSync(home, { recursive: true });
  const sql = openDatabase(dbFile);
  const summaries = sql.prepare('SELECT count(*) FROM log_grams').pluck();
  const unindexed = sql.prepare('SELECT count(*) FROM runs WHERE indexed_lines < line_count').pluck();
  // One service for every round, so that what it costs besides indexing (its watcher of
  // other processes' runs reads each change) is in both; only its backlog changes.
  const serve = startServe(home);
  const without: number[] = [];
  const withIndexing: number[] = [];
  try {
    for (let round = 0; round < INGEST_REPEAT + 1; round++) {
      // Without: nothing to index (the history is marked done without summaries).
      sql.exec('UPDATE runs SET indexed_lines = line_count');
      await new Promise((r) => setTimeout(r, 300)); // a slice under way ends
      const a = stepflowRun(home);
      // With: the history is a backlog again, and the service is at work on it.
      sql.exec(`DELETE FROM log_grams; UPDATE runs SET indexed_lines = 0 WHERE id LIKE 'run-%'`);
      await waitFor(() => (summaries.get() as number) > 0 || serve.exitCode !== null, 'the service to start indexing the backlog');
      if (serve.exitCode !== null) throw new Error(`stepflow serve exited ${serve.exitCode}`);
      const b = stepflowRun(home);
      const indexedDuringRun = summaries.get() as number;
      if (round > 0) (without.push(a), withIndexing.push(b));
      say(`ingest round ${round}${round === 0 ? ' (warm-up)' : ''}: service idle ${a.toFixed(0)} ms, service indexing ${b.toFixed(0)} ms (${indexedDuringRun} chunks summarised; ${unindexed.get()} runs left)`);
    }
  } finally {
    await stopServe(serve);
  }
  const linesMissing = sql.prepare("SELECT count(*) FROM runs WHERE id NOT LIKE 'run-%' AND (line_count != ? OR status != 'succeeded')").pluck().get(INGEST_LINES) as number;
  sql.close();
  const ratio = median(withIndexing.map((b, k) => b / without[k]!));
  say(`ingest of ${INGEST_LINES.toLocaleString('en')} lines: service idle ${median(without).toFixed(0)} ms, service indexing ${median(withIndexing).toFixed(0)} ms: ${ratio.toFixed(2)}×`);
  return { lines: INGEST_LINES, repeat: INGEST_REPEAT, withoutMs: median(without), withIndexingMs: median(withIndexing), ratio, runsWithLinesMissing: linesMissing };
}

async function main(): Promise<void> {
  const figures: Record<string, unknown> = {};
  try {
    if (ingestOnly) writeHistory();
    else figures.search = searchFigures();
    figures.ingest = await ingestFigures();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (json) process.stdout.write(JSON.stringify(figures) + '\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
