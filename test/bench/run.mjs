// `npm run bench` (after `npm run build`): every benchmark of docs/performance.md, printed as one
// table and written to test-results/bench.json. Figures, never pass/fail on timing
// (docs/testing.md "Benchmarks"): each speed figure is a ratio against a baseline measured in
// the same session, alternated with it, as the median of several rounds. The command fails
// only when a benchmark cannot run or finds lost data.
//
//   node test/bench/run.mjs [--only parser,dialects,store,drivers,ingest,stages,concurrent,dbsize,vscode,server,search,hub,lsp,soak] [--quick]
//
// --quick: fewer rounds and smaller inputs, for trying the harness (not for figures).
// The TypeScript benchmarks are bundled with esbuild into dist/bench/ and each runs in its
// own Node process (so one's heap does not colour another's memory figures).
import { spawn } from 'node:child_process';
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchIngest } from './ingest.mjs';
import { benchIngestWriters } from './ingest-writers.mjs';
import { benchDbSize } from './dbsize.mjs';
import { benchVscode } from './vscode.mjs';
import node22Support from '../support/node22.cjs';

const { requireNode22 } = node22Support;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const OUT_DIR = path.join(ROOT, 'dist', 'bench');
const RESULTS = path.join(ROOT, 'test-results', 'bench.json');

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const onlyArg = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
const ALL = ['parser', 'dialects', 'store', 'drivers', 'ingest', 'stages', 'concurrent', 'dbsize', 'vscode', 'server', 'search', 'hub', 'lsp', 'soak'];
const only = new Set(onlyArg ? onlyArg.split(',') : ALL);
for (const name of only) if (!ALL.includes(name)) throw new Error(`unknown benchmark ${name} (known: ${ALL.join(', ')})`);

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Bundles test/bench/<name>.bench.ts into dist/bench/ (better-sqlite3 stays a real module). */
async function bundle(name) {
  const outfile = path.join(OUT_DIR, `${name}.bench.js`);
  await esbuild.build({
    entryPoints: [path.join(HERE, `${name}.bench.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // pg-native: the PostgreSQL client's optional native binding (the hub bench), not used.
    external: ['better-sqlite3', 'pg-native'],
    logLevel: 'warning',
  });
  return outfile;
}

/** Runs a bundled benchmark with --json in its own process (this Node, or `node`); resolves with its JSON. */
function runJson(file, args = [], nodeArgs = [], { node = process.execPath, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [...nodeArgs, file, ...args, '--json'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}` },
    });
    const out = [];
    child.stdout.on('data', (b) => out.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const text = Buffer.concat(out).toString().trim();
      if (code !== 0) return reject(new Error(`${path.basename(file)} exited ${code}`));
      try {
        resolve(JSON.parse(text.slice(text.lastIndexOf('\n') + 1)));
      } catch (err) {
        reject(new Error(`${path.basename(file)} printed no JSON: ${text.slice(-500)}`));
      }
    });
  });
}

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memGB: +(os.totalmem() / 2 ** 30).toFixed(1),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  loadAvgAtStart: os.loadavg().map((x) => +x.toFixed(2)),
};

const results = { date: new Date().toISOString(), machine, quick, figures: {} };
const rows = [];
const failures = [];
const row = (section, name, value, baseline = '', ratio = '', aim = '', note = '') => rows.push({ section, name, value, baseline, ratio, aim, note });
const ms = (x) => (x == null ? '—' : `${Math.round(x)} ms`);
const x2 = (r) => (r == null ? '—' : `${r.toFixed(2)}×`);
const mlps = (x) => `${(x / 1e6).toFixed(1)} M lines/s`;
/** Milliseconds with the precision sub-millisecond figures need. */
const msf = (x) => (x == null ? '—' : `${x.toFixed(x < 1 ? 3 : x < 10 ? 2 : x < 100 ? 1 : 0)} ms`);
const bytes = (x) => (x >= 10_000 ? `${(x / 1024).toFixed(1)} KiB` : `${Math.round(x)} B`);

async function section(name, fn) {
  if (!only.has(name)) return;
  const t0 = performance.now();
  const loadBefore = os.loadavg()[0];
  log(`${name}… (load ${loadBefore.toFixed(2)})`);
  try {
    results.figures[name] = await fn();
    results.figures[name].load1m = { before: +loadBefore.toFixed(2), after: +os.loadavg()[0].toFixed(2) };
    log(`${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s (load ${os.loadavg()[0].toFixed(2)})`);
  } catch (err) {
    failures.push(`${name}: ${err.message}`);
    results.figures[name] = { error: err.stack ?? String(err) };
    log(`${name} FAILED: ${err.stack ?? err}`);
  }
}

