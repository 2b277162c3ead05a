// Team hub ingest: figures, not pass/fail (docs/performance.md, "Team hub").
//   npx tsx test/bench/hub.bench.ts [--shippers 20] [--runs 10] [--steps 50] [--json]
// A real PostgreSQL (test/support/postgres.ts) and the built `stepflow serve --hub` in its
// own process. Each shipper is a machine's SQLite store holding --runs finished runs of
// --steps steps (two log lines each) in its outbox; the shippers deliver them with the
// product's shipOutbox, all at once. Baseline, in the same session: one shipper alone with
// the same load per shipper. The figure is steps stored per second on the hub (the aim:
// 20 concurrent shippers sustain ≥ 1,000 steps/s); afterwards the hub must hold every step
// and line (lost data fails the bench).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pool } from 'pg';
import { HubStore } from '../../sidecar/hub/hubStore';
import { shipOutbox } from '../../sidecar/hub/shipper';
import type { HubTarget } from '../../sidecar/hub/hubTarget';
import { Store } from '../../sidecar/store/store';
import { startHubProcess } from '../support/hubProcess';
import { freePort, startPostgres } from '../support/postgres';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const SHIPPERS = opt('shippers', 20);
const RUNS = opt('runs', 10);
const STEPS = opt('steps', 50);
const json = argv.includes('--json');
const say = (line: string) => (json ? process.stderr.write(line + '\n') : console.log(line));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-hub-bench-'));

/** A machine's database with `RUNS` finished runs of `STEPS` steps each (2 lines per step), all in its outbox. */
function machineStore(name: string): Store {
  const store = new Store(path.join(dir, `${name}.db`));
  const t0 = Date.now() - 3_600_000;
  for (let r = 0; r < RUNS; r++) {
    const runId = `${name}-${r}`;
    const t = t0 + r * 10_000;
    store.createRun({ id: runId, script: '/work/deploy.sh', args: [], cwd: '/work', profile: null, startedAt: t });
    let line = 1;
    for (let s = 1; s <= STEPS; s++) {
      store.enqueue({ type: 'stepStarted', runId, stepId: s, parentId: null, name: `step ${s}`, path: [`step ${s}`], startedAt: t + s * 10, line });
      store.appendOutput(runId, 'stdout', line, 2, Buffer.from(`${runId} step ${s} working\n${runId} step ${s} done\n`), t + s * 10);
      line += 2;
      store.enqueue({ type: 'stepFinished', runId, stepId: s, path: [`step ${s}`], status: 'succeeded', endedAt: t + s * 10 + 5 + (s % 7), durationMs: 5 + (s % 7), error: null, line: line - 1 });
    }
    store.enqueue({ type: 'runFinished', runId, status: 'succeeded', exitCode: 0, signal: null, endedAt: t + STEPS * 10 + 20, durationMs: STEPS * 10 + 20, lineCount: line - 1, error: null });
  }
  store.flush();
  return store;
}

async function ship(stores: Store[], target: HubTarget): Promise<number> {
  const t0 = performance.now();
  const results = await Promise.all(stores.map((store, i) => shipOutbox(store, { ...target, host: `bench-${i}` }, { requestTimeoutMs: 120_000 })));
  const ms = performance.now() - t0;
  for (const r of results) if (r.pending !== 0) throw new Error(`a shipper left ${r.pending} runs: ${r.error ?? ''}`);
  return ms;
}

async function main(): Promise<void> {
  const pg = await startPostgres();
  const pool = new Pool({ connectionString: pg.url, max: 2 });
  pool.on('error', () => undefined); // the server's shutdown at the end ends idle connections
  let hub: Awaited<ReturnType<typeof startHubProcess>> | undefined;
  try {
    const admin = await HubStore.open(pg.url);
    const { token } = await admin.createToken('bench');
    await admin.close();
    hub = await startHubProcess(pg.url, await freePort());
    const target: HubTarget = { url: hub.url, token, host: 'bench', user: 'bench' };

    const alone = [machineStore('alone')];
    const many = Array.from({ length: SHIPPERS }, (_, i) => machineStore(`m${i}`));
    const stepsEach = RUNS * STEPS;
    const aloneMs = await ship(alone, target);
    const manyMs = await ship(many, target);
    for (const store of [...alone, ...many]) store.close();

    const stored = await pool.query<{ steps: string; lines: string; runs: string }>(
      'SELECT (SELECT count(*) FROM steps) AS steps, (SELECT count(*) FROM log_lines) AS lines, (SELECT count(*) FROM runs) AS runs',
    );
    const expectRuns = (SHIPPERS + 1) * RUNS;
    const lost = Number(stored.rows[0]!.runs) !== expectRuns || Number(stored.rows[0]!.steps) !== expectRuns * STEPS || Number(stored.rows[0]!.lines) !== expectRuns * STEPS * 2;
    const figures = {
      shippers: SHIPPERS,
      runsPerShipper: RUNS,
      stepsPerRun: STEPS,
      concurrent: { ms: manyMs, stepsPerSecond: (SHIPPERS * stepsEach * 1000) / manyMs, runsPerSecond: (SHIPPERS * RUNS * 1000) / manyMs, linesPerSecond: (SHIPPERS * stepsEach * 2 * 1000) / manyMs },
      alone: { ms: aloneMs, stepsPerSecond: (stepsEach * 1000) / aloneMs },
      lost,
    };
    say(`hub ingest: ${SHIPPERS} shippers × ${RUNS} runs × ${STEPS} steps in ${(manyMs / 1000).toFixed(2)} s = ${figures.concurrent.stepsPerSecond.toFixed(0)} steps/s (one shipper alone: ${figures.alone.stepsPerSecond.toFixed(0)} steps/s)${lost ? '; DATA LOST' : ''}`);
    if (json) process.stdout.write(JSON.stringify(figures) + '\n');
  } finally {
    await hub?.stop();
    await pool.end();
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
