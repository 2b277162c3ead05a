// Where `stepflow run`'s ingest time goes: figures, not pass/fail (docs/testing.md "Benchmarks").
//   npx tsx test/bench/ingest-stages.bench.ts [--repeat 5] [--lines 2000000] [--json]
// All from one warm Node process, so neither Node's nor the CLI's start-up is in the figures.
// The ingest producer (test/bench/producer.mjs) is spawned as StepFlow's runner spawns it
// (own process group) and its output is consumed by growing pipelines:
//   file       baseline: the producer's stdout is a plain file (nothing read)
//   drain      stdout is a pipe; count the bytes, nothing else (the floor of a Node reader)
//   parser     + OutputParser.push on every chunk
//   store      + Store.appendOutput of the parsed lines (log file + chunk rows, batched)
//   session    the real RunSession: parser, step tracker, events, store (what the CLI runs)
//   follow     design experiment, not product code: stdout is a plain file and this process
//              follows it as it grows (read every 5 ms) through OutputParser — no pipe in
//              the data path; what an ingest that lets the script write its log file directly
//              would cost (before its index rows)
// Each variant's time runs from spawn to the child's exit and the last byte consumed (store,
// session: plus Store.close()). Variants alternate within each round; ratios are medians of the
// per-round ratios to `file`.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OutputParser } from '../../sidecar/markers/outputParser';
import { RunSession } from '../../sidecar/runs/runSession';
import { Store } from '../../sidecar/store/store';

export type Stage = 'file' | 'drain' | 'parser' | 'store' | 'session' | 'follow';
export const STAGES: readonly Stage[] = ['file', 'drain', 'parser', 'store', 'session', 'follow'];

export interface StagesResult {
  lines: number;
  repeat: number;
  /** Median ms per stage. */
  medianMs: Record<Stage, number>;
  /** Median over rounds of stage/file in the same round (robust to load changing between rounds). */
  ratioToFile: Record<Stage, number>;
  samplesMs: Record<Stage, number[]>;
}

const PRODUCER = path.resolve(__dirname, 'producer.mjs');
// Bundled into dist/bench/, __dirname is no longer test/bench: find the producer from the repo.
const producerPath = (): string => (fs.existsSync(PRODUCER) ? PRODUCER : path.resolve(__dirname, '..', '..', 'test', 'bench', 'producer.mjs'));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function runStage(stage: Stage, lines: number, dir: string): Promise<number> {
  const producer = producerPath();
  const dbFile = path.join(dir, `${stage}.db`);
  for (const suffix of ['', '-wal', '-shm', '-logs']) fs.rmSync(dbFile + suffix, { recursive: true, force: true });
  if (stage === 'file' || stage === 'follow') return toFile(stage, producer, lines, path.join(dir, 'out.log'));
  const store = stage === 'store' || stage === 'session' ? new Store(dbFile) : undefined;
  try {
    if (stage === 'session') {
      // RunSession resolves `node` for .mjs from PATH; the caller makes that this Node.
      const session = new RunSession(store!, { script: producer, args: [String(lines)], cwd: dir });
      const t0 = performance.now();
      await session.start();
      const result = await session.done;
      store!.close();
      const ms = performance.now() - t0;
      if (result.finished.lineCount !== lines) throw new Error(`session stored ${result.finished.lineCount} lines, expected ${lines}`);
      return ms;
    }
    const parser = stage === 'drain' ? undefined : new OutputParser();
    const runId = 'stage-run';
    store?.createRun({ id: runId, script: producer, args: [], cwd: dir, profile: null, startedAt: Date.now() });
    let next = 1;
    let bytes = 0;
    const t0 = performance.now();
    const child = spawn(process.execPath, [producer, String(lines)], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout!.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (!parser) return;
      const batch = parser.push(chunk);
      if (store && batch.lineCount > 0) {
        store.appendOutput(runId, 'stdout', next, batch.lineCount, batch.bytes, Date.now());
        next += batch.lineCount;
      }
    });
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', () => resolve());
    });
    store?.close();
    const ms = performance.now() - t0;
    if (bytes !== lines * 80) throw new Error(`${stage}: read ${bytes} bytes, expected ${lines * 80}`);
    return ms;
  } finally {
    try {
      store?.close();
    } catch {
      // closed above
    }
  }
}

/** `file`: stdout redirected to a file. `follow`: the same, read back and parsed while it grows. */
async function toFile(stage: 'file' | 'follow', producer: string, lines: number, file: string): Promise<number> {
  const fd = fs.openSync(file, 'w');
  const t0 = performance.now();
  const child = spawn(process.execPath, [producer, String(lines)], { stdio: ['ignore', fd, 'pipe'], detached: true });
  fs.closeSync(fd);
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => resolve());
  });
  if (stage === 'file') {
    await exited;
    return performance.now() - t0;
  }
  const parser = new OutputParser();
  const rfd = fs.openSync(file, 'r');
  let offset = 0;
  let seen = 0;
  let done = false;
  void exited.then(() => (done = true));
  try {
    for (;;) {
      const finished = done; // read once more after the exit: everything written is in the file
      for (;;) {
        const chunk = Buffer.allocUnsafe(1 << 20);
        const n = fs.readSync(rfd, chunk, 0, chunk.length, offset);
        if (n === 0) break;
        offset += n;
        seen += parser.push(chunk.subarray(0, n)).lineCount;
      }
      if (finished) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    seen += parser.end().lineCount;
  } finally {
    fs.closeSync(rfd);
  }
  const ms = performance.now() - t0;
  if (seen !== lines) throw new Error(`follow: parsed ${seen} lines, expected ${lines}`);
  return ms;
}

export async function benchIngestStages(options: { lines?: number; repeat?: number } = {}): Promise<StagesResult> {
  const lines = options.lines ?? 2_000_000;
  const repeat = options.repeat ?? 5;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-bench-stages-'));
  const samples = Object.fromEntries(STAGES.map((s) => [s, [] as number[]])) as Record<Stage, number[]>;
  try {
    for (const stage of STAGES) await runStage(stage, lines, dir); // warm-up
    for (let r = 0; r < repeat; r++) {
      for (const stage of STAGES) samples[stage].push(await runStage(stage, lines, dir));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const medianMs = Object.fromEntries(STAGES.map((s) => [s, median(samples[s])])) as Record<Stage, number>;
  const ratioToFile = Object.fromEntries(STAGES.map((s) => [s, median(samples[s].map((v, i) => v / samples.file[i]!))])) as Record<Stage, number>;
  return { lines, repeat, medianMs, ratioToFile, samplesMs: samples };
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const opt = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  process.env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`;
  void benchIngestStages({ lines: opt('lines', 2_000_000), repeat: opt('repeat', 5) }).then(
    (r) => {
      if (argv.includes('--json')) {
        process.stdout.write(JSON.stringify(r) + '\n');
        return;
      }
      console.log(`${r.lines} lines through growing pipelines, median of ${r.repeat}`);
      for (const s of STAGES) console.log(`${s.padEnd(8)} ${r.medianMs[s].toFixed(0).padStart(6)} ms  ${r.ratioToFile[s].toFixed(2)}× file (median of per-round ratios)`);
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