const t0 = performance.now();
fs.mkdirSync(OUT_DIR, { recursive: true });

await section('parser', async () => {
  const r = await runJson(await bundle('parser'));
  for (const rr of r.rows) row('Issue 2 · parser', rr.name.replace('OutputParser ', 'OutputParser.push '), mlps(rr.value), `${mlps(rr.baseline)} (newline count)`, x2(rr.value / rr.baseline), '≥ 6 M lines/s');
  return r;
});

await section('dialects', async () => {
  // Every CI dialect on against StepFlow only, alternated in one process, in lines per CPU second.
  const r = await runJson(await bundle('dialects'), quick ? ['--lines', '100000', '--rounds', '9'] : ['--lines', '200000', '--rounds', '41']);
  const S = 'Issue 11 · CI dialects';
  for (const x of r.rows) {
    const what = x.stream === 'plain' ? 'plain 80-byte lines' : 'mixed: 15 % of lines start with # : s without being commands';
    const base = `${mlps(x.rates.stepflow)} StepFlow only`;
    row(S, `OutputParser, every CI dialect on (${what})`, mlps(x.rates.dialects), base, x2(x.ratios.dialects), '≥ 0.95×', `median of ${r.rounds} per-round ratios, CPU time`);
    row(S, `the same + masking (no secret registered)`, mlps(x.rates.masking), base, x2(x.ratios.masking), '≥ 0.95×');
    row(S, `the same without the head check (before it)`, mlps(x.rates.unfiltered), base, x2(x.ratios.unfiltered), '', 'what the byte-level head check saves');
  }
  return r;
});

await section('store', async () => {
  const r = await runJson(await bundle('store'), quick ? ['--lines', '200000', '--repeat', '1'] : ['--repeat', '3']);
  const mbps = (t) => `${((r.bytes / 1e6) / (t / 1000)).toFixed(0)} MB/s`;
  row('Issue 2 · store', `Store ingest in-process, ${r.lines / 1e6} M lines (no pipe, no parser)`, `${ms(r.storeIngestMs)} (${mbps(r.storeIngestMs)})`, `${ms(r.plainFileMs)} writeSync to a file`, x2(r.storeIngestMs / r.plainFileMs), '', `+close/checkpoint ${x2(r.storeTotalMs / r.plainFileMs)}`);
  row('Issue 2 · db size', 'Bytes per run, in-process (500 runs × 20 steps, dbstat pages)', bytes(r.typical.perRun), 'seed: ~2 KB', '', 'lower than seed', 'runs table + 4 indexes');
  row('Issue 2 · db size', 'Bytes per step, in-process (dbstat pages)', bytes(r.typical.perStep), 'seed: ~150 B', '', 'lower than seed', `big run: ${bytes(r.bigRunBytesPerStep)}/step`);
  return r;
});

