// Ingest from writers that write like real scripts: one line (or less) per write(2).
// test/bench/writers/: a bash `echo` loop, awk under the runner's line buffering, Python
// print() with PYTHONUNBUFFERED=1. Each prints the same N lines of 80 bytes (a step every
// 1,000). Per writer, after a warm-up round, rounds alternate four variants:
//   line-buffered > file   what the same script costs in a terminal (the aim's baseline)
//   block-buffered > file  the script at its fastest, nobody watching (bash's echo has none)
//   stepflow, unpaced      `stepflow run --json` reading on every inotify event, as before
//                          pacing (STEPFLOW_SPOOL_COALESCE_MS=0, sidecar/runner/spool.ts)
//   stepflow               `stepflow run --json` as shipped
// Times are wall times from spawn to exit; ratios are medians of per-round ratios. Every
// stepflow run is checked for lost lines, and the last one of each variant is reassembled
// from the database and its log file and compared byte for byte with the plain file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { sha256File, storedLogHash, timed } from './ingest.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const CLI = path.join(ROOT, 'bin', 'stepflow.js');
const WRITERS = path.join(HERE, 'writers');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** How each writer runs outside StepFlow, line-buffered and (where it has one) block-buffered. */
const WRITER_KINDS = {
  echo: {
    script: 'echo.sh',
    what: 'bash echo loop',
    lineBuffered: (s, n) => ['bash', [s, n], {}],
    blockBuffered: null,
  },
  awk: {
    script: 'awk.sh',
    what: 'awk printf (stdbuf -oL under StepFlow)',
    lineBuffered: (s, n) => ['stdbuf', ['-oL', 'bash', s, n], {}],
    blockBuffered: (s, n) => ['bash', [s, n], {}],
  },
  python: {
    script: 'print.py',
    what: 'python print, PYTHONUNBUFFERED=1',
    lineBuffered: (s, n) => ['python3', [s, n], { PYTHONUNBUFFERED: '1' }],
    blockBuffered: (s, n) => ['python3', [s, n], {}],
  },
};

export async function benchIngestWriters({ lines = 400_000, repeat = 5, writers = Object.keys(WRITER_KINDS), log = () => {} } = {}) {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-bench-writers-'));
  const { PYTHONUNBUFFERED: _ignored, ...baseEnv } = process.env;
  const env = { ...baseEnv, NO_COLOR: '1' };
  const results = [];
  try {
    for (const name of writers) {
      const kind = WRITER_KINDS[name];
      const script = path.join(WRITERS, kind.script);
      const n = String(lines);
      const plainFile = path.join(scratch, `${name}.log`);
      const toFile = async ([command, args, extra]) => {
        const fd = fs.openSync(plainFile, 'w');
        try {
          return (await timed(command, args, { stdout: fd, env: { ...env, ...extra } })).ms;
        } finally {
          fs.closeSync(fd);
        }
      };
      let expectedHash;
      const byteExact = {};
      const checks = [];
      const stepflow = async (label, coalesce, verify) => {
        const home = fs.mkdtempSync(path.join(scratch, 'home-'));
        const dbFile = path.join(home, 'stepflow.db');
        const runEnv = { ...env, STEPFLOW_HOME: home, ...(coalesce === undefined ? {} : { STEPFLOW_SPOOL_COALESCE_MS: String(coalesce) }) };
        const r = await timed(process.execPath, [CLI, 'run', '--json', '--db', dbFile, script, n], { env: runEnv });
        const record = JSON.parse(r.stdout);
        const db = new BetterSqlite3(dbFile, { readonly: true });
        const row = db.prepare('SELECT rid, status, line_count AS lineCount FROM runs WHERE id = ?').get(record.id);
        const totals = db.prepare('SELECT coalesce(sum(line_count), 0) AS lines, coalesce(sum(size), 0) AS bytes FROM log_chunks WHERE rid = ?').get(row.rid);
        const steps = db.prepare("SELECT count(*) AS n, sum(status = 'succeeded') AS ok FROM steps WHERE rid = ?").get(row.rid);
        db.close();
        checks.push({ variant: label, status: row.status, lineCount: row.lineCount, storedLines: totals.lines, storedBytes: totals.bytes, steps: steps.n, stepsSucceeded: steps.ok });
        if (verify) {
          expectedHash ??= await sha256File(plainFile);
          byteExact[label] = storedLogHash(dbFile, row.rid) === expectedHash;
        }
        fs.rmSync(home, { recursive: true, force: true });
        return r.ms;
      };
      log(`writers (${name}): warm-up round`);
      await toFile(kind.lineBuffered(script, n));
      await stepflow('warm-up', undefined, false);
      checks.length = 0;
      const lb = [];
      const bb = [];
      const before = [];
      const after = [];
      for (let i = 0; i < repeat; i++) {
        const last = i === repeat - 1;
        if (kind.blockBuffered) bb.push(await toFile(kind.blockBuffered(script, n)));
        before.push(await stepflow('unpaced', 0, last));
        // The line-buffered file is written last before the paced run: its hash is the expectation.
        lb.push(await toFile(kind.lineBuffered(script, n)));
        if (last) expectedHash = await sha256File(plainFile);
        after.push(await stepflow('paced', undefined, last));
        log(`writers (${name}): round ${i + 1}/${repeat}: line-buffered file ${lb[i].toFixed(0)} ms, block-buffered file ${kind.blockBuffered ? bb[i].toFixed(0) : '-'} ms, stepflow unpaced ${before[i].toFixed(0)} ms, stepflow ${after[i].toFixed(0)} ms`);
      }
      const expectedSteps = lines / 1000;
      const ratio = (xs, base) => median(xs.map((x, i) => x / base[i]));
      results.push({
        writer: name,
        what: kind.what,
        lines,
        repeat,
        lineBufferedMs: median(lb),
        blockBufferedMs: kind.blockBuffered ? median(bb) : null,
        unpacedMs: median(before),
        stepflowMs: median(after),
        /** The headline: stepflow / the same script line-buffered into a file (aim ≤ 1.3×). */
        ratioLineBuffered: ratio(after, lb),
        ratioBlockBuffered: kind.blockBuffered ? ratio(after, bb) : null,
        unpacedRatioLineBuffered: ratio(before, lb),
        pacedOverUnpaced: ratio(after, before),
        samples: { lb, bb, before, after },
        checks,
        linesLost: checks.reduce((sum, c) => sum + Math.max(0, lines - Math.min(c.lineCount, c.storedLines)), 0),
        allSucceeded: checks.every((c) => c.status === 'succeeded' && c.stepsSucceeded === expectedSteps && c.storedBytes === lines * 80),
        byteExact,
      });
    }
    return results;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : fallback;
  };
  const r = await benchIngestWriters({
    lines: Number(arg('lines', 400_000)),
    repeat: Number(arg('repeat', 5)),
    writers: arg('writers', Object.keys(WRITER_KINDS).join(',')).split(','),
    log: (m) => console.error(m),
  });
  console.log(JSON.stringify(r, null, 2));
}
