// The hub's store and the shipper against a real PostgreSQL (test/support/postgres.ts),
// in-process: a run sent again is stored once (and a changed one replaces itself), a long
// log goes in chunks and resumes after a failed attempt, tokens are kept only as hashes.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { Pool } from 'pg';
import { startHubServer, type HubServer } from '../../sidecar/hub/hubServer';
import { HubStore } from '../../sidecar/hub/hubStore';
import { shipOutbox } from '../../sidecar/hub/shipper';
import type { LogLine } from '../../sidecar/protocol/history';
import type { RunRecord, StepRecord } from '../../sidecar/protocol/model';
import { Store } from '../../sidecar/store/store';
import { freePort, startPostgres, type PostgresServer } from '../support/postgres';
import { tempFolderWithStores } from '../support/tempFolder';
import * as fs from 'node:fs';
import { RunManager } from '../../sidecar/runs/runManager';

function step(id: number, name: string, durationMs: number, children: StepRecord[] = []): StepRecord {
  return { id, name, status: 'succeeded', startedAt: 1000 + id, endedAt: 1000 + id + durationMs, durationMs, error: null, warnings: [], meta: {}, firstLine: id, lastLine: id, children };
}

function record(id: string, steps: StepRecord[]): RunRecord {
  return {
    id, script: '/work/deploy.sh', args: [], cwd: '/work', profile: null, status: 'succeeded', exitCode: 0, signal: null,
    startedAt: new Date(1_000_000).toISOString(), endedAt: new Date(1_000_500).toISOString(), durationMs: 500, lineCount: 3,
    error: null, warnings: [], meta: {}, steps, artifacts: [],
  };
}

const lines = (n: number, from = 1): LogLine[] => Array.from({ length: n }, (_, i) => ({ line: from + i, stream: 'stdout', at: 1000, text: `line ${from + i}` }));