await section('ingest', async () => {
  const figures = {};
  for (const style of ['prebuilt', 'generated']) {
    const r = (figures[style] = await benchIngest({ lines: quick ? 200_000 : 2_000_000, repeat: quick ? 3 : 7, style, log }));
    const producer = style === 'prebuilt' ? 'prebuilt-buffer producer (strictest)' : 'producer formatting each line';
    row('Issue 2 · ingest', `stepflow run --json, ${(r.lines / 1e6).toFixed(1)} M lines × 80 B, step every 1,000 (fresh db); ${producer}`, ms(r.medianStepflowMs), `${ms(r.medianFileMs)} producer > file`, x2(r.ratio), '≤ 2.0× (aim 1.3×)', `median of ${r.repeat} alternated rounds; ratio of medians ${x2(r.ratioOfMedians)}`);
    row('Issue 2 · ingest', `reference: bare Node reader draining the pipe (${style})`, ms(r.medianDrainMs), `${ms(r.medianFileMs)} producer > file`, x2(r.drainRatio), '', 'the floor for any Node reader');
    row('Issue 2 · ingest', `stepflow run vs the bare pipe drain (${style})`, ms(r.medianStepflowMs), ms(r.medianDrainMs), x2(r.stepflowOverDrain), '', 'StepFlow’s own cost, start-up included');
    if (style === 'prebuilt') {
      row('Issue 2 · ingest', 'fixed cost: producer printing nothing (fresh db)', ms(r.emptyStepflowMs), `${ms(r.emptyFileMs)} producer > file`, x2(r.emptyStepflowMs / r.emptyFileMs), '', `Node + CLI start, schema, exit; existing db: ${ms(r.emptyExistingDbMs)}`);
    }
    row('Issue 2 · ingest', `lines lost (${style}; every run: lineCount, stored lines and bytes, ${(r.lines / 1000).toLocaleString('en')} steps)`, String(r.linesLost), '', '', '0', r.byteExact ? 'last run byte-exact (SHA-256)' : 'BYTE MISMATCH');
    if (r.linesLost !== 0 || !r.allSucceeded || r.byteExact !== true) failures.push(`ingest (${style}): data lost or run not succeeded`);
  }
  // Writers that write like real scripts: one line per write(2) (test/bench/ingest-writers.mjs).
  figures.writers = await benchIngestWriters({ lines: quick ? 50_000 : 400_000, repeat: quick ? 2 : 5, log });
  for (const w of figures.writers) {
    const what = `${w.what}, ${(w.lines / 1000).toLocaleString('en')} k lines`;
    row('Issue 2 · ingest', `line-at-a-time: stepflow run --json, ${what}`, ms(w.stepflowMs), `${ms(w.lineBufferedMs)} line-buffered > file`, x2(w.ratioLineBuffered), '≤ 1.3×', `median of ${w.repeat} alternated rounds`);
    if (w.blockBufferedMs != null) row('Issue 2 · ingest', `line-at-a-time: the same against block-buffered (${w.writer})`, ms(w.stepflowMs), `${ms(w.blockBufferedMs)} block-buffered > file`, x2(w.ratioBlockBuffered), '', 'the cost of liveness (docs/performance.md)');
    row('Issue 2 · ingest', `line-at-a-time: unpaced reader, as before (${w.writer})`, ms(w.unpacedMs), `${ms(w.lineBufferedMs)} line-buffered > file`, x2(w.unpacedRatioLineBuffered), '', `paced / unpaced ${x2(w.pacedOverUnpaced)}`);
    const exact = Object.values(w.byteExact).every((v) => v === true);
    row('Issue 2 · ingest', `line-at-a-time: lines lost (${w.writer}, every run, paced and unpaced)`, String(w.linesLost), '', '', '0', exact ? 'last runs byte-exact (SHA-256)' : 'BYTE MISMATCH');
    if (w.linesLost !== 0 || !w.allSucceeded || !exact) failures.push(`ingest (${w.writer}): data lost or run not succeeded`);
  }
  // What pacing costs a marker on its way to an event (test/bench/liveness.bench.ts).
  const l = (figures.liveness = await runJson(await bundle('liveness'), quick ? ['--lines', '20000', '--repeat', '2'] : ['--repeat', '5']));
  for (const phase of ['dense', 'sparse']) {
    const what = phase === 'dense' ? `dense: python print, a marker every 500 of ${(l.lines / 1000).toFixed(0)} k lines` : 'sparse: a marker every 20 ms';
    row('Issue 2 · ingest', `marker → stepStarted event, ${what}: p50 / p99`, `${msf(l.paced[phase].p50Ms)} / ${msf(l.paced[phase].p99Ms)}`, `unpaced ${msf(l.unpaced[phase].p50Ms)} / ${msf(l.unpaced[phase].p99Ms)}`, '', '', `in-process RunSession, ${l.repeat} alternated rounds`);
  }
  return figures;
});

