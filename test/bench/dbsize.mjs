// Database bytes per run and per step, measured through the real CLI: N × `stepflow run` of a
// 20-step script (two top-level steps with 9 children each, 2 log lines per child: 76 lines
// with the markers, ~2.6 KB of output) into one fresh database. Figures: growth of the
// database file over an empty (schema-only) one, divided by N; and from SQLite's dbstat, the
// bytes used (page size minus unused space, so 4 KiB page granularity does not dominate a
// small N) by the `runs` table with its indexes per run, by `steps` per step and by
// `log_chunks` (the inline log) per run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(HERE, '..', '..', 'bin', 'stepflow.js');
const STEPS = 20;

function cli(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out).toString()) : reject(new Error(`stepflow ${args[0]} exited ${code}: ${Buffer.concat(err)}`)),
    );
  });
}

function writeScript(dir) {
  const file = path.join(dir, 'build.sh');
  let body = '#!/bin/sh\n';
  for (const group of ['Build', 'Test']) {
    body += `echo "STEP_START:${group}"\n`;
    for (let i = 1; i <= 9; i++) {
      const name = `${group === 'Build' ? 'compile' : 'suite'} ${i}`;
      body += `echo "STEP_START:${name}"\necho "[${group.toLowerCase()}] ${name}: 42 files, 0 warnings, cache hit"\necho "[${group.toLowerCase()}] ${name}: done in 12 ms"\necho "STEP_COMPLETE:${name}"\n`;
    }
    body += `echo "STEP_COMPLETE:${group}"\n`;
  }
  fs.writeFileSync(file, body, { mode: 0o755 });
  return file;
}

function pageBytes(dbFile) {
  const db = new BetterSqlite3(dbFile, { readonly: true });
  try {
    const rows = db.prepare('SELECT name, sum(pgsize) AS pages, sum(pgsize - unused) AS used FROM dbstat GROUP BY name').all();
    return { pages: new Map(rows.map((r) => [r.name, r.pages])), used: new Map(rows.map((r) => [r.name, r.used])) };
  } finally {
    db.close();
  }
}

/** @param {{ runs?: number, log?: (msg: string) => void }} opts */
export async function benchDbSize({ runs = 40, log = () => {} } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-bench-dbsize-'));
  try {
    const env = { ...process.env, STEPFLOW_HOME: dir, NO_COLOR: '1' };
    const dbFile = path.join(dir, 'stepflow.db');
    const script = writeScript(dir);
    await cli(['history', '--db', dbFile], env); // creates the schema
    const emptyBytes = fs.statSync(dbFile).size;
    let lines = 0;
    for (let i = 0; i < runs; i++) {
      const record = JSON.parse(await cli(['run', '--json', '--db', dbFile, script], env));
      if (record.status !== 'succeeded') throw new Error(`run ${record.id} ${record.status}`);
      lines = record.lineCount;
      if (i % 10 === 9) log(`dbsize: ${i + 1}/${runs} runs`);
    }
    const fileBytes = fs.statSync(dbFile).size;
    const walBytes = fs.existsSync(`${dbFile}-wal`) ? fs.statSync(`${dbFile}-wal`).size : 0;
    const { pages, used } = pageBytes(dbFile);
    const of = (...names) => names.reduce((sum, n) => sum + (used.get(n) ?? 0), 0);
    const db = new BetterSqlite3(dbFile, { readonly: true });
    const steps = db.prepare('SELECT count(*) AS n FROM steps').get().n;
    const logBytesPerRun = db.prepare('SELECT sum(size) AS b FROM log_chunks').get().b / runs;
    db.close();
    return {
      runs,
      stepsPerRun: STEPS,
      linesPerRun: lines,
      steps,
      emptyBytes,
      fileBytes,
      walBytes,
      perRunFile: (fileBytes - emptyBytes) / runs,
      perRunRows: of('runs', 'sqlite_autoindex_runs_1', 'runs_started', 'runs_status', 'runs_script') / runs,
      perStepRows: of('steps', 'sqlite_autoindex_steps_1') / steps,
      perRunLog: of('log_chunks', 'log_chunks_line') / runs,
      logBytesPerRun,
      pageBytes: Object.fromEntries(pages),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--runs');
  console.log(JSON.stringify(await benchDbSize({ runs: i >= 0 ? Number(process.argv[i + 1]) : 40, log: (m) => console.error(m) }), null, 2));
}
