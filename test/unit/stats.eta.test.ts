// Progress and ETA on synthetic histories: expectations from recent successful runs (steps
// added, removed, repeated, nested), the live estimate at chosen moments, and the META
// fallback without history.
import { strict as assert } from 'node:assert';
import { buildExpectations } from '../../sidecar/stats/eta';
import { estimateProgress } from '../../sidecar/protocol/progress';
import { formatProgress, formatRemaining } from '../../sidecar/protocol/format';
import type { ExpectedStep, RunProgress } from '../../sidecar/protocol/stats';
import type { RunRecord } from '../../sidecar/protocol/model';
import { run, T0 } from '../support/runSpecs';

const shape = (list: ExpectedStep[]): unknown => list.map((e) => [e.name, Math.round(e.meanMs), e.samples, ...(e.children.length ? [shape(e.children)] : [])]);
const near = (actual: number | null, expected: number, tolerance = 1) => {
  assert.ok(actual !== null && Math.abs(actual - expected) <= tolerance, `expected ≈${expected}, got ${actual}`);
};

describe('stats: expectations from history', () => {
  it('follows the latest run, nested, with means over the recent runs that had each step', () => {
    const history = [
      // newest first
      run([['A', 0, 100], ['B', 100, 300, [['b1', 100, 100], ['b2', 200, 200]]]], { durationMs: 450 }),
      run([['A', 0, 200], ['B', 200, 500, [['b1', 200, 300], ['b2', 500, 200]]]], { durationMs: 750 }),
    ];
    const e = buildExpectations(history)!;
    assert.equal(e.basedOnRuns, 2);
    assert.equal(e.meanRunMs, 600);
    assert.equal(e.overheadMs, 50); // (450-400 + 750-700) / 2
    assert.deepEqual(shape(e.steps), [['A', 150, 2], ['B', 400, 2, [['b1', 200, 2], ['b2', 200, 2]]]]);
  });

  it('handles steps added and removed between runs, and repeated names', () => {
    const history = [
      run([['Setup', 0, 10], ['Test', 10, 100], ['Deploy', 110, 50], ['Test', 160, 300]], { durationMs: 460 }),
      run([['Setup', 0, 30], ['Lint', 30, 70], ['Test', 100, 200], ['Test', 300, 500]], { durationMs: 800 }),
      run([['Setup', 0, 20], ['Lint', 20, 80], ['Test', 100, 300]], { durationMs: 400 }),
    ];
    const e = buildExpectations(history)!;
    // Lint was removed (not expected any more); Deploy is new (one sample); the first and
    // second "Test" are different steps.
    assert.deepEqual(shape(e.steps), [['Setup', 20, 3], ['Test', 200, 3], ['Deploy', 50, 1], ['Test', 400, 2]]);
  });

  it('is null without history and uses at most the five newest runs', () => {
    assert.equal(buildExpectations([]), null);
    const history = Array.from({ length: 8 }, (_, i) => run([['A', 0, i < 5 ? 100 : 10_000]], { durationMs: i < 5 ? 100 : 10_000 }));
    const e = buildExpectations(history)!;
    assert.equal(e.basedOnRuns, 5);
    assert.equal(e.steps[0]!.meanMs, 100);
  });
});

