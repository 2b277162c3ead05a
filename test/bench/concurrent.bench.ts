// Many runs at once in ONE process, as one sidecar would host them: figures, not pass/fail
// (docs/testing.md "Benchmarks").
//   npx tsx test/bench/concurrent.bench.ts [--runs 500] [--heap-snapshot FILE] [--json]
// Each run is a small /bin/sh script printing 1,000 lines (10 steps of 100 lines, markers
// included), one write per line. All runs are started through one RunManager on one Store
// (the sidecar's own wiring: liveOutput on, events batched every 50 ms); each published batch
// is JSON.stringify'd as the LSP connection would, then dropped. Measured: wall time from the
// first start to the last finish, peak RSS (sampled every 10 ms, and the kernel's VmHWM), the
// most runs alive at once, and lines lost: every run's stored line count, stored line total
// and stored bytes against what the script printed, and the lines seen by the publisher.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import BetterSqlite3 from 'better-sqlite3';
import { RunManager } from '../../sidecar/runs/runManager';
import { Store } from '../../sidecar/store/store';

export interface ConcurrentResult {
  runs: number;
  linesPerRun: number;
  stepsPerRun: number;
  wallMs: number;
  startAllMs: number;
  maxActive: number;
  rssBeforeMB: number;
  peakRssSampledMB: number;
  peakRssHwmMB: number | null;
  heapPeakMB: number;
  linesExpected: number;
  linesStored: number;
  linesPublished: number;
  /** JSON the LSP connection would have sent for these runs. */
  publishedMB: number;
  bytesExpected: number;
  bytesStored: number;
  runsNotSucceeded: number;
  runsWithWrongSteps: number;
  /** Lines missing from the store (expected − stored, per run, summed; ≥ 0). */
  linesLost: number;
  dbBytes: number;
}

const STEPS = 10;
const LINES_PER_STEP = 100; // START + 98 lines + COMPLETE

/** The script every run executes; its output is fixed, so the expected bytes are known. */
function writeScript(dir: string): { file: string; lines: number; bytes: number } {
  const file = path.join(dir, 'small-run.sh');
  // `sleep 1` first: all runs are spawned and waiting before the output starts, so they
  // really overlap; one more pause in the middle keeps them alive together a while longer.
  fs.writeFileSync(
    file,
    `#!/bin/sh
sleep 1
s=1
while [ $s -le ${STEPS} ]; do
  echo "STEP_START:step $s"
  i=1
  while [ $i -le ${LINES_PER_STEP - 2} ]; do
    echo "[worker] step $s line $i: compiling module, all fine"
    i=$((i+1))
  done
  echo "STEP_COMPLETE:step $s"
  if [ $s -eq 5 ]; then sleep 0.5; fi
  s=$((s+1))
done
`,
    { mode: 0o755 },
  );
  let expected = '';
  for (let s = 1; s <= STEPS; s++) {
    expected += `STEP_START:step ${s}\n`;
    for (let i = 1; i <= LINES_PER_STEP - 2; i++) expected += `[worker] step ${s} line ${i}: compiling module, all fine\n`;
    expected += `STEP_COMPLETE:step ${s}\n`;
  }
  return { file, lines: STEPS * LINES_PER_STEP, bytes: Buffer.byteLength(expected) };
}