describe('hub store and shipper (real PostgreSQL)', function () {
  this.timeout(180_000);
  let pg: PostgresServer;
  let hub: HubStore;
  let sql: Pool;
  const folder = tempFolderWithStores('stepflow-hub-store-');

  before(async () => {
    pg = await startPostgres();
    hub = await HubStore.open(pg.url);
    sql = new Pool({ connectionString: pg.url, max: 1 });
    sql.on('error', () => undefined); // the server's shutdown at the end ends idle connections
  });
  after(async () => {
    await sql?.end();
    await hub?.close();
    await pg?.stop();
  });

  it('stores a run sent twice once, and a changed run replaces its steps', async () => {
    const run = record('twice-1', [step(1, 'Build', 10, [step(2, 'Compile', 5)]), step(3, 'Test', 7)]);
    await hub.putRun('host-a', 'ann', run, lines(3));
    await hub.putRun('host-a', 'ann', run, lines(3));
    assert.equal(await hub.addLogLines(run.id, lines(3)), 0, 'lines it holds are not stored again');
    const counts = await sql.query(`SELECT (SELECT count(*) FROM runs WHERE id = 'twice-1') AS runs, (SELECT count(*) FROM steps WHERE run_id = 'twice-1') AS steps,
      (SELECT count(*) FROM log_lines WHERE run_id = 'twice-1') AS lines`);
    assert.deepEqual(counts.rows[0], { runs: '1', steps: '3', lines: '3' });
    await hub.putRun('host-a', 'ann', record('twice-1', [step(1, 'Build', 12)]));
    const after = await sql.query(`SELECT step_id, path, duration_ms FROM steps WHERE run_id = 'twice-1' ORDER BY step_id`);
    assert.deepEqual(after.rows, [{ step_id: 1, path: '["Build"]', duration_ms: '12' }]);
    const got = await hub.getRun('twice-1');
    assert.equal(got?.host, 'host-a');
    assert.equal(got?.steps.length, 1);
  });

  it('keeps only a hash of each token, and refuses revoked and unknown ones', async () => {
    const { id, token } = await hub.createToken('laptop');
    assert.ok(await hub.tokenValid(token));
    const stored = await sql.query('SELECT name, token_hash FROM hub_tokens WHERE id = $1', [id]);
    assert.equal(stored.rows[0].name, 'laptop');
    assert.ok(!Buffer.from(stored.rows[0].token_hash).toString('latin1').includes(token));
    assert.equal(await hub.tokenValid(`${token}x`), false);
    const fresh = await HubStore.open(pg.url); // no cache of the first one's checks
    try {
      assert.ok(await hub.revokeToken(id));
      assert.equal(await fresh.tokenValid(token), false);
    } finally {
      await fresh.close();
    }
  });

  it('ships a long log in chunks, resumes after a hub that was down, and empties the outbox', async () => {
    const local = folder.closeAfterTest(new Store(path.join(folder.path, 'machine.db')));
    const runId = 'long-log-1';
    const total = 12_001; // three chunks of at most 5,000 lines
    local.createRun({ id: runId, script: '/work/long.sh', args: [], cwd: '/work', profile: null, startedAt: 5_000 });
    local.enqueue({ type: 'stepStarted', runId, stepId: 1, parentId: null, name: 'Print', path: ['Print'], startedAt: 5_001, line: 1 });
    local.appendOutput(runId, 'stdout', 1, total, Buffer.from(lines(total).map((l) => `${l.text}\n`).join('')), 5_002);
    local.enqueue({ type: 'stepFinished', runId, stepId: 1, path: ['Print'], status: 'succeeded', endedAt: 5_900, durationMs: 899, error: null, line: total });
    local.enqueue({ type: 'runFinished', runId, status: 'succeeded', exitCode: 0, signal: null, endedAt: 6_000, durationMs: 1_000, lineCount: total, error: null });
    local.flush();
    assert.equal(local.hubOutboxSize(), 1, 'the finished run is in the outbox');

    const { token } = await hub.createToken('shipper');
    const port = await freePort();
    const target = { url: `http://127.0.0.1:${port}`, token, host: 'machine-b', user: 'bo' };
    const down = await shipOutbox(local, target, { requestTimeoutMs: 5_000 });
    assert.equal(down.delivered, 0);
    assert.equal(down.pending, 1);
    assert.match(down.error ?? '', /unreachable/);

    let server: HubServer | undefined;
    try {
      server = await startHubServer({ store: hub, port, log: () => undefined });
      // Not due yet (backoff): a plain pass leaves it; push's ignoreBackoff sends it.
      const up = await shipOutbox(local, target, { ignoreBackoff: true, requestTimeoutMs: 30_000 });
      assert.deepEqual({ delivered: up.delivered, pending: up.pending }, { delivered: 1, pending: 0 });
    } finally {
      await server?.close();
    }
    const stored = await sql.query(`SELECT count(*) AS n, min(line) AS first, max(line) AS last FROM log_lines WHERE run_id = $1`, [runId]);
    assert.deepEqual(stored.rows[0], { n: String(total), first: 1, last: total });
    const run = await hub.getRun(runId);
    assert.equal(run?.host, 'machine-b');
    assert.equal(run?.lineCount, total);
  });

  it('ships a run the language server or the service ran, to the hub its stepflow.json names', async () => {
    const local = folder.closeAfterTest(new Store(path.join(folder.path, 'editor.db')));
    const { token } = await hub.createToken('editor');
    const port = await freePort();
    const server = await startHubServer({ store: hub, port, log: () => undefined });
    const saved = { token: process.env.STEPFLOW_HUB_TOKEN, host: process.env.STEPFLOW_HOST_NAME };
    process.env.STEPFLOW_HUB_TOKEN = token;
    process.env.STEPFLOW_HOST_NAME = 'editor-host';
    try {
      fs.writeFileSync(path.join(folder.path, 'stepflow.json'), JSON.stringify({ hub: { url: `http://127.0.0.1:${port}` } }));
      const script = path.join(folder.path, 'build.sh');
      fs.writeFileSync(script, '#!/usr/bin/env bash\necho STEP_START:Build\necho compiling\necho STEP_COMPLETE:Build\n', { mode: 0o755 });
      const runs = new RunManager(local, () => undefined, 0);
      const runId = await runs.start({ script });
      // Delivered after the run, off its path: wait for the hub to have it (no event to wait on across processes' HTTP).
      const deadline = Date.now() + 60_000;
      let stored: RunRecord | undefined;
      while (!stored && Date.now() < deadline) {
        stored = await hub.getRun(runId);
        if (!stored) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(stored?.host, 'editor-host');
      assert.equal(stored?.status, 'succeeded');
      assert.deepEqual((await hub.readLog(runId, 1, 10)).map((l) => l.text), ['STEP_START:Build', 'compiling', 'STEP_COMPLETE:Build']);
      assert.equal(local.hubOutboxSize(), 0);
    } finally {
      process.env.STEPFLOW_HUB_TOKEN = saved.token;
      process.env.STEPFLOW_HOST_NAME = saved.host;
      if (saved.token === undefined) delete process.env.STEPFLOW_HUB_TOKEN;
      if (saved.host === undefined) delete process.env.STEPFLOW_HOST_NAME;
      await server.close();
    }
  });

  it('refuses a malformed record with one clear 400 and stores nothing of it', async () => {
    const { token } = await hub.createToken('careless');
    const port = await freePort();
    const server = await startHubServer({ store: hub, port, log: () => undefined });
    try {
      const bad = { ...record('malformed-1', []), steps: [{ id: 'one', name: 'Build' }] };
      const res = await fetch(`http://127.0.0.1:${port}/api/hub/runs/malformed-1`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ host: 'h', user: 'u', run: bad }),
      });
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { error: { message: string } }).error.message, /finished run record/);
      assert.equal(await hub.getRun('malformed-1'), undefined);
    } finally {
      await server.close();
    }
  });
});
