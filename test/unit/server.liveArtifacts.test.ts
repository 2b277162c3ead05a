// The dashboard's live path flags artifacts the service will not serve, as the REST records
// do (sidecar/server/artifactAccess.ts): on the artifact events of a run it is running, in
// the live/subscribed ack of a run, and in snapshots of runs other processes write. Without
// the flag the dashboard offered a Download link that fetched a 403 JSON document.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArtifactEvent, RunEvent } from '../../sidecar/protocol/events';
import type { ArtifactRecord } from '../../sidecar/protocol/model';
import { Store } from '../../sidecar/store/store';
import { LiveClient, postJson, startFixture, storeRun, type Fixture } from '../support/serverClient';

const subscribe = (runId: string | null) => ({ kind: 'notification', method: 'live/subscribe', params: { runId } });
const flags = (artifacts: Array<ArtifactRecord | ArtifactEvent>) => Object.fromEntries(artifacts.map((a) => [a.description, a.outsideRun === true]));

describe('server WebSocket: artifacts outside the run are flagged live', () => {
  let fx: Fixture;
  let port: number;
  let project: string;
  let secret: string;

  before(async () => {
    fx = await startFixture();
    port = fx.server.port;
    project = path.join(fx.dir, 'project');
    const elsewhere = path.join(fx.dir, 'elsewhere');
    fs.mkdirSync(project);
    fs.mkdirSync(elsewhere);
    secret = path.join(elsewhere, 'secret.txt');
    fs.writeFileSync(secret, 'SECRET\n');
    fs.writeFileSync(
      path.join(project, 'build.sh'),
      ['echo inside > inside.txt', 'echo "STEP_START:Build"', 'echo "ARTIFACT:inside.txt:inside"', `echo "ARTIFACT:${secret}:elsewhere"`, 'echo "STEP_COMPLETE:Build"', ''].join('\n'),
      { mode: 0o755 },
    );
  });
  after(() => fx.close());

  it('on the artifact events of a run the service runs, and in the ack of a later subscriber', async () => {
    const all = new LiveClient(port);
    await all.opened;
    all.send(subscribe(null));
    await all.next((m) => m.method === 'live/subscribed');
    const started = await postJson(port, '/api/executions', { script: path.join(project, 'build.sh') });
    assert.equal(started.status, 201, started.text);
    const runId: string = started.json.id;
    const seen: RunEvent[] = [];
    while (!seen.some((e) => e.type === 'runFinished')) seen.push(...(await all.next((m) => m.method === 'live/events')).params.events.filter((e: RunEvent) => e.runId === runId));
    const artifactEvents = seen.filter((e): e is ArtifactEvent => e.type === 'artifact');
    assert.deepEqual(flags(artifactEvents), { inside: false, elsewhere: true });

    const late = new LiveClient(port);
    await late.opened;
    late.send(subscribe(runId));
    const ack = await late.next((m) => m.method === 'live/subscribed');
    assert.deepEqual(flags(ack.params.runs[0].artifacts), { inside: false, elsewhere: true });
    all.close();
    late.close();
    await Promise.all([all.closed, late.closed]);
  });

  it('in snapshots of runs another process writes', async () => {
    const client = new LiveClient(port);
    await client.opened;
    client.send(subscribe(null));
    await client.next((m) => m.method === 'live/subscribed');
    fs.writeFileSync(path.join(project, 'report.txt'), 'report\n');
    const other = new Store(fx.store.file);
    try {
      storeRun(other, { id: 'external-artifacts', script: path.join(project, 'ext.sh'), startedAt: Date.now(), artifacts: [path.join(project, 'report.txt'), secret] });
    } finally {
      other.close();
    }
    const snap = await client.next((m) => m.method === 'live/snapshot' && m.params.runs.some((r: { id: string }) => r.id === 'external-artifacts'));
    const run = snap.params.runs.find((r: { id: string }) => r.id === 'external-artifacts');
    assert.deepEqual(flags(run.artifacts), { 'artifact 0': false, 'artifact 1': true });
    client.close();
    await client.closed;
  });
});
