// The WebSocket stream: subscriptions to all runs and to one run, each acknowledged with the
// target's state (live/subscribed), RunEvents of a run started through the API (the same
// vocabulary as the editor's), snapshots of runs written by other processes — also while a
// subscription is in flight — and what happens to bad client messages.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { RunEvent } from '../../sidecar/protocol/events';
import { LiveEvents, LiveHello, LiveSnapshot, LiveSubscribed } from '../../sidecar/protocol/live';
import type { RunRecord } from '../../sidecar/protocol/model';
import { Store } from '../../sidecar/store/store';
import type { LiveListener } from '../../webview/dataSource';
import { LiveDemux } from '../../webview/liveDemux';
import { LiveClient, postJson, request, startFixture, storeRun, type Fixture } from '../support/serverClient';
import { pollUntil } from '../support/poll';

const subscribe = (runId: string | null) => ({ kind: 'notification', method: 'live/subscribe', params: { runId } });
const root = path.resolve(__dirname, '..', '..');

describe('server WebSocket', () => {
  let fx: Fixture;
  let port: number;
  let script: string;
  let gate: string;

  before(async () => {
    fx = await startFixture();
    port = fx.server.port;
    gate = path.join(fx.dir, 'gate');
    script = path.join(fx.dir, 'live.sh');
    fs.writeFileSync(
      script,
      `#!/usr/bin/env bash
echo "STEP_START:One"
echo "first output"
echo "STEP_COMPLETE:One"
echo "STEP_START:Two"
while [ ! -f "${gate}" ]; do sleep 0.02; done
echo "second output"
echo "STEP_COMPLETE:Two"
`,
      { mode: 0o755 },
    );
  });

  after(() => fx.close());

  it('says hello, then streams the live events of a run started through the API', async () => {
    fs.rmSync(gate, { force: true });
    const all = new LiveClient(port);
    await all.opened;
    const hello = await all.next();
    assert.equal(hello.method, 'live/hello');
    all.send(subscribe(null));
    // The subscription is in effect once acknowledged: only then start the run.
    const allAck = await all.next((m) => m.method === 'live/subscribed');
    assert.equal(allAck.params.runId, null);
    assert.equal(allAck.params.seq, 0, 'no events were sent on this connection yet');
    const { json } = await postJson(port, '/api/executions', { script });
    const runId: string = json.id;

    // A second client follows only this run, joining while it runs: a snapshot, then output too.
    const one = new LiveClient(port);
    await one.opened;
    const seen: RunEvent[] = [];
    let seq = 0;
    let joined = false;
    while (!seen.some((e) => e.type === 'runFinished')) {
      const m = await all.next((x) => x.method === 'live/events');
      if (seq) assert.equal(m.params.seq, seq + 1, 'one sequence number per message');
      seq = m.params.seq;
      seen.push(...m.params.events.filter((e: RunEvent) => e.runId === runId));
      if (!joined && seen.some((e) => e.type === 'stepStarted' && e.name === 'Two')) {
        joined = true;
        one.send(subscribe(runId));
        const ack = await one.next((x) => x.method === 'live/subscribed');
        assert.equal(ack.params.runId, runId);
        assert.equal(ack.params.seq, 0);
        assert.equal(ack.params.runs.length, 1);
        assert.equal(ack.params.runs[0].id, runId);
        assert.equal(ack.params.runs[0].status, 'running');
        assert.deepEqual(ack.params.runs[0].steps.map((s: { name: string }) => s.name), ['One', 'Two']);
        fs.writeFileSync(gate, '');
      }
    }
    assert.equal(seen[0]?.type, 'runStarted');
    assert.equal(seen.some((e) => e.type === 'output'), false, 'output lines only go to clients of that run');
    assert.deepEqual(
      seen.filter((e) => e.type === 'stepFinished').map((e) => (e.type === 'stepFinished' ? e.stepId : 0)),
      [1, 2],
    );

    const oneSeen: RunEvent[] = [];
    while (!oneSeen.some((e) => e.type === 'runFinished')) oneSeen.push(...(await one.next((x) => x.method === 'live/events')).params.events);
    const output = oneSeen.filter((e) => e.type === 'output').map((e) => (e.type === 'output' ? e.text : '')).join('');
    assert.match(output, /second output/);
    assert.doesNotMatch(output, /first output/, 'what came before the ack is not sent again');
    assert.ok(oneSeen.every((e) => e.runId === runId));
    all.close();
    one.close();
    await Promise.all([all.closed, one.closed]);
  });

  it('sends snapshots of runs that other processes write', async () => {
    const client = new LiveClient(port);
    await client.opened;
    client.send(subscribe(null));
    // Not the hello (sent before the subscription is even read): the ack, sent when it took effect.
    const ack = await client.next((m) => m.method === 'live/subscribed');
    assert.equal(ack.params.runs.some((r: { id: string }) => r.id === 'external01'), false);
    // Another connection to the same database, as a `stepflow run` in a terminal would be.
    const other = new Store(fx.store.file);
    try {
      storeRun(other, { id: 'external01', script: path.join(fx.dir, 'ext.sh'), startedAt: Date.now() });
    } finally {
      other.close();
    }
    const snap = await client.next((m) => m.method === 'live/snapshot' && m.params.runs.some((r: { id: string }) => r.id === 'external01'));
    assert.equal(snap.params.runs.find((r: { id: string }) => r.id === 'external01').status, 'succeeded');
    client.close();
    await client.closed;
  });

  it('closes the connection on a message it does not understand', async () => {
    const client = new LiveClient(port);
    await client.opened;
    client.ws.send('{"kind":"notification","method":"live/subscribe","params":{"runId":42}}');
    assert.equal((await client.closed).code, 1003);
    const junk = new LiveClient(port);
    await junk.opened;
    junk.ws.send('not json');
    assert.equal((await junk.closed).code, 1003);
  });

  it('counts its clients in the metrics', async () => {
    // Other tests' clients may still be closing on the server side: compare against this
    // test's own clients only, each counted once the hub has greeted it.
    const a = new LiveClient(port);
    const b = new LiveClient(port);
    await Promise.all([a.next((m) => m.method === 'live/hello'), b.next((m) => m.method === 'live/hello')]);
    const withBoth = fx.server.hub.clientCount;
    assert.ok(withBoth >= 2, `${withBoth} clients`);
    const metrics = async () => (await request(port, { path: '/api/health/metrics' })).json.websocket.clients as number;
    a.close();
    await a.closed;
    // The server learns of the close on its own socket a moment later: no event to wait on
    // from here, so poll the count (with the generous overall limit of waitUntil).
    await pollUntil(() => fx.server.hub.clientCount <= withBoth - 1, 'the hub to drop the closed client');
    assert.equal(await metrics(), fx.server.hub.clientCount);
    assert.ok(fx.server.hub.clientCount >= 1, 'b is still counted');
    b.close();
    await b.closed;
  });

  it('never loses a run another process writes while a subscription is in flight (race, many rounds)', async function () {
    this.timeout(120_000);
    // A separate process writes a run at the same moment as each new client subscribes. The
    // run may commit before the subscription takes effect (then it is in the ack) or after
    // it (then the watcher sends a snapshot): either way the client ends up with the
    // finished run. Before live/subscribed existed, a commit the watcher saw just before the
    // subscription was read reached nobody.
    const writer = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test', 'support', 'storeWriter.ts'), fx.store.file, 'onrequest', '0', 'race'], {
      cwd: root,
      stdio: 'pipe',
    });
    let stderr = '';
    writer.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const wrote = new Map<string, () => void>();
    const lines = readline.createInterface({ input: writer.stdout });
    const ready = new Promise<void>((resolve, reject) => {
      lines.on('line', (line) => {
        if (line === 'ready') resolve();
        const id = /^wrote (\S+)$/.exec(line)?.[1];
        if (id) wrote.get(id)?.();
      });
      writer.on('exit', (code) => reject(new Error(`writer exited (${code}): ${stderr}`)));
    });
    const paths = { ack: 0, snapshot: 0 };
    try {
      await ready;
      const ROUNDS = 40;
      for (let i = 0; i < ROUNDS; i++) {
        const id = `race-${i}`;
        const client = new LiveClient(port);
        await client.opened;
        const committed = new Promise<void>((resolve) => wrote.set(id, resolve));
        // Both at once: which one wins is up to the two processes and the scheduler.
        writer.stdin.write(`write ${id}\n`);
        client.send(subscribe(null));
        const ack = await client.next((m) => m.method === 'live/subscribed');
        let latest: RunRecord | undefined = ack.params.runs.find((r: RunRecord) => r.id === id);
        if (latest?.status === 'succeeded') paths.ack += 1;
        await committed;
        // Whatever the ack did not have yet must follow as a snapshot (the watcher polls).
        while (latest?.status !== 'succeeded') {
          const snap = await client.next((m) => m.method === 'live/snapshot' && m.params.runs.some((r: RunRecord) => r.id === id), 15_000).catch(() => null);
          assert.ok(snap, `round ${i}: run ${id} was ${latest ? `last seen ${latest.status}` : 'never seen'} (lost)`);
          latest = snap.params.runs.find((r: RunRecord) => r.id === id);
          if (latest?.status === 'succeeded') paths.snapshot += 1;
        }
        assert.equal(latest.steps.length, 2, 'the whole run (storeWriter: two top-level steps)');
        client.close();
        await client.closed;
      }
      assert.equal(paths.ack + paths.snapshot, ROUNDS, JSON.stringify(paths));
    } finally {
      writer.stdin.end();
      writer.kill();
    }
  });
});

