// The WebSocket stream: subscriptions to all runs and to one run, RunEvents of a run started
// through the API (the same vocabulary as the editor's), snapshots of runs written by other
// processes, and what happens to bad client messages.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunEvent } from '../../sidecar/protocol/events';
import { Store } from '../../sidecar/store/store';
import { LiveClient, postJson, startFixture, storeRun, type Fixture } from '../support/serverClient';

const subscribe = (runId: string | null) => ({ kind: 'notification', method: 'live/subscribe', params: { runId } });

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
        const snap = await one.next((x) => x.method === 'live/snapshot');
        assert.equal(snap.params.runs[0].id, runId);
        assert.deepEqual(snap.params.runs[0].steps.map((s: { name: string }) => s.name), ['One', 'Two']);
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
    assert.doesNotMatch(output, /first output/, 'what came before the snapshot is not sent again');
    assert.ok(oneSeen.every((e) => e.runId === runId));
    all.close();
    one.close();
    await Promise.all([all.closed, one.closed]);
  });

  it('sends snapshots of runs that other processes write', async () => {
    const client = new LiveClient(port);
    await client.opened;
    client.send(subscribe(null));
    await client.next((m) => m.method === 'live/hello');
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
    const before = fx.server.hub.clientCount;
    const a = new LiveClient(port);
    await a.opened;
    assert.equal(fx.server.hub.clientCount, before + 1);
    a.close();
    await a.closed;
  });
});
