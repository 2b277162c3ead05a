// Service benchmark: figures, not pass/fail (docs/performance.md).
//   npx tsx test/bench/server.bench.ts [--markers 400] [--runs 100000] [--lines 2000000] [--json]
// --json: the human lines go to stderr and the last stdout line is one JSON object of figures
// (what test/bench/run.mjs reads).
// 1. WebSocket latency from a marker line printed by a script to a client receiving its
//    stepStarted event, through `stepflow serve` (the built CLI, its own process), with 1 and
//    50 clients. The script stamps each marker with performance.timeOrigin + now(); the
//    clients compare with their own clock (same machine).
// 2. History query: the 50 newest of 100,000 runs with a filter, in the store and over HTTP.
// 3. Log search across one stored log of --lines lines (a rare and a frequent needle).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import WebSocket from 'ws';
import { startServer } from '../../sidecar/server/server';
import { Store } from '../../sidecar/store/store';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const MARKERS = opt('markers', 400);
const RUNS = opt('runs', 100_000);
const LINES = opt('lines', 2_000_000);
const root = path.resolve(__dirname, '..', '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-server-bench-'));
const now = () => performance.timeOrigin + performance.now();
const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const fmt = (ms: number) => `${ms.toFixed(3)} ms`;
const json = argv.includes('--json');
/** Human output: stdout, or stderr with --json (stdout then carries only the JSON). */
const say = (line: string) => (json ? process.stderr.write(line + '\n') : console.log(line));

interface WsFigure {
  clients: number;
  markers: number;
  events: number;
  expected: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}
interface HistoryFigure {
  label: string;
  storeP50Ms: number;
  storeP99Ms: number;
  httpP50Ms: number | null;
  httpP99Ms: number | null;
}
interface SearchFigure {
  label: string;
  needle: string;
  medianMs: number;
  hits: number;
}
const figures = {
  ws: [] as WsFigure[],
  history: { runs: RUNS, writeSeconds: 0, queries: [] as HistoryFigure[] },
  logs: { lines: LINES, writeSeconds: 0, search: [] as SearchFigure[], read500Ms: 0 },
};

