// The VS Code history panel's live side (extension/panelLive.ts) between the extension's end
// of the sidecar's feed (extension/liveRuns.ts, what RunsModel wraps) and the webview's own
// LiveDemux: the sidecar's messages are forwarded with their seq unchanged, and every
// live/subscribe of the webview is acknowledged with the model's records of that moment,
// so a snapshot the model got while the subscription was on its way is not lost.
import { strict as assert } from 'node:assert';
import { FollowedRuns } from '../../extension/liveRuns';
import { PanelLiveFeed } from '../../extension/panelLive';
import type { RunEvent } from '../../sidecar/protocol/events';
import { LiveEvents, LiveHello, LiveSnapshot, LiveSubscribe, LiveSubscribed, LiveUnsubscribe } from '../../sidecar/protocol/live';
import type { NotificationMessage } from '../../sidecar/protocol/messages';
import type { RunRecord } from '../../sidecar/protocol/model';
import type { LiveListener } from '../../webview/dataSource';
import { LiveDemux } from '../../webview/liveDemux';

const record = (id: string, status: RunRecord['status'], startedAt = '2026-01-01T00:00:00.000Z') =>
  ({ id, status, startedAt, steps: [], artifacts: [] }) as unknown as RunRecord;
const finished = (runId: string): RunEvent => ({ type: 'runFinished', runId, status: 'succeeded', exitCode: 0, signal: null, endedAt: 2, durationMs: 1, lineCount: 0, error: null });
const output = (runId: string): RunEvent => ({ type: 'output', runId, stream: 'stdout', firstLine: 1, lineCount: 1, text: 'x\n', at: 1 });

/**
 * The extension: the model (FollowedRuns, as RunsModel) fed by a scripted sidecar, and the
 * panel forwarding what the model received — as historyPanel.ts wires them.
 */
function extension(stored: RunRecord[] = []) {
  const toSidecar: NotificationMessage[] = [];
  const model = new FollowedRuns((m) => toSidecar.push(m), () => 20, { events: () => {}, snapshot: () => {} });
  let answerFetch: () => void = () => {};
  let post: (message: unknown) => void = () => {};
  const panel = new PanelLiveFeed(
    {
      recent: () => [...model.runs.values()].map((r) => r.record),
      known: (id) => model.runs.get(id)?.record,
      // Answers only when the test says so: the sidecar's reply is on its way meanwhile.
      fetch: (id) => new Promise((resolve) => (answerFetch = () => resolve(stored.find((r) => r.id === id) ?? null))),
      lastSeq: () => model.lastSeq,
    },
    (message) => post(message),
  );
  /** One message from the sidecar's hub, through the model to the panel. */
  const sidecar = (message: NotificationMessage) => {
    if (model.receive(message)) panel.forward(message);
  };
  return { model, panel, sidecar, toSidecar, answerFetch: () => answerFetch(), setPost: (p: (m: unknown) => void) => (post = p) };
}

/** The webview side: a LiveDemux whose listener logs what the views would apply. */
function webview(ext: ReturnType<typeof extension>) {
  const log: string[] = [];
  const posted: unknown[] = [];
  const demux = new LiveDemux((subscribe, runId) => ext.panel.receive((subscribe ? LiveSubscribe : LiveUnsubscribe).create({ runId })));
  const listener: LiveListener = {
    events: ({ seq, events }) => log.push(`events ${seq} ${events.map((e) => `${e.type}:${e.runId}`).join(',')}`),
    snapshot: ({ runs }) => log.push(`snapshot ${runs.map((r) => `${r.id}:${r.status}`).join(',')}`),
    resync: () => log.push('resync'),
  };
  ext.setPost((message) => {
    posted.push(message);
    demux.receive(message);
  });
  return { log, posted, demux, listener };
}