await section('drivers', async () => {
  // The same store work through both SQLite drivers (test/bench/drivers.bench.ts): this
  // machine's Node with better-sqlite3 (the baseline) and Node 22 with node:sqlite (the
  // driver VS Code's own runtime uses), alternated round by round, medians of the rounds.
  const node22 = requireNode22();
  const file = await bundle('drivers');
  const args = quick ? ['--lines', '100000', '--runs', '50', '--calls', '20'] : [];
  const rounds = quick ? 2 : 5;
  const sides = { better: [], builtIn: [] };
  for (let i = 0; i < rounds; i++) {
    sides.better.push(await runJson(file, args, [], { env: { STEPFLOW_SQLITE_DRIVER: 'better-sqlite3' } }));
    sides.builtIn.push(await runJson(file, args, [], { node: node22, env: { STEPFLOW_SQLITE_DRIVER: 'node:sqlite' } }));
  }
  const med = (side, pick) => median(sides[side].map(pick));
  const S = 'Issue 17 · SQLite drivers';
  const [b, n] = [sides.better[0], sides.builtIn[0]];
  const figure = (name, pick, format = msf) => {
    const base = med('better', pick);
    const value = med('builtIn', pick);
    row(S, name, format(value), `${format(base)} better-sqlite3`, x2(value / base), '', `node:sqlite on Node ${n.node} vs better-sqlite3 on Node ${b.node}; median of ${rounds} alternated rounds`);
    return { betterSqlite3: base, nodeSqlite: value, ratio: value / base };
  };
  return {
    rounds,
    nodes: { betterSqlite3: b.node, nodeSqlite: n.node },
    bigIngest: figure(`ingest: one run of ${(b.lines / 1e6).toFixed(1)} M lines, a step per 1,000 (Store, log spilled to <db>-logs/)`, (r) => r.bigIngestMs, ms),
    smallIngest: figure(`ingest: ${b.runs} runs × 20 steps × 50 lines (rows and transactions)`, (r) => r.smallIngestMs, ms),
    listRuns: figure(`history: run list, 50 of ${b.runs} runs (Store.listRuns)`, (r) => r.history.listRunsMs),
    getRun: figure('history: one run record with 20 steps (Store.getRun)', (r) => r.history.getRunMs),
    readLog: figure('history: 500 log lines (Store.readLog)', (r) => r.history.readLogMs),
    searchScan: figure(`history: a log search without hits, scanning all ${b.runs} runs`, (r) => r.history.searchScanMs),
    stepStats: figure("history: a script's step statistics (Store.stepStats)", (r) => r.history.stepStatsMs),
  };
});

await section('stages', async () => {
  const r = await runJson(await bundle('ingest-stages'), quick ? ['--lines', '200000', '--repeat', '3'] : ['--repeat', '7']);
  const f = r.medianMs.file;
  const q = r.ratioToFile;
  const base = `${ms(f)} producer > file`;
  row('Issue 2 · ingest stages', 'producer > file, spawned from a warm Node process (baseline)', ms(f), '', '', '', `median of ${r.repeat} alternated rounds`);
  row('Issue 2 · ingest stages', 'pipe, drained only (the floor of a Node reader)', ms(r.medianMs.drain), base, x2(q.drain), '', 'ratios: medians of per-round ratios');
  row('Issue 2 · ingest stages', 'pipe + OutputParser', ms(r.medianMs.parser), base, x2(q.parser));
  row('Issue 2 · ingest stages', 'pipe + OutputParser + Store.appendOutput', ms(r.medianMs.store), base, x2(q.store));
  row('Issue 2 · ingest stages', 'full RunSession, spool files (what `stepflow run` does after start-up)', ms(r.medianMs.session), base, x2(q.session), '≤ 2.0× (aim 1.3×)');
  row('Issue 2 · ingest stages', 'experiment: stdout to a file, followed + parsed (no pipe)', ms(r.medianMs.follow), base, x2(q.follow), '', 'not product code: a design option');
  return r;
});

await section('concurrent', async () => {
  const file = await bundle('concurrent');
  const samples = [];
  for (let i = 0; i < (quick ? 1 : 3); i++) samples.push(await runJson(file, quick ? ['--runs', '100'] : []));
  const m = (k) => median(samples.map((s) => s[k]));
  const lost = samples.reduce((sum, s) => sum + s.linesLost, 0);
  const bad = samples.reduce((sum, s) => sum + s.runsNotSucceeded + s.runsWithWrongSteps, 0);
  const n = samples[0].runs;
  row('Issue 2 · concurrent', `${n} runs at once in one process (${samples[0].linesPerRun} lines, ${samples[0].stepsPerRun} steps each): wall`, ms(m('wallMs')), '', '', '', `all spawned after ${ms(m('startAllMs'))}; ≤ ${m('maxActive')} alive at once; median of ${samples.length}`);
  row('Issue 2 · concurrent', 'peak RSS (kernel VmHWM)', `${m('peakRssHwmMB').toFixed(0)} MB`, `${m('rssBeforeMB').toFixed(0)} MB idle`, '', '≤ 100 MB', `sampled peak ${m('peakRssSampledMB').toFixed(0)} MB; heap peak ${m('heapPeakMB').toFixed(0)} MB`);
  row('Issue 2 · concurrent', 'lines lost (stored vs printed, every run)', String(lost), `${samples.reduce((s, x) => s + x.linesExpected, 0)} printed`, '', '0', bad ? `${bad} runs not succeeded/wrong steps` : `all runs succeeded; ${samples.reduce((s, x) => s + x.linesPublished, 0)} lines published live`);
  if (lost !== 0 || bad !== 0) failures.push('concurrent: lines lost or runs failed');
  return { samples };
});