async function wsLatency(): Promise<void> {
  const home = path.join(dir, 'ws-home');
  fs.mkdirSync(home);
  const serve: ChildProcess = spawn(process.execPath, [path.join(root, 'bin', 'stepflow.js'), 'serve', '--port', '0'], {
    env: { ...process.env, STEPFLOW_HOME: home },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<URL>((resolve, reject) => {
    serve.once('exit', (code) => reject(new Error(`stepflow serve exited (${code}) before printing its URL`)));
    readline.createInterface({ input: serve.stdout! }).on('line', (line) => {
      const m = /http:\/\/\S+token=\S+/.exec(line);
      if (m) resolve(new URL(m[0]));
    });
  });
  const token = url.searchParams.get('token')!;
  const script = path.join(dir, 'markers.js');
  // Markers 3 ms apart, each stamped with the time it was written.
  fs.writeFileSync(
    script,
    `let i = 0;
const tick = () => {
  if (i === ${MARKERS}) return;
  process.stdout.write('STEP_START:m' + i + '@' + (performance.timeOrigin + performance.now()) + '\\n');
  process.stdout.write('STEP_COMPLETE:\\n');
  i++;
  setTimeout(tick, 3);
};
setTimeout(tick, 200);
`,
  );
  try {
    for (const clients of [1, 50]) {
      const latencies: number[] = [];
      const sockets = await Promise.all(
        Array.from({ length: clients }, () => {
          const ws = new WebSocket(`ws://${url.host}/ws`, { headers: { Authorization: `Bearer ${token}` } });
          ws.on('message', (data) => {
            const t = now();
            const m = JSON.parse(data.toString()) as { method: string; params: { events?: Array<{ type: string; name?: string }> } };
            for (const e of m.params.events ?? []) {
              if (e.type === 'stepStarted' && e.name) latencies.push(t - Number(e.name.split('@')[1]));
            }
          });
          return new Promise<WebSocket>((resolve) => ws.on('open', () => (ws.send(JSON.stringify({ kind: 'notification', method: 'live/subscribe', params: { runId: null } })), resolve(ws))));
        }),
      );
      const res = await fetch(`${url.origin}/api/executions`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ script }) });
      const { id } = (await res.json()) as { id: string };
      for (;;) {
        await new Promise((r) => setTimeout(r, 200));
        const run = (await (await fetch(`${url.origin}/api/executions/${id}`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { status: string };
        if (run.status !== 'running' && latencies.length >= MARKERS * clients) break;
        if (run.status !== 'running') {
          await new Promise((r) => setTimeout(r, 500));
          break;
        }
      }
      for (const ws of sockets) ws.close();
      if (latencies.length === 0) throw new Error(`no stepStarted event reached the ${clients} client(s)`);
      figures.ws.push({ clients, markers: MARKERS, events: latencies.length, expected: MARKERS * clients, p50Ms: pct(latencies, 0.5), p99Ms: pct(latencies, 0.99), maxMs: Math.max(...latencies) });
      say(`WS latency marker → client, ${clients} client(s): p50 ${fmt(pct(latencies, 0.5))}, p99 ${fmt(pct(latencies, 0.99))}, max ${fmt(Math.max(...latencies))} (${latencies.length} events)`);
    }
  } finally {
    serve.kill('SIGTERM');
    await new Promise((r) => serve.once('exit', r));
  }
}

function fillRuns(store: Store): void {
  const t0 = Date.now() - RUNS * 1000;
  const scripts = Array.from({ length: 20 }, (_, i) => `/work/project/script${i}.sh`);
  for (let i = 0; i < RUNS; i++) {
    const id = `bench${String(i).padStart(7, '0')}`;
    const startedAt = t0 + i * 1000;
    const status = i % 10 === 0 ? 'failed' : 'succeeded';
    store.createRun({ id, script: scripts[i % scripts.length]!, args: [], cwd: '/work/project', profile: i % 3 === 0 ? 'release' : 'debug', startedAt, ownerPid: process.pid });
    store.enqueue({ type: 'stepStarted', runId: id, stepId: 1, parentId: null, name: 'Build', startedAt, line: 1 });
    store.enqueue({ type: 'stepFinished', runId: id, stepId: 1, status, endedAt: startedAt + 500, durationMs: 500, error: null, line: 1 });
    store.enqueue({ type: 'runFinished', runId: id, status, exitCode: status === 'failed' ? 1 : 0, signal: null, endedAt: startedAt + 600, durationMs: 600, lineCount: 0, error: null });
    if (i % 2000 === 1999) store.flush();
  }
  store.flush();
}

async function historyQuery(): Promise<void> {
  const store = new Store(path.join(dir, 'history.db'));
  const t = performance.now();
  fillRuns(store);
  figures.history.writeSeconds = (performance.now() - t) / 1000;
  say(`(${RUNS.toLocaleString()} runs written in ${((performance.now() - t) / 1000).toFixed(1)} s)`);
  const queries: Array<[string, Parameters<Store['listRuns']>[0], string]> = [
    ['no filter', { limit: 50 }, ''],
    ['status=failed', { limit: 50, status: ['failed'] }, 'status=failed'],
    ['script=…', { limit: 50, script: '/work/project/script7.sh' }, `script=${encodeURIComponent('/work/project/script7.sh')}`],
    ['profile=release', { limit: 50, profile: 'release' }, 'profile=release'],
    ['status + script + since', { limit: 50, status: ['failed'], script: '/work/project/script0.sh', since: Date.now() - RUNS * 500 }, ''],
  ];
  const server = await startServer({ store, token: 'bench-token-0123456789abcdefghijklmnop', port: 0, log: () => undefined });
  try {
    for (const [label, query, qs] of queries) {
      const times: number[] = [];
      for (let i = 0; i < 300; i++) {
        const t0 = performance.now();
        store.listRuns(query);
        times.push(performance.now() - t0);
      }
      let http = '';
      let hs: number[] = [];
      if (qs !== '' || label === 'no filter') {
        hs = [];
        for (let i = 0; i < 100; i++) {
          const t0 = performance.now();
          await (await fetch(`${server.url}/api/executions?limit=50${qs ? '&' + qs : ''}`, { headers: { Authorization: 'Bearer bench-token-0123456789abcdefghijklmnop' } })).json();
          hs.push(performance.now() - t0);
        }
        http = `; GET /api/executions p50 ${fmt(pct(hs, 0.5))}, p99 ${fmt(pct(hs, 0.99))}`;
      }
      figures.history.queries.push({ label, storeP50Ms: pct(times, 0.5), storeP99Ms: pct(times, 0.99), httpP50Ms: hs.length ? pct(hs, 0.5) : null, httpP99Ms: hs.length ? pct(hs, 0.99) : null });
      say(`history: 50 newest of ${RUNS.toLocaleString()}, ${label}: store p50 ${fmt(pct(times, 0.5))}, p99 ${fmt(pct(times, 0.99))}${http}`);
    }
  } finally {
    await server.close();
    store.close();
  }
}

function logSearch(): void {
  const store = new Store(path.join(dir, 'logs.db'));
  const id = 'biglog';
  store.createRun({ id, script: '/work/big.sh', args: [], cwd: '/work', profile: null, startedAt: Date.now(), ownerPid: process.pid });
  const t = performance.now();
  const words = ['compiling', 'module', 'ok', 'warning:', 'unused', 'variable', 'test', 'passed', 'cache', 'hit', 'linking', 'GET', '/api/v1/items', 'done'];
  let line = 1;
  const batch = 1000;
  while (line <= LINES) {
    const n = Math.min(batch, LINES - line + 1);
    let text = '';
    for (let k = 0; k < n; k++) {
      const i = line + k;
      text += `${String(i).padStart(8, '0')} [INFO] ${words[i % words.length]} ${words[(i * 7) % words.length]} ${words[(i * 13) % words.length]} item ${i % 977}${i === LINES - 5 ? ' needle-7f3a in a haystack' : ''}\n`;
    }
    store.appendOutput(id, 'stdout', line, n, Buffer.from(text), Date.now());
    line += n;
  }
  store.enqueue({ type: 'runFinished', runId: id, status: 'succeeded', exitCode: 0, signal: null, endedAt: Date.now(), durationMs: 1, lineCount: LINES, error: null });
  store.flush();
  figures.logs.writeSeconds = (performance.now() - t) / 1000;
  say(`(${LINES.toLocaleString()} log lines written in ${((performance.now() - t) / 1000).toFixed(1)} s)`);
  for (const [label, needle] of [
    ['rare needle (one line near the end)', 'NEEDLE-7F3A'],
    ['frequent needle (first 100 hits)', 'linking'],
    ['absent needle', 'zz-not-there'],
  ] as const) {
    const times: number[] = [];
    let hits = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      hits = store.searchLogs(needle, { limit: 100 }).length;
      times.push(performance.now() - t0);
    }
    figures.logs.search.push({ label, needle, medianMs: pct(times, 0.5), hits });
    say(`log search across ${LINES.toLocaleString()} lines, ${label}: median ${fmt(pct(times, 0.5))} (${hits} hits)`);
  }
  const t0 = performance.now();
  store.readLog(id, Math.floor(LINES / 2), 500);
  figures.logs.read500Ms = performance.now() - t0;
  say(`log read of 500 lines from the middle: ${fmt(figures.logs.read500Ms)}`);
  store.close();
}

async function main(): Promise<void> {
  try {
    await wsLatency();
    await historyQuery();
    logSearch();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (json) process.stdout.write(JSON.stringify(figures) + '\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
