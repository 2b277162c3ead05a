// The duration trend in the panel and the dashboard: this run is drawn once, as "this run",
// never also as the newest point of the history it is compared with.
import { strict as assert } from 'node:assert';
import type { RunRecord, StepRecord } from '../../sidecar/protocol/model';
import type { StepStatistic } from '../../sidecar/protocol/statistics';
import { statsByPath, trendChoices } from '../../webview/runView';

const END = 1_700_000_010_000;

function step(name: string, durationMs: number, endedAt: number): StepRecord {
  return { id: 1, name, status: 'succeeded', startedAt: endedAt - durationMs, endedAt, durationMs, error: null, warnings: [], meta: {}, firstLine: 1, lastLine: 2, children: [] };
}

function run(steps: StepRecord[]): RunRecord {
  return {
    id: 'r1', script: '/w/build.sh', args: [], cwd: '/w', profile: null, status: 'succeeded', exitCode: 0, signal: null,
    startedAt: new Date(END - 60_000).toISOString(), endedAt: new Date(END).toISOString(), durationMs: 60_000, lineCount: 2,
    error: null, warnings: [], meta: {}, steps, artifacts: [],
  };
}

function stat(lastDurationsMs: number[], updatedAt: number): StepStatistic {
  return {
    script: '/w/build.sh', path: ['Compile'], name: 'Compile', count: lastDurationsMs.length, meanMs: 6, minMs: Math.min(...lastDurationsMs),
    maxMs: Math.max(...lastDurationsMs), stdDevMs: 1, lastDurationsMs, updatedAt,
  };
}

describe('duration trend: this run once', () => {
  it('leaves this run’s duration out of the history when the statistics were last changed by its finish', () => {
    const [choice] = trendChoices(run([step('Compile', 7, END)]), statsByPath([stat([5, 6, 7], END)]));
    assert.deepEqual(choice!.historyMs, [5, 6]);
    assert.equal(choice!.currentMs, 7);
  });

  it('keeps the whole history when a later run changed the statistics, even with the same duration', () => {
    const [choice] = trendChoices(run([step('Compile', 7, END)]), statsByPath([stat([5, 6, 7], END + 5000)]));
    assert.deepEqual(choice!.historyMs, [5, 6, 7]);
  });

  it('has no history to draw on a step’s first succeeded run', () => {
    const [choice] = trendChoices(run([step('Compile', 7, END)]), statsByPath([stat([7], END)]));
    assert.deepEqual(choice!.historyMs, []);
  });
});