await section('dbsize', async () => {
  const r = await benchDbSize({ runs: quick ? 10 : 40, log });
  row('Issue 2 · db size', `Bytes per run via CLI (${r.runs} × stepflow run, ${r.stepsPerRun} steps, ${r.linesPerRun} lines)`, bytes(r.perRunRows), 'seed: ~2 KB', '', 'lower than seed', 'runs row + indexes, bytes used');
  row('Issue 2 · db size', 'Bytes per step via CLI', bytes(r.perStepRows), 'seed: ~150 B', '', 'lower than seed', 'steps table, bytes used');
  row('Issue 2 · db size', 'Database file growth per run via CLI (everything)', bytes(r.perRunFile), '', '', '', `inline log ${bytes(r.perRunLog)}/run for ${bytes(r.logBytesPerRun)} of output`);
  return r;
});

await section('vscode', async () => {
  const r = await benchVscode({ log });
  const a = r.activation;
  const L = r.latency;
  const phaseNote = { dense: 'markers 20–80 ms apart', sparse: 'markers 300–450 ms apart', sparseChatty: 'sparse markers + a log line every 25 ms' };
  for (const [phase, note] of Object.entries(phaseNote)) {
    const p = L.provider[phase].all;
    const f = L.fetched[phase].all;
    row('Issue 3 · latency', `marker → api.tree shows it (onDidChangeTreeData), ${note}`, `p50 ${ms(p.p50)}, p99 ${ms(p.p99)}`, '', '', 'p99 ≤ 100 ms', `n=${p.count}${p.missing ? `, ${p.missing} never seen` : ''}, max ${ms(p.max)}`);
    row('Issue 3 · latency', `marker → workbench fetched the updated item, ${note}`, `p50 ${ms(f.p50)}, p99 ${ms(f.p99)}`, '', '', 'p99 ≤ 100 ms', `n=${f.count}${f.missing ? `, ${f.missing} never fetched` : ''}, max ${ms(f.max)}`);
  }
  row('Issue 3 · activation', 'activate(): synchronous part (cold host)', ms(a.activateSyncMs), '', '', '≤ 50 ms', a.wasActiveBefore ? 'WARNING: was already active' : 'one sample');
  row('Issue 3 · activation', 'require of dist/extension.js (code loading)', ms(a.codeLoadingMs), '', '', '', `VS Code's own marks: ${ms(a.vscodeMarks.codeLoadingMs)}`);
  row('Issue 3 · activation', 'activate() promise resolved (sidecar up, runs listed)', ms(a.activateResolvedMs), '', '', '', `await extension.activate(): ${ms(a.extensionActivateMs)}`);
  return r;
});

await section('server', async () => {
  // Part 1 runs the built CLI (`stepflow serve`), which `npm run bench` builds first.
  const r = await runJson(await bundle('server'), quick ? ['--markers', '50', '--runs', '5000', '--lines', '200000'] : []);
  const S = 'Issue 5 · service';
  for (const w of r.ws) {
    row(S, `WebSocket latency, marker line → client, ${w.clients} client${w.clients > 1 ? 's' : ''} (\`stepflow serve\`, own process)`, `p50 ${msf(w.p50Ms)}, p99 ${msf(w.p99Ms)}`, '', '', 'p50 ≤ 0.5 ms, p99 ≤ 3 ms', `max ${msf(w.maxMs)}; ${w.events.toLocaleString('en')} of ${w.expected.toLocaleString('en')} events (${w.markers} markers)`);
  }
  for (const q of r.history.queries) {
    row(S, `history: 50 newest of ${r.history.runs.toLocaleString('en')} runs, ${q.label} (Store.listRuns)`, `p50 ${msf(q.storeP50Ms)}, p99 ${msf(q.storeP99Ms)}`, '', '', 'p99 ≤ 2 ms', q.httpP50Ms == null ? '300 queries' : `300 queries; GET /api/executions p50 ${msf(q.httpP50Ms)}, p99 ${msf(q.httpP99Ms)}`);
  }
  const lines = r.logs.lines;
  for (const q of r.logs.search) {
    const fullScan = q.hits < 100; // a search that did not stop at its 100-hit limit read the whole log
    row(S, `log search across ${lines.toLocaleString('en')} stored lines not indexed yet, ${q.label}`, msf(q.medianMs), '', '', '', `${q.hits} hit${q.hits === 1 ? '' : 's'}, median of 5${fullScan ? `; ≈ ${msf((q.medianMs * 10_000_000) / lines)} per 10 M lines (a scan; indexed: part search)` : ''}`);
  }
  row(S, `log read: 500 lines from the middle of ${lines.toLocaleString('en')}`, msf(r.logs.read500Ms), '', '', '', 'one sample');
  return r;
});

