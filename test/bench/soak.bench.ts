// Soak benchmark: many runs in a row through ONE
// sidecar — `stepflow serve`, the built CLI in its own process — and its resident memory
// against the baseline measured after a warm-up. A figure, not pass/fail: RSS floats with
// the allocator and V8's heap sizing; a leak shows as a ratio that keeps climbing with the
// number of runs (the samples), not as one number above 1.
//   npx tsx test/bench/soak.bench.ts [--runs 10000] [--warmup 200] [--json]
// --json: the human lines go to stderr and the last stdout line is one JSON object.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const RUNS = opt('runs', 10_000);
const WARMUP = opt('warmup', 200);
const json = argv.includes('--json');
const say = (line: string) => (json ? process.stderr.write(line + '\n') : console.log(line));
const root = path.resolve(__dirname, '..', '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-soak-'));

/**
 * The process's resident memory (Linux /proc): all of it, and the anonymous part — heap
 * and native allocations, without file pages such as the database SQLite reads through
 * mmap (which grows with the database, not with a leak).
 */
function memoryOf(pid: number): { rss: number; anon: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon') };
}
const rssOf = (pid: number) => memoryOf(pid).rss;

async function main(): Promise<void> {
  const script = path.join(dir, 'step.sh');
  fs.writeFileSync(script, 'echo "STEP_START:Build"\necho "compiling"\necho "ARTIFACT:out.txt"\necho "STEP_COMPLETE:Build"\n', { mode: 0o755 });
  const serve = spawn(process.execPath, [path.join(root, 'bin', 'stepflow.js'), 'serve', '--port', '0', '--db', path.join(dir, 'stepflow.db')], {
    env: { ...process.env, STEPFLOW_HOME: dir, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => serve.on('exit', () => resolve()));
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let out = '';
      serve.stdout!.setEncoding('utf8').on('data', (t: string) => {
        out += t;
        const m = /StepFlow dashboard: (http:\/\/[^/]+)\//.exec(out);
        if (m) resolve(m[1]!);
      });
      void exited.then(() => reject(new Error('stepflow serve exited before printing its URL (npm run build?)')));
    });
    const port = Number(new URL(base).port);
    const token = fs.readFileSync(path.join(dir, 'token'), 'utf8').trim();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const post = (p: string, body: string) =>
      new Promise<{ status: number; json: { id?: string } }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: p, agent, headers: { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (t: string) => (text += t));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
        });
        req.on('error', reject);
        req.end(body);
      });

    // Every run's end arrives on the WebSocket; a run is waited for by its runFinished.
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { Authorization: `Bearer ${token}` } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ kind: 'notification', method: 'live/subscribe', params: { runId: null } }));
    const finished = new Map<string, string>();
    const waiting = new Map<string, (status: string) => void>();
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { method?: string; params?: { events?: Array<{ type: string; runId: string; status?: string }> } };
      if (m.method !== 'live/events') return;
      for (const e of m.params!.events!) {
        if (e.type !== 'runFinished') continue;
        const w = waiting.get(e.runId);
        if (w) {
          waiting.delete(e.runId);
          w(e.status!);
        } else finished.set(e.runId, e.status!);
      }
    });
    const runOnce = async (): Promise<string> => {
      const r = await post('/api/executions', JSON.stringify({ script }));
      if (r.status !== 201 || !r.json.id) throw new Error(`POST /api/executions answered ${r.status}`);
      const id = r.json.id;
      const early = finished.get(id);
      if (early !== undefined) {
        finished.delete(id);
        return early;
      }
      return new Promise((resolve) => waiting.set(id, resolve));
    };

    let failed = 0;
    for (let i = 0; i < WARMUP; i++) if ((await runOnce()) !== 'succeeded') failed++;
    const baseline = rssOf(serve.pid!);
    const baselineAnon = memoryOf(serve.pid!).anon;
    say(`baseline after ${WARMUP} warm-up runs: RSS ${(baseline / 2 ** 20).toFixed(1)} MiB (anonymous ${(baselineAnon / 2 ** 20).toFixed(1)} MiB)`);
    const samples: Array<{ runs: number; rss: number; anon: number }> = [];
    let peak = baseline;
    const t0 = performance.now();
    const every = Math.max(1, Math.floor(RUNS / 10));
    for (let i = 1; i <= RUNS; i++) {
      if ((await runOnce()) !== 'succeeded') failed++;
      const rss = rssOf(serve.pid!);
      peak = Math.max(peak, rss);
      if (i % every === 0) {
        const anon = memoryOf(serve.pid!).anon;
        samples.push({ runs: i, rss, anon });
        say(`  ${i.toLocaleString('en')} runs: RSS ${(rss / 2 ** 20).toFixed(1)} MiB (${(rss / baseline).toFixed(2)}×), anonymous ${(anon / 2 ** 20).toFixed(1)} MiB (${(anon / baselineAnon).toFixed(2)}×)`);
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const final = rssOf(serve.pid!);
    const finalAnon = memoryOf(serve.pid!).anon;
    const dbBytes = ['', '-wal'].reduce((sum, suffix) => sum + (fs.existsSync(path.join(dir, `stepflow.db${suffix}`)) ? fs.statSync(path.join(dir, `stepflow.db${suffix}`)).size : 0), 0);
    ws.close();
    agent.destroy();
    const figures = {
      runs: RUNS,
      warmup: WARMUP,
      failed,
      baselineRssBytes: baseline,
      finalRssBytes: final,
      peakRssBytes: peak,
      ratio: final / baseline,
      baselineAnonBytes: baselineAnon,
      finalAnonBytes: finalAnon,
      anonRatio: finalAnon / baselineAnon,
      databaseBytes: dbBytes,
      peakRatio: peak / baseline,
      runsPerSecond: RUNS / seconds,
      samples,
    };
    say(`${RUNS.toLocaleString('en')} runs in ${seconds.toFixed(1)} s (${figures.runsPerSecond.toFixed(0)}/s), ${failed} not succeeded; RSS ${(final / 2 ** 20).toFixed(1)} MiB = ${figures.ratio.toFixed(2)}× the baseline (peak ${figures.peakRatio.toFixed(2)}×); anonymous ${(finalAnon / 2 ** 20).toFixed(1)} MiB = ${figures.anonRatio.toFixed(2)}×; database ${(dbBytes / 2 ** 20).toFixed(1)} MiB`);
    if (json) process.stdout.write(JSON.stringify(figures) + '\n');
  } finally {
    serve.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
