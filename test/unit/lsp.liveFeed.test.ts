// The one live feed on the language-server connection (sidecar/server/liveHub.ts served by
// sidecar/lsp/server.ts): the editor subscribes, the ack carries a snapshot, the sidecar's
// own runs arrive as ordered events (seq +1 per message, step events with their path), and a
// run a real `stepflow run` process writes arrives as full records — the client sends nothing
// but its subscription, where it used to ask back twice per run and update.
// Real processes: the built sidecar and CLI (npm run build first); waits are on messages.
import { strict as assert } from 'node:assert';
import { runCli, tempDir, writeScript } from '../support/cli';
import { LspClient } from '../support/lspClient';
import type { RunEvent } from '../../sidecar/protocol/events';
import { LiveEvents, LiveHello, LiveSnapshot, LiveSubscribe, LiveSubscribed, type EventsParams, type SnapshotParams, type SubscribedParams } from '../../sidecar/protocol/live';
import type { RunRecord } from '../../sidecar/protocol/model';
import { RunRequest } from '../../sidecar/protocol/lsp';

type Received = { method: string; params: unknown };

/** Collects the live messages the sidecar sends, and lets a test wait for one. */
function listen(client: LspClient) {
  const messages: Received[] = [];
  const waiters: Array<{ test: (m: Received) => boolean; resolve: (m: Received) => void }> = [];
  for (const method of [LiveHello.method, LiveSubscribed.method, LiveEvents.method, LiveSnapshot.method]) {
    client.connection.onNotification(method, (params: unknown) => {
      const message = { method, params };
      messages.push(message);
      for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]!.test(message)) waiters.splice(i, 1)[0]!.resolve(message);
    });
  }
  const until = (test: (m: Received) => boolean): Promise<Received> =>
    new Promise((resolve) => {
      const found = messages.find(test);
      if (found) resolve(found);
      else waiters.push({ test, resolve });
    });
  return { messages, until };
}

const snapshotOf = (m: Received, test: (r: RunRecord) => boolean) => m.method === LiveSnapshot.method && (m.params as SnapshotParams).runs.some(test);

describe('language server: the one live feed', function () {
  this.timeout(60_000);
  let home: string;
  let client: LspClient;
  let feed: ReturnType<typeof listen>;

  beforeEach(async () => {
    home = tempDir();
    client = await LspClient.start(home);
    feed = listen(client);
  });

  afterEach(async () => {
    await client.stop();
  });

  it('acknowledges the subscription with the runs as they are, then sends its own runs as ordered events with step paths', async () => {
    const dir = tempDir();
    const script = writeScript(dir, 'nested.sh', '#!/bin/sh\necho STEP_START:Build\necho STEP_START:Compile\necho STEP_COMPLETE:Compile\necho STEP_COMPLETE:Build\n');
    await client.connection.sendNotification(LiveSubscribe.method, { runId: null, output: true });
    const ack = await feed.until((m) => m.method === LiveSubscribed.method);
    assert.deepEqual((ack.params as SubscribedParams).runs, [], 'an empty database');
    const { runId } = (await client.connection.sendRequest(RunRequest.method, { script })) as { runId: string };
    await feed.until((m) => m.method === LiveEvents.method && (m.params as EventsParams).events.some((e) => e.type === 'runFinished' && e.runId === runId));
    const batches = feed.messages.filter((m) => m.method === LiveEvents.method).map((m) => m.params as EventsParams);
    assert.deepEqual(batches.map((b) => b.seq), batches.map((_, i) => (ack.params as SubscribedParams).seq + i + 1), 'seq +1 per message, from the ack on');
    const events: RunEvent[] = batches.flatMap((b) => b.events);
    const paths = events.flatMap((e) => (e.type === 'stepStarted' || e.type === 'stepFinished' ? [`${e.type} ${e.path?.join(' › ')}`] : []));
    assert.deepEqual(paths, ['stepStarted Build', 'stepStarted Build › Compile', 'stepFinished Build › Compile', 'stepFinished Build']);
    assert.ok(events.some((e) => e.type === 'output'), 'output lines for a subscriber that asked for them');
  });

  it('sends a run a `stepflow run` process writes as full records, without being asked', async () => {
    const dir = tempDir();
    const script = writeScript(dir, 'outside.sh', '#!/bin/sh\necho STEP_START:Fetch\necho STEP_COMPLETE:Fetch\necho STEP_START:Build\necho STEP_COMPLETE:Build\n');
    await client.connection.sendNotification(LiveSubscribe.method, { runId: null });
    await feed.until((m) => m.method === LiveSubscribed.method);
    const cli = await runCli(['run', script, '--json'], { home });
    assert.equal(cli.code, 0, cli.stderr);
    const done = await feed.until((m) => snapshotOf(m, (r) => r.script === script && r.status === 'succeeded'));
    const run = (done.params as SnapshotParams).runs.find((r) => r.script === script)!;
    assert.deepEqual(run.steps.map((s) => s.name), ['Fetch', 'Build'], 'the whole record: steps and all');
    // Nothing was asked: the only message the test sent is the subscription (no stepflow/getRun per run and update).
  });

  it('a subscriber that subscribes after the other process finished gets the run in its ack', async () => {
    const dir = tempDir();
    const script = writeScript(dir, 'before.sh', '#!/bin/sh\necho STEP_START:Only\necho STEP_COMPLETE:Only\n');
    const cli = await runCli(['run', script, '--json'], { home });
    assert.equal(cli.code, 0, cli.stderr);
    await client.connection.sendNotification(LiveSubscribe.method, { runId: null, recent: 5 });
    const ack = await feed.until((m) => m.method === LiveSubscribed.method);
    const runs = (ack.params as SubscribedParams).runs;
    assert.deepEqual(runs.map((r) => [r.script, r.status, r.steps.map((s) => s.name)]), [[script, 'succeeded', ['Only']]]);
  });
});
