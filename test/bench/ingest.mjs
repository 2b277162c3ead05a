// Ingest through the real CLI: `stepflow run --json --db <fresh> producer.mjs [style]` against the same
// producer with its stdout redirected to a plain file, and against a Node process that only
// drains the producer's pipe (test/bench/pipe-drain.mjs: the floor for any Node reader).
// Rounds alternate file → drain → stepflow after one warm-up round; each variant's wall time
// runs from spawn to exit of the outermost process (Node start-up included for all three).
// Lines lost: every stored run is checked (status, 2,000 succeeded steps, `stepflow show
// --json` lineCount, log_chunks line and byte totals), and the last one is read back from the
// database and its log file and compared byte for byte (SHA-256) with the plain-file output.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const PRODUCER = path.join(HERE, 'producer.mjs');
const DRAIN = path.join(HERE, 'pipe-drain.mjs');
const CLI = path.join(ROOT, 'bin', 'stepflow.js');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Spawns, waits for exit; resolves with wall ms and captured stdout. */
export function timed(command, args, { stdout = 'pipe', env = process.env, cwd = ROOT } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', stdout, 'pipe'], env, cwd });
    const out = [];
    const err = [];
    child.stdout?.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const ms = performance.now() - t0;
      const stdoutText = Buffer.concat(out).toString('utf8');
      if (code !== 0) reject(new Error(`${path.basename(args[0] ?? command)} exited ${code ?? signal}: ${Buffer.concat(err).toString().slice(-2000)}`));
      else resolve({ ms, stdout: stdoutText });
    });
  });
}

export async function sha256File(file) {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk);
  return hash.digest('hex');
}

/** Reassembles a run's stored output in line order from inline chunks and its log files. */
export function storedLogHash(dbFile, rid) {
  const db = new BetterSqlite3(dbFile, { readonly: true });
  // log_chunks.src: NULL the store's own <rid>.log; 1/2 the script's stdout/stderr spool kept as <rid>.out/.err.
  const fds = new Map();
  const fdOf = (src) => {
    const file = `${dbFile}-logs/${rid}${src === 1 ? '.out' : src === 2 ? '.err' : '.log'}`;
    if (!fds.has(file)) fds.set(file, fs.openSync(file, 'r'));
    return [fds.get(file), file];
  };
  try {
    const hash = createHash('sha256');
    for (const c of db.prepare('SELECT size, src, file_off AS off, data FROM log_chunks WHERE rid = ? ORDER BY first_line').iterate(rid)) {
      if (c.data) {
        hash.update(c.data);
        continue;
      }
      const [fd, file] = fdOf(c.src);
      const buf = Buffer.allocUnsafe(c.size);
      let done = 0;
      while (done < c.size) {
        const n = fs.readSync(fd, buf, done, c.size - done, c.off + done);
        if (n === 0) throw new Error(`log file ${file} is short at offset ${c.off + done}`);
        done += n;
      }
      hash.update(buf);
    }
    return hash.digest('hex');
  } finally {
    for (const fd of fds.values()) fs.closeSync(fd);
    db.close();
  }
}

/**
 * @param {{ lines?: number, repeat?: number, style?: 'prebuilt' | 'generated', log?: (msg: string) => void }} opts
 */