function vmHwmMB(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * `heapSnapshot`: a file to write a V8 heap snapshot to once every run is spawned (their
 * scripts sleep a second before printing), to see what one run costs.
 */
export async function benchConcurrent(runs = 500, heapSnapshot?: string): Promise<ConcurrentResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-bench-concurrent-'));
  try {
    const script = writeScript(dir);
    const dbFile = path.join(dir, 'stepflow.db');
    const store = new Store(dbFile);
    const published = new Map<string, number>();
    let publishedBytes = 0;
    const manager = new RunManager(store, (events) => {
      publishedBytes += JSON.stringify({ jsonrpc: '2.0', method: 'stepflow/runEvents', params: { events } }).length;
      for (const event of events) {
        if (event.type === 'output') published.set(event.runId, (published.get(event.runId) ?? 0) + event.lineCount);
      }
    });
    // Settle: JIT, the database and the first spawn are not part of what 500 runs cost.
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    let peakHeap = process.memoryUsage().heapUsed;
    let maxActive = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
      maxActive = Math.max(maxActive, manager.activeCount);
    }, 10);

    let resolveAll!: () => void;
    const allDone = new Promise<void>((resolve) => (resolveAll = resolve));
    const t0 = performance.now();
    const ids = await Promise.all(
      Array.from({ length: runs }, () => manager.start({ script: script.file, cwd: dir, graceMs: 1000 })),
    );
    const startAllMs = performance.now() - t0;
    if (heapSnapshot) v8.writeHeapSnapshot(heapSnapshot);
    // RunManager resolves `start` once spawned and forgets a session once it is done.
    const poll = setInterval(() => {
      maxActive = Math.max(maxActive, manager.activeCount);
      if (manager.activeCount === 0) {
        clearInterval(poll);
        resolveAll();
      }
    }, 20);
    await allDone;
    const wallMs = performance.now() - t0;
    clearInterval(sampler);
    const peakRssHwm = vmHwmMB();
    store.close();

    // Read back what was stored, from a separate connection as another process would.
    const db = new BetterSqlite3(dbFile, { readonly: true });
    const rows = db
      .prepare(
        `SELECT r.id, r.status, r.line_count AS lineCount,
                (SELECT coalesce(sum(c.line_count), 0) FROM log_chunks c WHERE c.rid = r.rid) AS storedLines,
                (SELECT coalesce(sum(c.size), 0) FROM log_chunks c WHERE c.rid = r.rid) AS storedBytes,
                (SELECT count(*) FROM steps s WHERE s.rid = r.rid AND s.status = 'succeeded') AS okSteps
         FROM runs r`,
      )
      .all() as Array<{ id: string; status: string; lineCount: number; storedLines: number; storedBytes: number; okSteps: number }>;
    db.close();
    const byId = new Map(rows.map((r) => [r.id, r]));
    let linesStored = 0;
    let bytesStored = 0;
    let linesLost = 0;
    let notSucceeded = 0;
    let wrongSteps = 0;
    for (const id of ids) {
      const row = byId.get(id);
      linesStored += row?.storedLines ?? 0;
      bytesStored += row?.storedBytes ?? 0;
      linesLost += Math.max(0, script.lines - Math.min(row?.storedLines ?? 0, row?.lineCount ?? 0));
      if (row?.status !== 'succeeded') notSucceeded++;
      if (row?.okSteps !== STEPS) wrongSteps++;
    }
    const dbBytes = ['', '-wal'].reduce((sum, s) => sum + (fs.existsSync(dbFile + s) ? fs.statSync(dbFile + s).size : 0), 0);
    return {
      runs,
      linesPerRun: script.lines,
      stepsPerRun: STEPS,
      wallMs,
      startAllMs,
      maxActive,
      rssBeforeMB: rssBefore / 2 ** 20,
      peakRssSampledMB: peakRss / 2 ** 20,
      peakRssHwmMB: peakRssHwm,
      heapPeakMB: peakHeap / 2 ** 20,
      linesExpected: runs * script.lines,
      linesStored,
      linesPublished: [...published.values()].reduce((a, b) => a + b, 0),
      publishedMB: publishedBytes / 1e6,
      bytesExpected: runs * script.bytes,
      bytesStored,
      runsNotSucceeded: notSucceeded,
      runsWithWrongSteps: wrongSteps,
      linesLost,
      dbBytes,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--runs');
  const snapshot = argv.indexOf('--heap-snapshot');
  void benchConcurrent(i >= 0 ? Number(argv[i + 1]) : 500, snapshot >= 0 ? argv[snapshot + 1] : undefined).then(
    (r) => {
      if (argv.includes('--json')) {
        process.stdout.write(JSON.stringify(r) + '\n');
        return;
      }
      console.log(`${r.runs} runs × ${r.linesPerRun} lines (${r.stepsPerRun} steps), one process, one Store`);
      console.log(`wall ${r.wallMs.toFixed(0)} ms (all spawned after ${r.startAllMs.toFixed(0)} ms), at most ${r.maxActive} alive at once`);
      console.log(`RSS ${r.rssBeforeMB.toFixed(1)} MB before, peak ${r.peakRssSampledMB.toFixed(1)} MB sampled / ${r.peakRssHwmMB?.toFixed(1) ?? '?'} MB VmHWM; heap peak ${r.heapPeakMB.toFixed(1)} MB`);
      console.log(`lines: ${r.linesExpected} printed, ${r.linesStored} stored, ${r.linesPublished} published (${r.publishedMB.toFixed(1)} MB of JSON); lost ${r.linesLost}; bytes ${r.bytesStored}/${r.bytesExpected}`);
      console.log(`runs not succeeded: ${r.runsNotSucceeded}, with wrong steps: ${r.runsWithWrongSteps}; database ${r.dbBytes} bytes`);
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
