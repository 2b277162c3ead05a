// withRunEvents (sidecar/protocol/runState.ts), what the history view applies a live batch
// with: the run before the batch stays as it was, everything the batch changed is a new
// object (Lit sees it by identity), and what it did not touch is shared, not copied.
import { strict as assert } from 'node:assert';
import type { RunEvent } from '../../sidecar/protocol/events';
import type { RunRecord, StepRecord } from '../../sidecar/protocol/model';
import { applyRunEvent, liveRunFromRecord, withRunEvents } from '../../sidecar/protocol/runState';

const step = (id: number, name: string, children: StepRecord[] = [], status: StepRecord['status'] = 'succeeded'): StepRecord => ({
  id, name, status, startedAt: 0, endedAt: null, durationMs: null, error: null, warnings: [], meta: {}, firstLine: id, lastLine: null, children,
});

function run(): RunRecord {
  return {
    id: 'r', script: '/s.sh', args: [], cwd: '/', profile: null, status: 'running', exitCode: null, signal: null,
    startedAt: '2026-01-01T00:00:00.000Z', endedAt: null, durationMs: null, lineCount: 3, error: null, warnings: [], meta: {}, artifacts: [],
    // 1 Setup; 2 Build { 3 Compile, 4 Link (running) }; 5 Docs
    steps: [step(1, 'Setup'), step(2, 'Build', [step(3, 'Compile'), step(4, 'Link', [], 'running')], 'running'), step(5, 'Docs')],
  };
}

describe('protocol: withRunEvents', () => {
  it('applies a batch like applyRunEvent, leaves the old run as it was, and copies only what changed', () => {
    const before = liveRunFromRecord(run());
    const frozen = structuredClone(before.record);
    const batch: RunEvent[] = [
      { type: 'meta', runId: 'r', stepId: 4, key: 'k', value: 'v' },
      { type: 'stepFinished', runId: 'r', stepId: 4, status: 'succeeded', endedAt: 9, durationMs: 9, error: null, line: 7, path: ['Build', 'Link'] },
      { type: 'stepStarted', runId: 'r', stepId: 6, parentId: 2, name: 'Package', path: ['Build', 'Package'], startedAt: 9, line: 8 },
      { type: 'output', runId: 'r', stream: 'stdout', firstLine: 8, lineCount: 2, text: 'a\nb\n', at: 9 },
      { type: 'meta', runId: 'other', stepId: null, key: 'x', value: 'y' },
    ] as RunEvent[];

    const after = withRunEvents(before, batch);
    const expected = liveRunFromRecord(run());
    for (const event of batch) applyRunEvent(expected, event);
    assert.deepEqual(after.record, expected.record);
    assert.deepEqual(after.open, [2, 6]);
    assert.deepEqual(before.record, frozen, 'the run before the batch is unchanged');
    assert.deepEqual(before.open, [2, 4]);
    assert.equal(before.steps.has(6), false);

    assert.notEqual(after.record, before.record);
    assert.notEqual(after.steps.get(4), before.steps.get(4), 'a changed step is a new object…');
    assert.notEqual(after.steps.get(2), before.steps.get(2), '…and so is each step above it');
    assert.equal(after.steps.get(1), before.steps.get(1), 'steps no event touched are shared');
    assert.equal(after.steps.get(3), before.steps.get(3));
    assert.equal(after.steps.get(5), before.steps.get(5));
    assert.equal(after.steps.get(4), after.record.steps[1]!.children[1], 'the map holds the steps of the new tree');
    assert.equal(after.steps.get(6), after.record.steps[1]!.children[2]);
    assert.equal(after.record.artifacts, before.record.artifacts, 'lists no event wrote to are shared');
  });

  it('returns the run itself for a batch of other runs', () => {
    const before = liveRunFromRecord(run());
    assert.equal(withRunEvents(before, [{ type: 'runError', runId: 'other', error: null } as unknown as RunEvent]), before);
  });
});