export async function benchIngest({ lines = 2_000_000, repeat = 5, style = 'prebuilt', log = () => {} } = {}) {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-bench-ingest-'));
  const node = process.execPath;
  // The runner finds `node` on PATH for .mjs scripts: make it this very Node.
  const env = { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}`, NO_COLOR: '1' };
  const plainFile = path.join(scratch, 'plain.log');
  const expectedSteps = lines / 1000;
  const checks = [];
  let expectedHash;
  let byteExact = null;

  const runFile = async (n = lines) => {
    const fd = fs.openSync(plainFile, 'w');
    try {
      return (await timed(node, [PRODUCER, String(n), style], { stdout: fd, env })).ms;
    } finally {
      fs.closeSync(fd);
    }
  };
  const runDrain = async () => {
    const r = await timed(node, [DRAIN, PRODUCER, String(lines), style], { env });
    const { bytes } = JSON.parse(r.stdout);
    if (bytes !== lines * 80) throw new Error(`pipe-drain read ${bytes} bytes, expected ${lines * 80}`);
    return r.ms;
  };
  const runStepflow = async (i, verifyBytes) => {
    const home = path.join(scratch, `home-${i}`);
    fs.mkdirSync(home);
    const dbFile = path.join(home, 'stepflow.db');
    const r = await timed(node, [CLI, 'run', '--json', '--db', dbFile, PRODUCER, String(lines), style], { env: { ...env, STEPFLOW_HOME: home } });
    // Not timed from here on: what was stored?
    const record = JSON.parse(r.stdout);
    const shown = JSON.parse((await timed(node, [CLI, 'show', record.id, '--json', '--db', dbFile], { env })).stdout);
    const db = new BetterSqlite3(dbFile, { readonly: true });
    const row = db.prepare('SELECT rid FROM runs WHERE id = ?').get(record.id);
    const totals = db.prepare('SELECT coalesce(sum(line_count), 0) AS lines, coalesce(sum(size), 0) AS bytes, count(*) AS chunks FROM log_chunks WHERE rid = ?').get(row.rid);
    db.close();
    const check = {
      status: shown.status,
      lineCount: shown.lineCount,
      storedLines: totals.lines,
      storedBytes: totals.bytes,
      chunkRows: totals.chunks,
      steps: shown.steps.length,
      stepsSucceeded: shown.steps.filter((s) => s.status === 'succeeded').length,
      linesLost: Math.max(0, lines - Math.min(shown.lineCount, totals.lines)),
      dbBytes: fs.statSync(dbFile).size,
    };
    if (verifyBytes) {
      expectedHash ??= await sha256File(plainFile);
      byteExact = storedLogHash(dbFile, row.rid) === expectedHash;
    }
    checks.push(check);
    fs.rmSync(home, { recursive: true, force: true });
    return r.ms;
  };

  try {
    log('ingest: warm-up round');
    await runFile();
    await runDrain();
    await runStepflow('warmup', false);
    checks.length = 0;
    const file = [];
    const drain = [];
    const stepflow = [];
    for (let i = 0; i < repeat; i++) {
      file.push(await runFile());
      drain.push(await runDrain());
      stepflow.push(await runStepflow(i, i === repeat - 1));
      log(`ingest (${style}): round ${i + 1}/${repeat}: file ${file[i].toFixed(0)} ms, pipe drain ${drain[i].toFixed(0)} ms, stepflow ${stepflow[i].toFixed(0)} ms`);
    }
    // Fixed costs: the same pair with a producer that prints nothing (Node and CLI start-up,
    // database open/create, spawn, exit), alternated the same way.
    // Fresh database (as above: creating the schema is part of it) and an existing one.
    const emptyFile = [];
    const emptyStepflow = [];
    const emptyExisting = [];
    const kept = path.join(scratch, 'kept-home');
    fs.mkdirSync(kept);
    const keptDb = path.join(kept, 'stepflow.db');
    await timed(node, [CLI, 'history', '--db', keptDb], { env: { ...env, STEPFLOW_HOME: kept } });
    for (let i = 0; i < repeat; i++) {
      emptyFile.push(await runFile(0));
      const home = path.join(scratch, `empty-${i}`);
      fs.mkdirSync(home);
      emptyStepflow.push((await timed(node, [CLI, 'run', '--json', '--db', path.join(home, 'stepflow.db'), PRODUCER, '0'], { env: { ...env, STEPFLOW_HOME: home } })).ms);
      emptyExisting.push((await timed(node, [CLI, 'run', '--json', '--db', keptDb, PRODUCER, '0'], { env: { ...env, STEPFLOW_HOME: kept } })).ms);
    }
    log(`ingest: empty producer: file ${median(emptyFile).toFixed(0)} ms, stepflow ${median(emptyStepflow).toFixed(0)} ms (fresh db), ${median(emptyExisting).toFixed(0)} ms (existing db)`);
    const ratios = stepflow.map((s, i) => s / file[i]);
    return {
      lines,
      bytes: lines * 80,
      repeat,
      style,
      producer: style === 'prebuilt'
        ? 'node test/bench/producer.mjs: 80-byte lines, a prebuilt 998-line body, ~1 MiB fs.writeSync calls'
        : 'node test/bench/producer.mjs … generated: every 80-byte line formatted on its own, 64 KiB fs.writeSync calls',
      fileMs: file,
      drainMs: drain,
      stepflowMs: stepflow,
      medianFileMs: median(file),
      medianDrainMs: median(drain),
      medianStepflowMs: median(stepflow),
      /** Median over rounds of stepflow/file (the headline figure). */
      ratio: median(ratios),
      ratioOfMedians: median(stepflow) / median(file),
      drainRatio: median(drain.map((d, i) => d / file[i])),
      stepflowOverDrain: median(stepflow.map((s, i) => s / drain[i])),
      emptyFileMs: median(emptyFile),
      emptyStepflowMs: median(emptyStepflow),
      emptyExistingDbMs: median(emptyExisting),
      checks,
      linesLost: checks.reduce((sum, c) => sum + c.linesLost, 0),
      allSucceeded: checks.every((c) => c.status === 'succeeded' && c.stepsSucceeded === expectedSteps && c.storedBytes === lines * 80),
      byteExact,
    };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const styleAt = process.argv.indexOf('--style');
  const style = styleAt >= 0 ? process.argv[styleAt + 1] : 'prebuilt';
  const r = await benchIngest({ lines: arg('lines', 2_000_000), repeat: arg('repeat', 5), style, log: (m) => console.error(m) });
  console.log(JSON.stringify(r, null, 2));
}