await section('search', async () => {
  // Part 2 runs the built CLI (`stepflow run`, `stepflow serve`).
  const r = await runJson(await bundle('search'), quick ? ['--lines', '1000000', '--runs', '4', '--repeat', '3', '--ingest-repeat', '2', '--ingest-lines', '200000'] : []);
  const S = 'Issue 12 · log search';
  const s = r.search;
  const lines = `${(s.lines / 1e6).toFixed(0)} M lines`;
  row(S, `index build: summaries of ${s.chunks.toLocaleString('en')} chunks, ${(s.bytes / 1e6).toFixed(0)} MB (Store.indexLogs)`, `${(s.build.ms / 1000).toFixed(2)} s`, '', '', '', `${(s.bytes / 1e6 / (s.build.ms / 1000)).toFixed(0)} MB/s; summaries ${(s.summaryBytes / 1e6).toFixed(1)} MB = ${((100 * s.summaryBytes) / s.bytes).toFixed(1)} % of the log`);
  for (const q of s.queries) {
    row(S, `search across ${lines} (${s.runs} runs), ${q.label}: index vs scan`, msf(q.indexMs), `${msf(q.scanMs)} scan`, x2(q.ratio), q.hits < 100 ? '≤ 100 ms' : '', `${q.hits} hits; CPU ${msf(q.indexCpuMs)} vs ${msf(q.scanCpuMs)}; median of ${s.repeat} alternated rounds`);
  }
  row(S, `run list filtered by a rare log text, ${lines}`, msf(s.runListSearchMs), '', '', '', 'Store.listRuns({ search })');
  const i = r.ingest;
  row(S, `ingest: stepflow run --json, ${(i.lines / 1e6).toFixed(1)} M lines, while \`stepflow serve\` indexes a ${lines} backlog`, ms(i.withIndexingMs), `${ms(i.withoutMs)} service idle`, x2(i.ratio), '≤ 1.10×', `median of ${i.repeat} alternated rounds`);
  row(S, `ingest: runs whose stored lines fall short (with and without indexing)`, String(i.runsWithLinesMissing), '', '', '0');
  if (i.runsWithLinesMissing !== 0) failures.push('search: ingest lost lines');
  return r;
});

await section('hub', async () => {
  // A real PostgreSQL (Debian's postgresql) and the built `stepflow serve --hub`.
  const r = await runJson(await bundle('hub'), quick ? ['--shippers', '20', '--runs', '2', '--steps', '20'] : []);
  if (r.lost) failures.push('hub: steps or log lines missing on the hub after shipping');
  const S = 'Issue 13 · team hub';
  const c = r.concurrent;
  row(
    S,
    `hub ingest: ${r.shippers} concurrent shippers, ${r.runsPerShipper} runs × ${r.stepsPerRun} steps each (shipOutbox → stepflow serve --hub → PostgreSQL)`,
    `${Math.round(c.stepsPerSecond).toLocaleString('en')} steps/s`,
    `${Math.round(r.alone.stepsPerSecond).toLocaleString('en')} steps/s, one shipper alone`,
    x2(c.stepsPerSecond / r.alone.stepsPerSecond),
    '≥ 1,000 steps/s',
    `${Math.round(c.runsPerSecond)} runs/s, ${Math.round(c.linesPerSecond).toLocaleString('en')} log lines/s; ${(c.ms / 1000).toFixed(1)} s`,
  );
  return r;
});