describe('stats: progress and ETA of a running run', () => {
  // A: 1000, B: 4000 (b1 1000, b2 2000, 1000 of its own), C: 1000; overhead 1000 → 7000 in all.
  const history = [run([['A', 0, 1000], ['B', 1000, 4000, [['b1', 1000, 1000], ['b2', 2000, 2000]]], ['C', 5000, 1000]], { durationMs: 7000 })];
  const expectations = buildExpectations(history)!;
  const at = (ms: number) => T0 + ms;
  const estimate = (live: RunRecord, now: number): RunProgress => estimateProgress(live, expectations, now)!;

  it('expects the whole run before the first step', () => {
    const p = estimate(run([]), at(0));
    assert.equal(p.source, 'history');
    assert.equal(p.fraction, 0);
    assert.equal(p.remainingMs, 7000);
    assert.equal(p.overdue, false);
  });

  it('counts finished steps as done and a running one by its elapsed time against its mean', () => {
    // A done; B running for 500 ms, its children not started yet.
    const live = run([['A', 0, 1000], ['B', 1000, null]]);
    const p = estimate(live, at(1500));
    // B's remaining comes from its children (3000) plus its own 1000 spread (all left) → 4000.
    near(p.remainingMs, 4000 + 1000 + 1000 * (5000 / 6000));
    near(p.fraction! * 7000, 7000 - p.remainingMs!, 1);
    assert.equal(p.stepId, live.steps[1]!.id);
  });

  it('goes down as nested steps finish, and reports the innermost running step', () => {
    const live = run([['A', 0, 1000], ['B', 1000, null, [['b1', 1000, 1000], ['b2', 2000, null]]]]);
    const p = estimate(live, at(2500)); // b2 running for 500 of 2000
    const b2 = live.steps[1]!.children[1]!;
    assert.equal(p.stepId, b2.id);
    assert.equal(p.stepRemainingMs, 1500);
    // B: children 1500 left of 3000 → own 1000 × 0.5 = 500 → 2000; C 1000; overhead 1000 × 3000/6000.
    near(p.remainingMs, 2000 + 1000 + 500);
    assert.ok(p.fraction! > 0.45 && p.fraction! < 0.55, `fraction ${p.fraction}`);
  });

  it('is monotonic while the run goes as usual', () => {
    const snapshots: Array<[RunRecord, number]> = [
      [run([]), 0],
      [run([['A', 0, null]]), 500],
      [run([['A', 0, 1000], ['B', 1000, null]]), 1200],
      [run([['A', 0, 1000], ['B', 1000, null, [['b1', 1000, null]]]]), 1800],
      [run([['A', 0, 1000], ['B', 1000, null, [['b1', 1000, 1000], ['b2', 2000, null]]]]), 3000],
      [run([['A', 0, 1000], ['B', 1000, 4000, [['b1', 1000, 1000], ['b2', 2000, 2000]]], ['C', 5000, null]]), 5500],
      [run([['A', 0, 1000], ['B', 1000, 4000, [['b1', 1000, 1000], ['b2', 2000, 2000]]], ['C', 5000, 1000]]), 6200],
    ];
    let last = -1;
    let lastRemaining = Infinity;
    for (const [live, ms] of snapshots) {
      const p = estimate(live, at(ms));
      assert.ok(p.fraction! >= last, `fraction ${p.fraction} after ${last} at ${ms}`);
      assert.ok(p.remainingMs! <= lastRemaining, `remaining ${p.remainingMs} after ${lastRemaining} at ${ms}`);
      last = p.fraction!;
      lastRemaining = p.remainingMs!;
    }
    assert.ok(last > 0.8);
  });

  it('treats an expected step the run skipped (removed from the script) as done', () => {
    // B never ran: C already started.
    const p = estimate(run([['A', 0, 1000], ['C', 1000, null]]), at(1500));
    near(p.remainingMs, 500 + 1000 * (500 / 6000));
    assert.ok(p.fraction! > 0.85);
  });

  it('counts a step history does not know by its META:ESTIMATED_DURATION', () => {
    const live = run([['A', 0, 1000], ['New', 1000, null, [], { ESTIMATED_DURATION: '3' }]]);
    const p = estimate(live, at(2000));
    assert.equal(p.stepId, live.steps[1]!.id);
    assert.equal(p.stepRemainingMs, 2000);
    // B and C still to come (5000) + New's 2000 + overhead share.
    near(p.remainingMs, 5000 + 2000 + 1000 * (5000 / 6000));
  });

  it('flags a step that runs longer than usual and trusts META:PROGRESS over the mean', () => {
    const overdue = estimate(run([['A', 0, null]]), at(3000));
    assert.equal(overdue.overdue, true);
    assert.equal(overdue.stepRemainingMs, 0);
    assert.equal(formatRemaining(0, overdue.overdue), 'longer than usual');
    const withProgress = estimate(run([['A', 0, null, [], { PROGRESS: '25' }]]), at(400));
    assert.equal(withProgress.stepRemainingMs, 1200); // 400 ms for 25 % → 1200 ms to go
    assert.equal(withProgress.overdue, false);
  });
});

describe('stats: progress from META markers without history', () => {
  it('uses the run’s ESTIMATED_DURATION (seconds)', () => {
    const p = estimateProgress(run([], { meta: { ESTIMATED_DURATION: '10' } }), null, T0 + 4000)!;
    assert.equal(p.source, 'meta');
    assert.equal(p.fraction, 0.4);
    assert.equal(p.remainingMs, 6000);
  });

  it('uses the run’s PROGRESS (0–100) and extrapolates the remaining time', () => {
    const p = estimateProgress(run([], { meta: { PROGRESS: '60' } }), { basedOnRuns: 0, meanRunMs: 0, overheadMs: 0, steps: [] }, T0 + 3000)!;
    assert.equal(p.fraction, 0.6);
    assert.equal(p.remainingMs, 2000);
  });

  it('gives only the running step’s remaining time when only the step says something', () => {
    const live = run([['Download', 0, null, [], { PROGRESS: '20', ESTIMATED_DURATION: '50' }]]);
    const p = estimateProgress(live, null, T0 + 5000)!;
    assert.equal(p.fraction, null);
    assert.equal(p.remainingMs, null);
    assert.equal(p.stepId, live.steps[0]!.id);
    assert.equal(p.stepRemainingMs, 40_000); // 80 % of 50 s
    assert.equal(formatProgress(p), 'step ≈ 40 s left', 'the step’s time when the run’s is unknown');
  });

  it('knows nothing without history or META', () => {
    assert.equal(estimateProgress(run([['A', 0, null]]), null, T0 + 100), null);
  });

  it('formats the one progress text every view shows', () => {
    const p: RunProgress = { fraction: 0.456, remainingMs: 11_200, stepId: null, stepRemainingMs: null, overdue: false, source: 'history' };
    assert.equal(formatProgress(p), '45 % · ≈ 12 s left');
    assert.equal(formatProgress({ ...p, remainingMs: 245_000 }), '45 % · ≈ 4m 05s left');
    assert.equal(formatProgress({ ...p, remainingMs: 300 }), '45 % · ≈ <1 s left');
    assert.equal(formatProgress({ ...p, remainingMs: null }), '45 %');
    assert.equal(formatProgress({ ...p, fraction: null }), '≈ 12 s left');
    assert.equal(formatProgress(null), '');
  });
});
