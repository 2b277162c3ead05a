// The team hub end to end, against a real PostgreSQL server (test/support/postgres.ts) and
// the built CLI: three machines (three STEPFLOW_HOMEs with their own SQLite outbox and
// STEPFLOW_HOST_NAME) run 50 scripts each with `stepflow run`, which ships each finished
// run, while the hub is stopped and started again twice; afterwards every run is on the
// hub exactly once, with all its steps and log lines. Also: nothing is readable without a
// token, and the statistics per machine and across machines are Welford's.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { Pool } from 'pg';
import { runCli, tempDir, writeScript, type CliResult } from '../support/cli';
import { startHubProcess, type HubProcess } from '../support/hubProcess';
import { freePort, startPostgres, type PostgresServer } from '../support/postgres';
import { aggregateOf, sampleStdDev } from '../../sidecar/stats/welford';

const HOSTS = ['laptop-ann', 'build-agent-7', 'server-eu'];
const RUNS_PER_HOST = 50;
// 3 steps (Build, Build › Compile, Test) and 11 lines per run.
const SCRIPT = `#!/usr/bin/env bash
echo "STEP_START:Build"
echo "building on $STEPFLOW_HOST_NAME"
echo "STEP_START:Compile"
for i in 1 2 3; do echo "compile unit $i of run $RUN_NO"; done
echo "STEP_COMPLETE:Compile"
echo "STEP_COMPLETE:Build"
echo "STEP_START:Test"
echo "all tests passed"
echo "STEP_COMPLETE:Test"
`;
const LINES_PER_RUN = 11;