await section('lsp', async () => {
  const r = await runJson(await bundle('lsp'), quick ? ['--rounds', '8', '--warmup', '3'] : []);
  const S = 'Issue 4 · editor';
  for (const x of r.rows) {
    const note = `${r.rounds} rounds after ${r.warmup} warm-up${x.cpu == null ? '' : `; CPU median ${msf(x.cpu)}`}`;
    row(S, x.what, `median ${msf(x.median)}, p95 ${msf(x.p95)}`, '', '', `≤ ${x.aim} ms`, note);
  }
  for (const q of r.ratios ?? []) {
    row(S, `${q.language} ${q.lines} lines: CPU per edit, pieces vs ${q.baseline} (diagnostics / completion incl. analysis)`, '', q.baseline, `${x2(q.diagnostics)} / ${x2(q.completionFresh)}`, '', 'median of per-round ratios, alternated rounds');
  }
  if (!r.rpc) throw new Error('dist/sidecar.js missing: the JSON-RPC rows could not run (npm run build)');
  return r;
});

await section('soak', async () => {
  // 10,000 runs in a row through one `stepflow serve` (the built CLI): RSS against the
  // baseline after a warm-up. Printed, never asserted: a leak is a ratio that keeps growing.
  const r = await runJson(await bundle('soak'), quick ? ['--runs', '1000', '--warmup', '100'] : []);
  const S = 'Issue 16 · reliability';
  const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const trend = (key, base) => r.samples.map((x) => (x[key] / base).toFixed(2)).join(' ');
  const per = `per ${Math.round(r.runs / 10).toLocaleString('en')} runs`;
  row(S, `${r.runs.toLocaleString('en')} runs in a row through one \`stepflow serve\`: RSS after / baseline`, mib(r.finalRssBytes), `${mib(r.baselineRssBytes)} after ${r.warmup} runs`, x2(r.ratio), '≈ 1× (no leak)', `peak ${x2(r.peakRatio)}; ${per}: ${trend('rss', r.baselineRssBytes)}; ${r.runsPerSecond.toFixed(0)} runs/s; database ${mib(r.databaseBytes)} (read through mmap: file pages in RSS)`);
  row(S, `same, anonymous memory only (heap + native, without mapped files)`, mib(r.finalAnonBytes), mib(r.baselineAnonBytes), x2(r.anonRatio), '≈ 1× (no leak)', `${per}: ${trend('anon', r.baselineAnonBytes)}`);
  if (r.failed !== 0) failures.push(`soak: ${r.failed} of ${r.runs} runs did not succeed`);
  return r;
});

results.totalSeconds = +((performance.now() - t0) / 1000).toFixed(1);
results.failures = failures;
results.rows = rows;
fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2));

// ── the table ─────────────────────────────────────────────────────────────────────────────
const head = ['benchmark', 'value', 'baseline', 'ratio', 'aim', 'notes'];
const cells = rows.map((r) => [r.name, r.value, r.baseline, r.ratio, r.aim, r.note]);
const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
const line = (c) => '| ' + c.map((v, i) => v.padEnd(widths[i])).join(' | ') + ' |';
console.log(`\nStepFlow benchmarks — ${machine.cpus} × ${machine.cpuModel}, ${machine.memGB} GB, Node ${machine.node}, load ${machine.loadAvgAtStart.join(' ')} at start${quick ? ' — QUICK MODE, not for figures' : ''}`);
const ORDER = ['Issue 2 · ingest', 'Issue 2 · ingest stages', 'Issue 2 · parser', 'Issue 11 · CI dialects', 'Issue 2 · store', 'Issue 2 · concurrent', 'Issue 2 · db size', 'Issue 3 · latency', 'Issue 3 · activation', 'Issue 4 · editor', 'Issue 5 · service', 'Issue 13 · team hub', 'Issue 16 · reliability'];
rows.sort((a, b) => ORDER.indexOf(a.section) - ORDER.indexOf(b.section)); // stable: order within a section kept
let current = '';
for (const r of rows) {
  if (r.section !== current) {
    current = r.section;
    console.log(`\n${current}`);
    console.log(line(head));
    console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  }
  console.log(line([r.name, r.value, r.baseline, r.ratio, r.aim, r.note]));
}
console.log(`\n${rows.length} figures in ${results.totalSeconds} s (1-min load ${os.loadavg()[0].toFixed(2)} at the end; other work on this machine moves every figure); written to ${path.relative(ROOT, RESULTS)}`);
if (failures.length) {
  console.log(`\nFAILED:\n  ${failures.join('\n  ')}`);
  process.exitCode = 1;
}