describe('history panel live feed (extension/panelLive.ts)', () => {
  it('acknowledges a subscription to all runs with the model\'s records, including a snapshot that arrived just before it', () => {
    const ext = extension();
    ext.sidecar(LiveSubscribed.create({ runId: null, seq: 0, runs: [record('r1', 'running')] }));
    const view = webview(ext);
    // A `stepflow run` in a terminal finishes while the webview's subscribe is in flight:
    // the model takes the snapshot, the panel has nobody to post it to.
    ext.sidecar(LiveSnapshot.create({ runs: [record('r1', 'succeeded')] }));
    assert.deepEqual(view.posted, [], 'nobody subscribed: nothing posted');
    view.demux.add(null, view.listener);
    assert.deepEqual(view.log, ['snapshot r1:succeeded'], 'the ack carries the finished run');
    assert.ok(LiveSubscribed.is(view.posted[0]));
  });

  it('forwards the sidecar\'s events with their seq unchanged; an ack\'s seq is the last one the model applied', () => {
    const ext = extension();
    ext.sidecar(LiveSubscribed.create({ runId: null, seq: 4, runs: [record('r1', 'running'), record('r2', 'running')] }));
    const view = webview(ext);
    view.demux.add(null, view.listener);
    ext.sidecar(LiveEvents.create({ seq: 5, events: [finished('r2')] }));
    const one = { ...view.listener, events: () => {}, snapshot: ({ runs }: { runs: RunRecord[] }) => view.log.push(`one ${runs.map((r) => `${r.id}:${r.status}`).join(',')}`) };
    view.demux.add('r2', one); // same channel, another target
    assert.deepEqual(view.log, ['snapshot r1:running,r2:running', 'events 5 runFinished:r2', 'one r2:succeeded']);
    const ack = view.posted.at(-1);
    assert.ok(LiveSubscribed.is(ack));
    assert.equal(ack.params.seq, 5, 'the seq of the last events message the model applied');
    const forwarded = view.posted[1];
    assert.ok(LiveEvents.is(forwarded));
    assert.equal(forwarded.params.seq, 5, 'the sidecar\'s own seq: no sequence of the panel\'s');
    assert.ok(!view.log.includes('resync'));
  });

  it('fetches a run the model does not hold and acknowledges once the answer is there', async () => {
    const ext = extension([record('old', 'failed')]);
    const view = webview(ext);
    const acked = new Promise<void>((resolve) => {
      const listener: LiveListener = { ...view.listener, snapshot: (p) => (view.listener.snapshot(p), resolve()) };
      view.demux.add('old', listener);
    });
    assert.deepEqual(view.posted, [], 'no ack before the stored record is known');
    ext.answerFetch();
    await acked;
    assert.deepEqual(view.log, ['snapshot old:failed']);
  });

  it('passes output lines only to that run\'s subscribers, and keeps the sequence whole when it leaves nothing out', () => {
    const ext = extension();
    ext.sidecar(LiveSubscribed.create({ runId: null, seq: 0, runs: [record('r1', 'running')] }));
    const view = webview(ext);
    ext.sidecar(LiveEvents.create({ seq: 1, events: [output('r1')] }));
    assert.deepEqual(view.posted, [], 'nobody subscribed: nothing posted');
    const off = view.demux.add(null, view.listener);
    ext.sidecar(LiveEvents.create({ seq: 2, events: [output('r1')] }));
    ext.sidecar(LiveEvents.create({ seq: 3, events: [output('r1'), finished('r1')] }));
    assert.deepEqual(view.log, ['snapshot r1:running', 'events 3 runFinished:r1'], 'no output line for the all-runs view, and no resync');
    const posted = view.posted.filter((m) => LiveEvents.is(m)) as Array<NotificationMessage<{ seq: number; events: RunEvent[] }>>;
    assert.deepEqual(posted.map((m) => [m.params.seq, m.params.events.length]), [[2, 0], [3, 1]]);
    off();
    ext.sidecar(LiveSnapshot.create({ runs: [record('r1', 'succeeded')] }));
    assert.equal(view.log.length, 2, 'unsubscribed: nothing more');
  });

  it('a recreated webview adopts the running sequence; a new sidecar (live/hello) starts a new one', () => {
    const ext = extension();
    ext.sidecar(LiveSubscribed.create({ runId: null, seq: 0, runs: [record('r1', 'running')] }));
    const first = webview(ext);
    first.demux.add(null, first.listener);
    for (let seq = 1; seq <= 3; seq++) ext.sidecar(LiveEvents.create({ seq, events: [{ type: 'stepStarted', runId: 'r1', stepId: seq, parentId: null, name: 'S', startedAt: 1, line: 1 }] }));
    // The panel is hidden and shown again: a new webview (new demux) subscribes on the same panel.
    const second = webview(ext);
    second.demux.add(null, second.listener);
    assert.deepEqual(second.log, ['snapshot r1:running'], 'seq 3 in its first ack is no gap for a view that just started');
    ext.sidecar(LiveHello.create({ server: 'stepflow', version: 'lsp' }));
    assert.ok(LiveSubscribe.is(ext.toSidecar.at(-1)), 'the model subscribes to the new sidecar');
    ext.sidecar(LiveSubscribed.create({ runId: null, seq: 0, runs: [record('r1', 'running')] }));
    ext.sidecar(LiveEvents.create({ seq: 1, events: [finished('r1')] }));
    assert.deepEqual(second.log.slice(1), ['resync', 'snapshot r1:running', 'events 1 runFinished:r1'], 'after hello the sequence starts at 1 again');
  });
});