describe('live/subscribed in the views (LiveDemux)', () => {
  const record = (id: string, status: RunRecord['status'] = 'running') => ({ id, status, steps: [] }) as unknown as RunRecord;
  const recorder = () => {
    const log: string[] = [];
    const listener: LiveListener = {
      events: ({ seq, events }) => log.push(`events ${seq} ${events.map((e) => e.runId).join(',')}`),
      snapshot: ({ runs }) => log.push(`snapshot ${runs.map((r) => `${r.id}:${r.status}`).join(',')}`),
      resync: () => log.push('resync'),
    };
    return { log, listener };
  };
  const sent: string[] = [];
  const demux = () => new LiveDemux((sub, runId) => sent.push(`${sub ? 'subscribe' : 'unsubscribe'} ${runId}`));

  it('hands the ack\'s records to the listeners of that target as a snapshot', () => {
    const d = demux();
    const all = recorder();
    const one = recorder();
    d.add(null, all.listener);
    d.add('r1', one.listener);
    assert.equal(d.receive(LiveHello.create({ server: 'stepflow', version: 't' })), true);
    assert.equal(d.receive(LiveSubscribed.create({ runId: null, seq: 0, runs: [record('r2', 'succeeded'), record('r1')] })), true);
    assert.equal(d.receive(LiveSubscribed.create({ runId: 'r1', seq: 0, runs: [record('r1')] })), true);
    d.receive(LiveEvents.create({ seq: 1, events: [{ type: 'runFinished', runId: 'r1', status: 'succeeded', exitCode: 0, signal: null, endedAt: 2, durationMs: 1, lineCount: 0, error: null }] }));
    assert.deepEqual(all.log, ['snapshot r2:succeeded,r1:running', 'events 1 r1']);
    assert.deepEqual(one.log, ['snapshot r1:running', 'events 1 r1']);
  });

  it('resyncs when the ack\'s seq shows that events were lost before it', () => {
    const d = demux();
    const all = recorder();
    d.add(null, all.listener);
    d.receive(LiveEvents.create({ seq: 1, events: [] }));
    d.receive(LiveSubscribed.create({ runId: null, seq: 3, runs: [] }));
    assert.deepEqual(all.log, ['resync']);
    // In step again: the next events message follows the ack's seq without another resync.
    d.receive(LiveEvents.create({ seq: 4, events: [{ type: 'output', runId: 'x', stream: 'stdout', firstLine: 1, lineCount: 1, text: 'a', at: 1 }] }));
    assert.deepEqual(all.log, ['resync'], 'output lines do not go to the all-runs listener');
  });

  it('after a reconnect, reloads a target when its ack arrives, not before', () => {
    const d = demux();
    const one = recorder();
    d.add('r1', one.listener);
    d.receive(LiveEvents.create({ seq: 5, events: [] }));
    d.receive(LiveHello.create({ server: 'stepflow', version: 't' })); // the new connection
    const before = one.log.length;
    d.resyncWhenAcknowledged(d.targets());
    assert.equal(one.log.length, before, 'nothing reloads while the subscription is in flight');
    d.receive(LiveSubscribed.create({ runId: 'r1', seq: 0, runs: [record('r1', 'succeeded')] }));
    assert.deepEqual(one.log.slice(before), ['snapshot r1:succeeded', 'resync']);
    d.receive(LiveSubscribed.create({ runId: 'r1', seq: 0, runs: [] }));
    assert.deepEqual(one.log.slice(before), ['snapshot r1:succeeded', 'resync'], 'once per reconnect');
    assert.ok(LiveSnapshot.is(LiveSnapshot.create({ runs: [] })));
  });
});
