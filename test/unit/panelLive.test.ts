// The VS Code history panel's live feed (extension/panelLive.ts) against the webview's own
// LiveDemux: every live/subscribe is acknowledged with the model's records of that moment,
// so a snapshot the model fired while the subscription was on its way is not lost, and the
// ack's seq lines up with the events posted before it.
import { strict as assert } from 'node:assert';
import { PanelLiveFeed, type PanelRunSource } from '../../extension/panelLive';
import type { RunEvent } from '../../sidecar/protocol/events';
import { LiveSubscribe, LiveSubscribed, LiveUnsubscribe } from '../../sidecar/protocol/live';
import type { RunRecord } from '../../sidecar/protocol/model';
import type { LiveListener } from '../../webview/dataSource';
import { LiveDemux } from '../../webview/liveDemux';

const record = (id: string, status: RunRecord['status']) => ({ id, status, steps: [], artifacts: [] }) as unknown as RunRecord;
const finished = (runId: string): RunEvent => ({ type: 'runFinished', runId, status: 'succeeded', exitCode: 0, signal: null, endedAt: 2, durationMs: 1, lineCount: 0, error: null });

/** A RunsModel stand-in: what it holds now, and stored runs it does not hold. */
function fakeModel(held: RunRecord[], stored: RunRecord[] = []) {
  const runs = new Map(held.map((r) => [r.id, r]));
  let answerFetch: () => void = () => {};
  const source: PanelRunSource = {
    recent: () => [...runs.values()],
    known: (id) => runs.get(id),
    // Answers only when the test says so: the sidecar's reply is on its way meanwhile.
    fetch: (id) => new Promise((resolve) => (answerFetch = () => resolve(stored.find((r) => r.id === id) ?? null))),
  };
  return { runs, source, answerFetch: () => answerFetch() };
}

/** The webview side: a LiveDemux whose listener logs what the views would apply. */
function webview(feed: () => PanelLiveFeed) {
  const log: string[] = [];
  const posted: unknown[] = [];
  const demux = new LiveDemux((subscribe, runId) => feed().receive((subscribe ? LiveSubscribe : LiveUnsubscribe).create({ runId })));
  const listener: LiveListener = {
    events: ({ seq, events }) => log.push(`events ${seq} ${events.map((e) => `${e.type}:${e.runId}`).join(',')}`),
    snapshot: ({ runs }) => log.push(`snapshot ${runs.map((r) => `${r.id}:${r.status}`).join(',')}`),
    resync: () => log.push('resync'),
  };
  const deliver = (message: unknown) => {
    posted.push(message);
    demux.receive(message);
  };
  return { log, posted, demux, listener, deliver };
}

describe('history panel live feed (extension/panelLive.ts)', () => {
  it('acknowledges a subscription to all runs with the model\'s records, including a snapshot fired just before it', () => {
    const model = fakeModel([record('r1', 'running')]);
    let feed!: PanelLiveFeed;
    const view = webview(() => feed);
    feed = new PanelLiveFeed(model.source, view.deliver, 10_000);
    // A `stepflow run` in a terminal finishes while the webview's subscribe is in flight:
    // the model already holds the new record when the panel sees the snapshot — nobody follows yet.
    model.runs.set('r1', record('r1', 'succeeded'));
    feed.snapshot([record('r1', 'succeeded')]);
    assert.deepEqual(view.posted, [], 'nobody subscribed: nothing posted');
    view.demux.add(null, view.listener);
    assert.deepEqual(view.log, ['snapshot r1:succeeded'], 'the ack carries the finished run');
    assert.ok(LiveSubscribed.is(view.posted[0]));
    feed.dispose();
  });

  it('posts queued events before the ack, whose seq covers them, so the view sees no gap', () => {
    const model = fakeModel([record('r1', 'running'), record('r2', 'running')]);
    let feed!: PanelLiveFeed;
    const view = webview(() => feed);
    feed = new PanelLiveFeed(model.source, view.deliver, 10_000);
    view.demux.add(null, view.listener);
    feed.event(finished('r2'));
    model.runs.set('r2', record('r2', 'succeeded'));
    const one = webview(() => feed);
    view.demux.add('r1', one.listener); // same channel, another target
    assert.deepEqual(view.log, ['snapshot r1:running,r2:running', 'events 1 runFinished:r2']);
    assert.deepEqual(one.log, ['snapshot r1:running']);
    const ack = view.posted.at(-1);
    assert.ok(LiveSubscribed.is(ack));
    assert.equal(ack.params.seq, 1, 'the last events seq posted before the ack');
    assert.ok(!view.log.includes('resync'));
    feed.dispose();
  });

  it('fetches a run the model does not hold and acknowledges once the answer is there', async () => {
    const model = fakeModel([], [record('old', 'failed')]);
    let feed!: PanelLiveFeed;
    const view = webview(() => feed);
    feed = new PanelLiveFeed(model.source, view.deliver, 10_000);
    const acked = new Promise<void>((resolve) => {
      const listener: LiveListener = { ...view.listener, snapshot: (p) => (view.listener.snapshot(p), resolve()) };
      view.demux.add('old', listener);
    });
    assert.deepEqual(view.posted, [], 'no ack before the stored record is known');
    model.answerFetch();
    await acked;
    assert.deepEqual(view.log, ['snapshot old:failed']);
    feed.dispose();
  });

  it('sends events only to followed targets, and output lines only to that run\'s subscribers', () => {
    const model = fakeModel([record('r1', 'running')]);
    let feed!: PanelLiveFeed;
    const view = webview(() => feed);
    feed = new PanelLiveFeed(model.source, view.deliver, 10_000);
    const output: RunEvent = { type: 'output', runId: 'r1', stream: 'stdout', firstLine: 1, lineCount: 1, text: 'x\n', at: 1 };
    feed.event(output);
    const off = view.demux.add(null, view.listener);
    feed.event(output);
    feed.snapshot([record('r1', 'running')]); // flushes what is queued first
    assert.deepEqual(view.log, ['snapshot r1:running', 'snapshot r1:running'], 'no output line for the all-runs view');
    off();
    feed.snapshot([record('r1', 'succeeded')]);
    assert.equal(view.log.length, 2, 'unsubscribed: nothing more');
    feed.dispose();
  });

  it('a recreated webview adopts the panel\'s running sequence; a sidecar restart starts a new one', () => {
    const model = fakeModel([record('r1', 'running')]);
    let feed!: PanelLiveFeed;
    const first = webview(() => feed);
    let deliver = first.deliver;
    feed = new PanelLiveFeed(model.source, (m) => deliver(m), 10_000);
    first.demux.add(null, first.listener);
    for (let i = 0; i < 3; i++) {
      feed.event({ type: 'stepStarted', runId: 'r1', stepId: i + 1, parentId: null, name: 'S', startedAt: 1, line: 1 } as RunEvent);
      feed.snapshot([]); // nothing to post, but...
      feed.snapshot([record('r1', 'running')]); // ...this flushes the queued event first
    }
    // The panel is hidden and shown again: a new webview (new demux) subscribes on the same panel.
    const second = webview(() => feed);
    deliver = second.deliver;
    second.demux.add(null, second.listener);
    assert.deepEqual(second.log, ['snapshot r1:running'], 'seq 3 in its first ack is no gap for a view that just started');
    feed.hello();
    feed.event(finished('r1'));
    feed.snapshot([record('r1', 'succeeded')]);
    assert.deepEqual(second.log.slice(1), ['resync', 'events 1 runFinished:r1', 'snapshot r1:succeeded'], 'after hello the sequence starts at 1 again');
    feed.dispose();
  });
});
