// The REST API against a real server on loopback: health and metrics, history with
// filters and cursor, run records and logs, log search, statistics and expectations (ETA), start and cancel.
// The read-only tests share one fixture of 30 stored runs that nothing adds to; the tests
// that start runs have their own server and database, so every test passes alone and in
// any order (the suite runs shuffled).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { postJson, request, startFixture, storeRun, type Fixture } from '../support/serverClient';
import { LiveClient } from '../support/serverClient';

describe('server REST API', () => {
  let fx: Fixture;
  let port: number;
  const t0 = Date.UTC(2026, 0, 1);

  before(async () => {
    fx = await startFixture();
    port = fx.server.port;
    const a = path.join(fx.dir, 'build.sh');
    const b = path.join(fx.dir, 'deploy.sh');
    for (let i = 0; i < 30; i++) {
      storeRun(fx.store, {
        id: `run${String(i).padStart(3, '0')}`,
        script: i % 3 === 0 ? b : a,
        status: i % 5 === 0 ? 'failed' : 'succeeded',
        profile: i % 2 === 0 ? 'release' : null,
        startedAt: t0 + i * 60_000,
        lines: [`line one of ${i}`, i === 7 ? 'ERROR: disk full on /dev/sda1' : 'all good', 'end'],
      });
    }
  });

  after(() => fx.close());

  it('answers health and metrics', async () => {
    const health = await request(port, { path: '/api/health' });
    assert.equal(health.status, 200);
    assert.equal(health.json.status, 'ok');
    const m = (await request(port, { path: '/api/health/metrics' })).json;
    assert.equal(m.database.journalMode, 'wal');
    assert.equal(m.database.walEnabled, true);
    assert.ok(m.database.sizeBytes > 0);
    assert.equal(m.database.cacheHitRatio, null);
    assert.equal(m.runs.total, 30);
    assert.equal(m.runs.byStatus.failed, 6);
    assert.equal(typeof m.websocket.clients, 'number');
    assert.ok(m.memory.rss > 0);
    assert.ok(m.operations['GET /api/health'].count >= 1);
    assert.ok(m.operations['GET /api/health'].p99Ms >= 0);
  });

  it('optimizes: checkpoint, ANALYZE, PRAGMA optimize', async () => {
    const r = await request(port, { method: 'POST', path: '/api/health/optimize' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.analyzed, true);
    assert.equal(typeof r.json.checkpoint.busy, 'number');
  });

  it('lists runs newest first, filtered, in cursor pages', async () => {
    const all = (await request(port, { path: '/api/executions?limit=500' })).json;
    assert.equal(all.runs.length, 30);
    assert.equal(all.nextCursor, null);
    assert.equal(all.runs[0].id, 'run029');
    const failed = (await request(port, { path: '/api/executions?status=failed' })).json.runs;
    assert.deepEqual(failed.map((r: { id: string }) => r.id), ['run025', 'run020', 'run015', 'run010', 'run005', 'run000']);
    const both = (await request(port, { path: '/api/executions?status=failed,succeeded&profile=release&script=' + encodeURIComponent(path.join(fx.dir, 'deploy.sh')) })).json.runs;
    assert.ok(both.length > 0 && both.every((r: { profile: string; script: string }) => r.profile === 'release' && r.script.endsWith('deploy.sh')));
    const since = (await request(port, { path: `/api/executions?since=${new Date(t0 + 25 * 60_000).toISOString()}` })).json.runs;
    assert.equal(since.length, 5);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { runs: Array<{ id: string }>; nextCursor: string | null } = (await request(port, { path: `/api/executions?limit=7${cursor ? `&cursor=${cursor}` : ''}` })).json;
      seen.push(...page.runs.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    assert.equal(seen.length, 30);
    assert.equal(new Set(seen).size, 30);

    assert.equal((await request(port, { path: '/api/executions?status=bogus' })).status, 400);
    assert.equal((await request(port, { path: '/api/executions?cursor=nope' })).status, 400);
    assert.equal((await request(port, { path: '/api/executions?since=yesterday-ish' })).status, 400);
    assert.equal((await request(port, { path: '/api/executions?limit=-3' })).status, 400);
  });

  it('finds runs by log text (search) and lists the matching log lines', async () => {
    const runs = (await request(port, { path: '/api/executions?search=disk%20full' })).json.runs;
    assert.deepEqual(runs.map((r: { id: string }) => r.id), ['run007']);
    const hits = (await request(port, { path: '/api/logs/search?q=DISK%20FULL' })).json.hits;
    assert.deepEqual(hits, [{ runId: 'run007', line: 2, stream: 'stdout', text: 'ERROR: disk full on /dev/sda1', step: ['Build'] }]);
    assert.equal((await request(port, { path: '/api/logs/search?q=' })).status, 400);
  });

  it('returns a run record, 404 for an unknown id, and its log from a line', async () => {
    const run = (await request(port, { path: '/api/executions/run007' })).json;
    assert.equal(run.id, 'run007');
    assert.equal(run.steps[0].name, 'Build');
    assert.equal((await request(port, { path: '/api/executions/nosuch' })).status, 404);
    const log = (await request(port, { path: '/api/executions/run007/log?from=2&limit=5' })).json;
    assert.deepEqual(log.lines.map((l: { text: string }) => l.text), ['ERROR: disk full on /dev/sda1', 'end']);
    assert.equal(log.nextFrom, 4);
    assert.equal((await request(port, { path: '/api/executions/nosuch/log' })).status, 404);
    assert.equal((await request(port, { path: '/api/executions/run007/log?from=x' })).status, 400);
  });

  it('answers statistics per script and per step', async () => {
    const stats = (await request(port, { path: '/api/statistics' })).json;
    assert.equal(stats.scripts.length, 2);
    assert.equal(stats.scripts.reduce((n: number, s: { runs: number }) => n + s.runs, 0), 30);
    assert.ok(stats.steps.some((s: { name: string; count: number }) => s.name === 'Build' && s.count > 0));
    const one = (await request(port, { path: `/api/statistics?script=${encodeURIComponent(path.join(fx.dir, 'build.sh'))}` })).json;
    assert.equal(one.scripts.length, 1);
    // The latest durations, oldest first, for the panel's trend chart (storeRun's steps take 9 ms).
    const build = one.steps.find((s: { name: string }) => s.name === 'Build');
    assert.ok(Array.isArray(build.lastDurationsMs));
    assert.equal(build.lastDurationsMs.length, Math.min(build.count, 20));
    assert.ok(build.lastDurationsMs.every((d: number) => d === 9));
  });

  it('answers what a run can expect from the runs of its script before it, 404 for an unknown run', async () => {
    // run029 (build.sh) started after many succeeded build.sh runs; run001 is the first build.sh run.
    const r = await request(port, { path: '/api/executions/run029/expectations' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.runId, 'run029');
    assert.equal(r.json.expectations.basedOnRuns, 5);
    assert.deepEqual(r.json.expectations.steps.map((s: { name: string; meanMs: number }) => [s.name, s.meanMs]), [['Build', 9]]);
    assert.equal(r.json.expectations.meanRunMs, 12);
    const first = await request(port, { path: '/api/executions/run001/expectations' });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.expectations, null, 'no history before the first run');
    const unknown = await request(port, { path: '/api/executions/nosuch/expectations' });
    assert.equal(unknown.status, 404);
    assert.match(unknown.json.error.message, /no run with id "nosuch"/);
  });

  it('refuses the statistics and expectations endpoints without the token, like the others', async () => {
    for (const p of ['/api/statistics', '/api/executions/run029/expectations', '/api/executions/nosuch/expectations']) {
      const r = await request(port, { path: p, token: null });
      assert.equal(r.status, 401, p);
      assert.equal(r.json.error.code, 'unauthorized', p);
      assert.equal(r.json.expectations, undefined, p);
    }
  });
});

describe('server REST API: starting and cancelling runs', () => {
  let fx: Fixture;
  let port: number;
  let script: string;

  before(async () => {
    fx = await startFixture();
    port = fx.server.port;
    script = path.join(fx.dir, 'hello.sh');
    fs.writeFileSync(script, '#!/usr/bin/env bash\necho "STEP_START:Hello"\necho hi\necho "STEP_COMPLETE:Hello"\n', { mode: 0o755 });
  });

  after(() => fx.close());

  it('starts a run, which finishes and is stored', async () => {
    const live = new LiveClient(port);
    await live.opened;
    live.send({ kind: 'notification', method: 'live/subscribe', params: { runId: null } });
    await live.next((m) => m.method === 'live/subscribed'); // subscribed before the run starts
    const started = await postJson(port, '/api/executions', { script, args: ['a b'], cwd: fx.dir });
    assert.equal(started.status, 201, started.text);
    const id = started.json.id;
    await live.next((m) => m.method === 'live/events' && m.params.events.some((e: { type: string; runId: string }) => e.type === 'runFinished' && e.runId === id));
    live.close();
    const run = (await request(port, { path: `/api/executions/${id}` })).json;
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(run.args, ['a b']);
    assert.equal(run.steps[0].name, 'Hello');
    const cancelFinished = await request(port, { method: 'POST', path: `/api/executions/${id}/cancel` });
    assert.equal(cancelFinished.status, 409);
  });

  it('cancels a running run; unknown runs are 404', async () => {
    const slow = path.join(fx.dir, 'slow.sh');
    fs.writeFileSync(slow, '#!/usr/bin/env bash\necho "STEP_START:Wait"\nsleep 30\n', { mode: 0o755 });
    const live = new LiveClient(port);
    await live.opened;
    live.send({ kind: 'notification', method: 'live/subscribe', params: { runId: null } });
    await live.next((m) => m.method === 'live/subscribed');
    const { json } = await postJson(port, '/api/executions', { script: slow });
    assert.equal(typeof json.id, 'string');
    await live.next((m) => m.method === 'live/events' && m.params.events.some((e: { type: string; runId: string }) => e.type === 'stepStarted' && e.runId === json.id));
    const r = await request(port, { method: 'POST', path: `/api/executions/${json.id}/cancel` });
    assert.equal(r.status, 200, r.text);
    const done = await live.next((m) => m.method === 'live/events' && m.params.events.some((e: { type: string; runId: string }) => e.type === 'runFinished' && e.runId === json.id));
    assert.equal(done.params.events.find((e: { type: string; runId: string }) => e.type === 'runFinished' && e.runId === json.id).status, 'cancelled');
    live.close();
    assert.equal((await request(port, { method: 'POST', path: '/api/executions/nosuch/cancel' })).status, 404);
  });

  it('refuses an unknown profile with 400', async () => {
    const r = await postJson(port, '/api/executions', { script, profile: 'no-such-profile' });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /unknown profile/);
  });
});
