// The two SQLite drivers (sidecar/store/driver.ts) on the same work: figures, not pass/fail
// (docs/testing.md "Benchmarks"). One process measures one driver, the one
// $STEPFLOW_SQLITE_DRIVER names; test/bench/run.mjs runs it alternately on this machine's
// Node with better-sqlite3 (the baseline) and on Node 22 with node:sqlite, and prints ratios.
//   npx tsx test/bench/drivers.bench.ts [--lines 400000] [--runs 200] [--json]
// Ingest: a big log (64 KiB chunks, a step per 1,000 lines, spilled to <db>-logs/ as in
// production) and many small runs (20 steps, 50 lines each: row inserts and transactions).
// History: on the small runs' database — the run list, a run record, 500 log lines, a log
// search that scans every chunk, the step statistics — each the median of many calls.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { driverOf, openDatabase } from '../../sidecar/store/database';
import { Store } from '../../sidecar/store/store';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const LINES = opt('lines', 400_000);
const RUNS = opt('runs', 200);
const CALLS = opt('calls', 50);
const STEP_LINES = 1000;
const CHUNK = 64 * 1024;

const now = () => Number(process.hrtime.bigint()) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function line(i: number): string {
  return `${String(i).padStart(8, '0')} [INFO] compiling module src/main.ts ok ${'x'.repeat(i % 17)} cache hit\n`;
}

function chunks(lines: number): Array<{ bytes: Buffer; first: number; count: number }> {
  const out: Array<{ bytes: Buffer; first: number; count: number }> = [];
  let parts: string[] = [];
  let size = 0;
  let first = 1;
  for (let i = 1; i <= lines; i++) {
    const text = line(i);
    if (size + text.length > CHUNK) {
      out.push({ bytes: Buffer.from(parts.join('')), first, count: parts.length });
      first = i;
      parts = [];
      size = 0;
    }
    parts.push(text);
    size += text.length;
  }
  if (parts.length) out.push({ bytes: Buffer.from(parts.join('')), first, count: parts.length });
  return out;
}

/** One run of `lines` lines with a step per `stepLines`, written through `store` as RunSession would. */
function writeRun(store: Store, runId: string, data: ReturnType<typeof chunks>, stepLines: number, startedAt: number): void {
  let at = startedAt;
  store.createRun({ id: runId, script: '/bench/build.sh', args: [], cwd: '/bench', profile: null, startedAt: at, ownerPid: process.pid });
  let step = 0;
  const total = data[data.length - 1]!.first + data[data.length - 1]!.count - 1;
  for (const c of data) {
    const last = c.first + c.count - 1;
    while (step * stepLines + 1 <= last) {
      if (step > 0) store.enqueue({ type: 'stepFinished', runId, stepId: step, status: 'succeeded', endedAt: at, durationMs: 5 + (step % 7), error: null, line: step * stepLines });
      step += 1;
      store.enqueue({ type: 'stepStarted', runId, stepId: step, parentId: null, name: `step ${step}`, path: [`step ${step}`], startedAt: at, line: (step - 1) * stepLines + 1 });
    }
    store.appendOutput(runId, 'stdout', c.first, c.count, c.bytes, at++);
  }
  store.enqueue({ type: 'stepFinished', runId, stepId: step, status: 'succeeded', endedAt: at, durationMs: 5, error: null, line: total });
  store.enqueue({ type: 'runFinished', runId, status: 'succeeded', exitCode: 0, signal: null, endedAt: at, durationMs: at - startedAt, lineCount: total, error: null });
}

function fresh(dir: string, name: string): string {
  const file = path.join(dir, name);
  new Store(file).close(); // the schema exists already, as for every run but a machine's first
  return file;
}

function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-drivers-bench-'));
  try {
    const probe = openDatabase(':memory:');
    const driver = driverOf(probe);
    probe.close();

    // Ingest 1: one big run.
    const big = chunks(LINES);
    const bigFile = fresh(dir, 'big.db');
    let t0 = now();
    const bigStore = new Store(bigFile);
    writeRun(bigStore, 'big', big, STEP_LINES, Date.now());
    const bigIngestMs = now() - t0;
    bigStore.close();

    // Ingest 2: many small runs (20 steps × 50 lines), each flushed by its runFinished.
    const small = chunks(20 * 50);
    const smallFile = fresh(dir, 'small.db');
    t0 = now();
    const store = new Store(smallFile);
    for (let r = 0; r < RUNS; r++) writeRun(store, `run-${String(r).padStart(5, '0')}`, small, 50, 1_700_000_000_000 + r * 60_000);
    const smallIngestMs = now() - t0;

    // History on the small runs' database.
    const timeCalls = (fn: (i: number) => unknown) => {
      const xs: number[] = [];
      for (let i = 0; i < CALLS; i++) {
        const s = now();
        fn(i);
        xs.push(now() - s);
      }
      return median(xs);
    };
    const ids = store.listRuns({ limit: RUNS }).map((r) => r.id);
    const history = {
      listRunsMs: timeCalls(() => store.listRuns({ limit: 50 })),
      getRunMs: timeCalls((i) => store.getRun(ids[i % ids.length]!)),
      readLogMs: timeCalls((i) => store.readLog(ids[i % ids.length]!, 200, 500)),
      searchScanMs: timeCalls(() => store.searchLogs('no such text anywhere', { limit: 100 })),
      stepStatsMs: timeCalls(() => store.stepStats('/bench/build.sh')),
    };
    const stored = store.getRun(ids[0]!)!;
    store.close();
    if (stored.lineCount !== 1000 || stored.steps.length !== 20) throw new Error(`a small run came back with ${stored.lineCount} lines and ${stored.steps.length} steps`);
    return { driver, node: process.versions.node, lines: LINES, runs: RUNS, calls: CALLS, bigIngestMs, smallIngestMs, history };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const result = main();
if (argv.includes('--json')) process.stdout.write(JSON.stringify(result) + '\n');
else console.log(result);
