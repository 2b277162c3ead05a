// The extension's end of the one live feed (extension/liveRuns.ts, what RunsModel wraps):
// the ack's snapshot, ordered events, full records of other processes' runs without a
// request, and a resync (a new subscription, whose ack replaces the runs) on a seq gap.
import { strict as assert } from 'node:assert';
import { FollowedRuns } from '../../extension/liveRuns';
import type { RunEvent } from '../../sidecar/protocol/events';
import { LiveEvents, LiveHello, LiveSnapshot, LiveSubscribe, LiveSubscribed } from '../../sidecar/protocol/live';
import type { NotificationMessage } from '../../sidecar/protocol/messages';
import type { RunRecord, StepRecord } from '../../sidecar/protocol/model';

const step = (id: number, name: string): StepRecord =>
  ({ id, name, status: 'running', startedAt: 1, endedAt: null, durationMs: null, error: null, warnings: [], meta: {}, firstLine: 1, lastLine: null, children: [] }) as StepRecord;
const record = (id: string, status: RunRecord['status'], steps: StepRecord[] = []) =>
  ({ id, status, startedAt: '2026-01-01T00:00:00.000Z', steps, artifacts: [], warnings: [], meta: {} }) as unknown as RunRecord;
const started = (runId: string, stepId: number, name: string): RunEvent => ({ type: 'stepStarted', runId, stepId, parentId: null, name, path: [name], startedAt: 1, line: stepId });

function follower() {
  const sent: NotificationMessage[] = [];
  const snapshots: string[][] = [];
  const runs = new FollowedRuns((m) => sent.push(m), () => 20, { events: () => {}, snapshot: (records) => snapshots.push(records.map((r) => r.id)) });
  const names = (runId: string) => [...(runs.runs.get(runId)?.steps.values() ?? [])].map((s) => s.name);
  return { runs, sent, snapshots, names };
}

describe('extension: following the live feed (extension/liveRuns.ts)', () => {
  it('subscribes to all runs with their output, and takes the ack\'s records as the runs', async () => {
    const f = follower();
    const loaded = f.runs.subscribe();
    assert.equal(f.sent.length, 1);
    const subscribe = f.sent[0];
    assert.ok(LiveSubscribe.is(subscribe));
    assert.deepEqual(subscribe.params, { runId: null, recent: 20, output: true });
    f.runs.receive(LiveSubscribed.create({ runId: null, seq: 7, runs: [record('a', 'running', [step(1, 'Build')])] }));
    await loaded;
    assert.deepEqual(f.names('a'), ['Build']);
    assert.equal(f.runs.lastSeq, 7);
    f.runs.receive(LiveEvents.create({ seq: 8, events: [started('a', 2, 'Test')] }));
    assert.deepEqual(f.names('a'), ['Build', 'Test']);
    assert.equal(f.sent.length, 1, 'no resync without a gap');
  });

  it('takes runs of other processes as full records: no request back per run', () => {
    const f = follower();
    void f.runs.subscribe();
    f.runs.receive(LiveSubscribed.create({ runId: null, seq: 0, runs: [] }));
    for (let i = 1; i <= 4; i++) {
      const steps = Array.from({ length: i }, (_, k) => step(k + 1, `s${k + 1}`));
      f.runs.receive(LiveSnapshot.create({ runs: [record('ext', i === 4 ? 'succeeded' : 'running', steps)] }));
    }
    assert.deepEqual(f.names('ext'), ['s1', 's2', 's3', 's4']);
    assert.equal(f.runs.runs.get('ext')?.record.status, 'succeeded');
    assert.equal(f.sent.length, 1, 'four updates of the run, and nothing sent but the one subscription');
  });

  it('resyncs on a gap in the events\' seq: subscribes again, and the ack replaces what was missed', () => {
    const f = follower();
    void f.runs.subscribe();
    f.runs.receive(LiveSubscribed.create({ runId: null, seq: 0, runs: [record('a', 'running')] }));
    f.runs.receive(LiveEvents.create({ seq: 1, events: [started('a', 1, 'one')] }));
    // seq 2 (step "two") is lost on the way.
    f.runs.receive(LiveEvents.create({ seq: 3, events: [started('a', 3, 'three')] }));
    assert.equal(f.sent.length, 2, 'a second subscription');
    assert.ok(LiveSubscribe.is(f.sent[1]));
    assert.equal(f.runs.resyncs, 1);
    // Another gap while the resync is in flight asks for nothing more: the ack is on its way.
    f.runs.receive(LiveEvents.create({ seq: 5, events: [] }));
    assert.equal(f.sent.length, 2);
    f.runs.receive(LiveSubscribed.create({ runId: null, seq: 5, runs: [record('a', 'running', [step(1, 'one'), step(2, 'two'), step(3, 'three')])] }));
    assert.deepEqual(f.names('a'), ['one', 'two', 'three'], 'the lost step is there');
    f.runs.receive(LiveEvents.create({ seq: 6, events: [started('a', 4, 'four')] }));
    assert.deepEqual(f.names('a'), ['one', 'two', 'three', 'four']);
    assert.equal(f.sent.length, 2, 'in sequence again');
  });

  it('subscribes again when a new sidecar says hello, and follows its new sequence', () => {
    const f = follower();
    void f.runs.subscribe();
    f.runs.receive(LiveSubscribed.create({ runId: null, seq: 0, runs: [] }));
    f.runs.receive(LiveEvents.create({ seq: 1, events: [] }));
    f.runs.receive(LiveHello.create({ server: 'stepflow', version: 'lsp' }));
    assert.equal(f.sent.length, 2);
    f.runs.receive(LiveSubscribed.create({ runId: null, seq: 0, runs: [] }));
    f.runs.receive(LiveEvents.create({ seq: 1, events: [] }));
    assert.equal(f.runs.resyncs, 0, 'seq 1 after the new ack is no gap');
  });
});