describe('team hub on PostgreSQL (real server, built CLI)', function () {
  this.timeout(900_000);
  let pg: PostgresServer;
  let pool: Pool;
  let token: string;
  let port: number;
  let hub: HubProcess | undefined;
  const hubProblems: string[] = [];
  const scratch: string[] = [];

  before(async () => {
    pg = await startPostgres();
    pool = new Pool({ connectionString: pg.url, max: 2 });
    pool.on('error', () => undefined); // the server's shutdown at the end ends idle connections
    const home = tempDir('stepflow-hub-admin-');
    scratch.push(home);
    const created = await runCli(['hub', 'token', 'create', '--hub', pg.url, '--name', 'tests'], { home });
    assert.equal(created.code, 0, created.stderr);
    token = created.stdout.trim();
    port = await freePort();
  });

  after(async () => {
    await hub?.stop();
    await pool?.end();
    await pg?.stop();
    for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** What the three machines did: their homes and environments, and what each push said. */
  let machines: Array<{ home: string; env: Record<string, string> }> = [];
  const pushes: CliResult[] = [];
  const outboxes: string[] = [];
  const refused: string[] = [];

  // The scenario, once for the suite (the tests run in a shuffled order and each asserts
  // one thing about its outcome).
  before(async () => {
    hub = await startHubProcess(pg.url, port, hubProblems);
    const hubUrl = `http://127.0.0.1:${port}`;
    // The hub goes down and comes back at these counts of finished runs (over all machines).
    const schedule = new Map<number, 'stop' | 'start'>([[20, 'stop'], [55, 'start'], [90, 'stop'], [120, 'start']]);
    let finished = 0;
    let hubOps = Promise.resolve();
    // One checkout path on every machine (as on identically set up build agents): the hub
    // files statistics by the script's path as each machine recorded it.
    const checkout = tempDir('stepflow-hub-checkout-');
    scratch.push(checkout);
    const script = writeScript(checkout, 'deploy.sh', SCRIPT);
    const machine = async (host: string) => {
      const home = tempDir(`stepflow-hub-${host}-`);
      scratch.push(home);
      const env = { STEPFLOW_HOST_NAME: host, STEPFLOW_HUB_URL: hubUrl, STEPFLOW_HUB_TOKEN: token };
      for (let n = 1; n <= RUNS_PER_HOST; n++) {
        const result: CliResult = await runCli(['run', script], { home, env: { ...env, RUN_NO: String(n) } });
        assert.equal(result.code, 0, result.stderr);
        if (/unreachable/.test(result.stderr)) refused.push(host);
        const action = schedule.get(++finished);
        if (action === 'stop') hubOps = hubOps.then(() => hub!.stop());
        if (action === 'start') hubOps = hubOps.then(async () => void (hub = await startHubProcess(pg.url, port, hubProblems)));
      }
      return { home, env };
    };
    machines = await Promise.all(HOSTS.map(machine));
    await hubOps;
    // Runs that ended while the hub was down wait in their outbox (with backoff): push sends them now.
    for (const { home, env } of machines) {
      pushes.push(await runCli(['hub', 'push', '--timeout', '120'], { home, env }));
      outboxes.push((await runCli(['hub', 'status'], { home, env })).stdout);
    }
  });

  it('delivers every run from the outboxes although the hub was down twice while the machines shipped', () => {
    // The stops really fell between runs that shipped: some deliveries were refused.
    assert.ok(refused.length > 0, 'no run saw the hub down');
    for (const push of pushes) assert.equal(push.code, 0, `${push.stdout}${push.stderr}`);
    for (const status of outboxes) assert.match(status, /^0 finished runs wait/);
  });

  it('stores the 150 runs of the 3 machines exactly once', async () => {
    const runs = await pool.query<{ n: string; ids: string }>('SELECT count(*) AS n, count(DISTINCT id) AS ids FROM runs');
    assert.deepEqual(runs.rows[0], { n: '150', ids: '150' });
    const perHost = await pool.query<{ host: string; n: string }>('SELECT host, count(*) AS n FROM runs GROUP BY host ORDER BY host');
    assert.deepEqual(perHost.rows, [...HOSTS].sort().map((host) => ({ host, n: String(RUNS_PER_HOST) })));
    // Every run that any machine recorded, and nothing else.
    const local: string[] = [];
    for (const { home } of machines) {
      const history = await runCli(['history', '--json', '--limit', '100'], { home });
      local.push(...(JSON.parse(history.stdout) as Array<{ id: string }>).map((r) => r.id));
    }
    const onHub = (await pool.query<{ id: string }>('SELECT id FROM runs')).rows.map((r) => r.id);
    assert.deepEqual([...onHub].sort(), [...local].sort());
    // The API lists them with their machine.
    const page = await api<{ runs: Array<{ host: string; user: string }> }>(`http://127.0.0.1:${port}`, '/api/executions?limit=200');
    assert.equal(page.runs.length, 150);
    assert.deepEqual(new Set(page.runs.map((r) => r.host)), new Set(HOSTS));
  });

  it('stores every step and every log line of each run once', async () => {
    const incomplete = await pool.query(
      `SELECT r.id, r.line_count, (SELECT count(*) FROM steps s WHERE s.run_id = r.id) AS steps,
              (SELECT count(*) FROM log_lines l WHERE l.run_id = r.id) AS lines,
              (SELECT max(line) FROM log_lines l WHERE l.run_id = r.id) AS last
       FROM runs r
       WHERE r.status <> 'succeeded' OR r.line_count <> $1
          OR (SELECT count(*) FROM steps s WHERE s.run_id = r.id) <> 3
          OR (SELECT count(*) FROM log_lines l WHERE l.run_id = r.id) <> $1
          OR (SELECT max(line) FROM log_lines l WHERE l.run_id = r.id) <> $1`,
      [LINES_PER_RUN],
    );
    assert.deepEqual(incomplete.rows, []);
    const total = await pool.query<{ n: string }>('SELECT count(*) AS n FROM log_lines');
    assert.equal(total.rows[0]!.n, String(150 * LINES_PER_RUN));
    const log = await api<{ lines: Array<{ line: number; text: string }> }>(`http://127.0.0.1:${port}`, `/api/executions/${(await pool.query<{ id: string }>("SELECT id FROM runs WHERE host = 'server-eu' LIMIT 1")).rows[0]!.id}/log`);
    assert.equal(log.lines[1]!.text, 'building on server-eu');
  });

  it('answers statistics per machine and across machines as Welford over every duration', async () => {
    const hubUrl = `http://127.0.0.1:${port}`;
    const stats = await api<{ steps: Array<{ path: string[]; count: number; meanMs: number; stdDevMs: number | null }>; byHost: Array<{ host: string; path: string[]; count: number; meanMs: number }> }>(
      hubUrl,
      '/api/statistics',
    );
    const durations = await pool.query<{ host: string; d: string }>(`SELECT host, duration_ms AS d FROM steps WHERE path = '["Build","Compile"]' AND status = 'succeeded'`);
    const all = aggregateOf(durations.rows.map((r) => Number(r.d)));
    const compile = stats.steps.find((s) => s.path.join('/') === 'Build/Compile')!;
    assert.equal(compile.count, 150);
    assert.ok(Math.abs(compile.meanMs - all.mean) < 1e-6);
    const sd = sampleStdDev(all);
    assert.ok(sd === null ? compile.stdDevMs === null : Math.abs(compile.stdDevMs! - sd) < 1e-6);
    for (const host of HOSTS) {
      const mine = stats.byHost.find((s) => s.host === host && s.path.join('/') === 'Build/Compile')!;
      const own = aggregateOf(durations.rows.filter((r) => r.host === host).map((r) => Number(r.d)));
      assert.equal(mine.count, RUNS_PER_HOST);
      assert.ok(Math.abs(mine.meanMs - own.mean) < 1e-6);
    }
    const one = await api<{ steps: Array<{ count: number }> }>(hubUrl, `/api/statistics?host=${HOSTS[0]}`);
    assert.ok(one.steps.every((s) => s.count === RUNS_PER_HOST));
  });

  it('refuses every request without a valid token, the page and the WebSocket included', async () => {
    const hubUrl = `http://127.0.0.1:${port}`;
    for (const route of ['/api/executions', '/api/statistics', '/api/health', '/', '/assets/webview.js']) {
      assert.equal((await fetch(hubUrl + route)).status, 401, route);
      assert.equal((await fetch(hubUrl + route, { headers: { Authorization: 'Bearer sfh_not-a-token' } })).status, 401, route);
    }
    const put = await fetch(`${hubUrl}/api/hub/runs/abc`, { method: 'PUT', body: '{}', headers: { 'Content-Type': 'application/json' } });
    assert.equal(put.status, 401);
    assert.equal((await fetch(`${hubUrl}/?token=wrong`, { redirect: 'manual' })).status, 401);
    const opened = await fetch(`${hubUrl}/?token=${encodeURIComponent(token)}`, { redirect: 'manual' });
    assert.equal(opened.status, 303);
    assert.match(opened.headers.get('set-cookie') ?? '', /^stepflow_hub_token=.+; HttpOnly; SameSite=Strict/);
    const ws = await new Promise<number>((resolve) => {
      const socket = new (require('ws') as typeof import('ws')).WebSocket(`ws://127.0.0.1:${port}/ws`);
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.on('open', () => resolve(101));
    });
    assert.equal(ws, 401);
  });

  async function api<T>(base: string, route: string): Promise<T> {
    const res = await fetch(base + route, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as T;
  }
});
