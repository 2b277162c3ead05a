// Marker → event latency with and without the spool reader's pacing (sidecar/runner/spool.ts,
// COALESCE_MS), alternated in one process: pacing trades a bounded wait for far fewer reads,
// and this shows what the wait costs where it matters, a marker becoming a RunEvent.
// The writer (test/bench/writers/stamped.py) stamps each STEP_START with the wall-clock time
// it printed it; the stepStarted listener compares that with its own clock. Dense phase: one
// print per line, a marker every 500 lines; sparse phase: a marker every 20 ms.
//   npx tsx test/bench/liveness.bench.ts [--lines 100000] [--repeat 5] [--json]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunSession } from '../../sidecar/runs/runSession';
import { Store } from '../../sidecar/store/store';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const LINES = arg('lines', 100_000);
const REPEAT = arg('repeat', 5);
const SPARSE = 50;
const json = process.argv.includes('--json');
const say = (m: string): void => void process.stderr.write(`${m}\n`);

// Bundled into dist/bench/, __dirname is no longer test/bench: find the writer from the repo.
const WRITER = ['test/bench/writers/stamped.py', path.resolve(__dirname, '..', '..', 'test', 'bench', 'writers', 'stamped.py')]
  .map((p) => path.resolve(p))
  .find((p) => fs.existsSync(p))!;

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
const median = (xs: number[]): number => pct(xs, 0.5);

interface Round { wallMs: number; dense: number[]; sparse: number[] }

async function round(dir: string, coalesceMs: string | undefined): Promise<Round> {
  if (coalesceMs === undefined) delete process.env['STEPFLOW_SPOOL_COALESCE_MS'];
  else process.env['STEPFLOW_SPOOL_COALESCE_MS'] = coalesceMs;
  const home = fs.mkdtempSync(path.join(dir, 'run-'));
  const store = new Store(path.join(home, 'stepflow.db'));
  const dense: number[] = [];
  const sparse: number[] = [];
  try {
    const session = new RunSession(store, { script: WRITER, args: [String(LINES), String(SPARSE)], cwd: home });
    session.onEvent((e) => {
      if (e.type !== 'stepStarted') return;
      const t = performance.timeOrigin + performance.now();
      const [kind, stamp] = e.name.split('@');
      (kind!.startsWith('dense') ? dense : sparse).push(t - Number(stamp));
    });
    const t0 = performance.now();
    await session.start();
    const result = await session.done;
    const wallMs = performance.now() - t0;
    if (result.finished.lineCount !== LINES + 2 * SPARSE) throw new Error(`stored ${result.finished.lineCount} lines, expected ${LINES + 2 * SPARSE}`);
    if (dense.length !== LINES / 500 || sparse.length !== SPARSE) throw new Error(`saw ${dense.length} + ${sparse.length} markers`);
    return { wallMs, dense, sparse };
  } finally {
    store.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-bench-liveness-'));
  const variants = { unpaced: '0', paced: undefined } as const;
  const rounds: Record<keyof typeof variants, Round[]> = { unpaced: [], paced: [] };
  try {
    await round(dir, undefined); // warm-up
    for (let i = 0; i < REPEAT; i++) {
      for (const [name, value] of Object.entries(variants) as Array<[keyof typeof variants, string | undefined]>) {
        const r = await round(dir, value);
        rounds[name].push(r);
        say(`liveness ${name} round ${i + 1}/${REPEAT}: ${r.wallMs.toFixed(0)} ms, dense p50 ${median(r.dense).toFixed(2)} ms, sparse p50 ${median(r.sparse).toFixed(2)} ms`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const summary = Object.fromEntries(
    Object.entries(rounds).map(([name, rs]) => {
      const dense = rs.flatMap((r) => r.dense);
      const sparse = rs.flatMap((r) => r.sparse);
      return [name, {
        wallMs: median(rs.map((r) => r.wallMs)),
        dense: { markers: dense.length, p50Ms: pct(dense, 0.5), p99Ms: pct(dense, 0.99), maxMs: Math.max(...dense) },
        sparse: { markers: sparse.length, p50Ms: pct(sparse, 0.5), p99Ms: pct(sparse, 0.99), maxMs: Math.max(...sparse) },
      }];
    }),
  );
  const out = { lines: LINES, sparseMarkers: SPARSE, repeat: REPEAT, load1: os.loadavg()[0], ...summary, pacedOverUnpacedWall: median(rounds.paced.map((r, i) => r.wallMs / rounds.unpaced[i]!.wallMs)) };
  if (json) console.log(JSON.stringify(out));
  else console.log(JSON.stringify(out, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
