// Progress, ETA, outlier and aggregate behaviours the other stats tests left open (found by
// mutation testing, docs/testing.md "Mutation testing"): steps running side by side, steps
// that take no measurable time, a step far behind its usual time, steps the history does not
// know, the exact thresholds, and estimates that are not numbers. Pure functions, fixed clock.
import { strict as assert } from 'node:assert';
import { buildExpectations } from '../../sidecar/stats/eta';
import { estimateProgress } from '../../sidecar/protocol/progress';
import { formatProgress } from '../../sidecar/protocol/format';
import { classifyOutlier, detectOutlier } from '../../sidecar/stats/outliers';
import { aggregateOf, EMPTY_AGGREGATE, m2FromStdDev, mergeAggregates } from '../../sidecar/stats/welford';
import { run, T0 } from '../support/runSpecs';

/** Expectations from one earlier run of a single 1 s step "A". */
const historyOfA = (ms = 1000) => buildExpectations([run([['A', 0, ms]], { durationMs: ms })]);

describe('stats: the step the ETA follows', () => {
  it('follows the step started last when two steps run side by side, each with an estimate', () => {
    const live = run([
      ['Lint', 0, null, [], { ESTIMATED_DURATION: '10' }],
      ['Test', 100, null, [], { ESTIMATED_DURATION: '5' }],
    ]);
    const p = estimateProgress(live, null, T0 + 1100)!;
    assert.equal(p.stepId, live.steps[1]!.id);
    assert.equal(p.stepRemainingMs, 4000);
  });

  it('follows a step inside a step the history does not know', () => {
    const live = run([
      ['A', 0, 1000],
      ['Extra', 1000, null, [['Inner', 1500, null, [], { ESTIMATED_DURATION: '5' }]], { ESTIMATED_DURATION: '60' }],
    ]);
    const p = estimateProgress(live, historyOfA(), T0 + 2500)!;
    assert.equal(p.stepId, live.steps[1]!.children[0]!.id);
    assert.equal(p.stepRemainingMs, 4000);
  });

  it('is not overdue while the running step is within its own estimate', () => {
    const live = run([['Wait', 0, null, [], { ESTIMATED_DURATION: '60' }]]);
    const p = estimateProgress(live, null, T0 + 1000)!;
    assert.equal(p.overdue, false);
    assert.equal(formatProgress(p), 'step ≈ 59 s left');
  });
});

describe('stats: steps that take no measurable time', () => {
  it('still gives an ETA from the time around them', () => {
    const history = buildExpectations([run([['A', 0, 0]], { durationMs: 100 })]);
    const p = estimateProgress(run([['A', 0, null]]), history, T0 + 50)!;
    assert.equal(p.remainingMs, 100);
    assert.equal(p.fraction, 0);
  });

  it('gives no fraction, but nothing left, when the whole run took no time', () => {
    const history = buildExpectations([run([['A', 0, 0]], { durationMs: 0 })]);
    const p = estimateProgress(run([['A', 0, null]]), history, T0 + 10)!;
    assert.equal(p.fraction, null);
    assert.equal(p.remainingMs, 0);
  });

  it('uses a step’s usual time when its usual children take no time', () => {
    const history = buildExpectations([run([['B', 0, 1000, [['b1', 0, 0]]]], { durationMs: 1000 })]);
    const p = estimateProgress(run([['B', 0, null, [['b1', 0, null]]]]), history, T0 + 200)!;
    assert.equal(p.remainingMs, 800);
    assert.equal(p.overdue, false);
  });
});

describe('stats: a step far behind its usual time', () => {
  it('extends the ETA past the history’s expectation when the step says it is only 10 % done', () => {
    const live = run([['A', 0, null, [], { PROGRESS: '10' }]]);
    const p = estimateProgress(live, historyOfA(10_000), T0 + 9000)!;
    assert.equal(p.stepRemainingMs, 81_000);
    assert.equal(p.remainingMs, 81_000);
    assert.equal(p.fraction, 0);
  });

  it('extends its parent’s and the run’s ETA when a child says so', () => {
    const history = buildExpectations([run([['B', 0, 1000, [['b1', 0, 500]]]], { durationMs: 1000 })]);
    const live = run([['B', 0, null, [['b1', 0, null, [], { PROGRESS: '10' }]]]]);
    const p = estimateProgress(live, history, T0 + 900)!;
    assert.equal(p.stepId, live.steps[0]!.children[0]!.id);
    assert.equal(p.stepRemainingMs, 8100);
    assert.equal(p.remainingMs, 8600); // b1's 8.1 s plus B's own 0.5 s outside b1
  });

  it('falls back to the usual time when the step says PROGRESS:0', () => {
    const live = run([['A', 0, null, [], { PROGRESS: '0' }]]);
    const p = estimateProgress(live, historyOfA(10_000), T0 + 2000)!;
    assert.equal(p.stepRemainingMs, 8000);
    assert.equal(p.remainingMs, 8000);
  });

  it('is overdue only once it has taken longer than its usual time', () => {
    const at = (ms: number) => estimateProgress(run([['A', 0, null]]), historyOfA(), T0 + ms)!;
    assert.equal(at(500).overdue, false);
    assert.equal(at(1000).overdue, false);
    assert.equal(at(1000).remainingMs, 0);
    assert.equal(at(1001).overdue, true);
  });
});

describe('stats: steps the history does not know', () => {
  it('adds nothing for a finished one, whatever its estimate said', () => {
    const live = run([['Prep', 0, 200, [], { ESTIMATED_DURATION: '60' }], ['A', 200, null]]);
    const p = estimateProgress(live, historyOfA(), T0 + 700)!;
    assert.equal(p.remainingMs, 500);
    assert.equal(p.stepId, live.steps[1]!.id);
  });

  it('makes the run overdue when a running one outlasts its own estimate', () => {
    const live = run([['A', 0, 1000], ['Extra', 1000, null, [], { ESTIMATED_DURATION: '2' }]]);
    const p = estimateProgress(live, historyOfA(), T0 + 4000)!;
    assert.equal(p.overdue, true);
    assert.equal(formatProgress(p), '99 % · longer than usual');
  });
});

describe('stats: estimates that are not usable numbers', () => {
  it('ignores an infinite ESTIMATED_DURATION and a PROGRESS with the % sign anywhere but at the end', () => {
    const unusable: Record<string, string>[] = [{ ESTIMATED_DURATION: 'Infinity' }, { ESTIMATED_DURATION: '1e400' }, { PROGRESS: '%50' }, { PROGRESS: '5%0' }];
    for (const meta of unusable) {
      assert.equal(estimateProgress(run([], { meta }), null, T0 + 1000), null, JSON.stringify(meta));
    }
  });
});

describe('stats: outlier thresholds exactly', () => {
  const steady = { count: 10, meanMs: 1000, stdDevMs: 10 };
  it('judges a slowdown of exactly minSlowdownPercent of the mean, not one just below it', () => {
    assert.equal(classifyOutlier(1199, steady, { minSlowdownPercent: 20 }), null);
    assert.equal(classifyOutlier(1200, steady, { minSlowdownPercent: 20 })?.severity, 'critical');
    assert.equal(classifyOutlier(1199, steady, { minSlowdownPercent: 0 })?.severity, 'critical');
  });

  it('calls exactly 3× the mean critical', () => {
    assert.deepEqual(classifyOutlier(900, { count: 10, meanMs: 300, stdDevMs: 400 }), { severity: 'critical', rule: 'ratio', z: 1.5, ratio: 3 });
  });
});

describe('stats: aggregates exactly', () => {
  it('merging two empty aggregates gives an empty one', () => {
    assert.deepEqual(mergeAggregates(EMPTY_AGGREGATE, EMPTY_AGGREGATE), { ...EMPTY_AGGREGATE });
  });

  it('merging with an empty aggregate changes no digit of the other', () => {
    const a = aggregateOf([0.1, 0.1, 0.1]);
    assert.deepEqual(mergeAggregates(EMPTY_AGGREGATE, a), a);
    assert.deepEqual(mergeAggregates(a, EMPTY_AGGREGATE), a);
  });

  it('rebuilds M2 from σ from two samples on, and never a negative one', () => {
    assert.equal(m2FromStdDev(2, 3), 9);
    assert.equal(m2FromStdDev(0, 5), 0);
  });
});

describe('stats: outlier wording at ten times the mean', () => {
  it('words a practical slowdown of exactly 10× the mean as a factor', () => {
    assert.equal(detectOutlier(2000, { count: 10, meanMs: 200, stdDevMs: 1000 })!.message, '2.0 s (10× the 200 ms mean)');
  });

  it('keeps one decimal for a ratio-rule outlier of 10× and more', () => {
    assert.equal(detectOutlier(600, { count: 10, meanMs: 50, stdDevMs: 200 })!.message, '600 ms (12.0× the 50 ms mean)');
  });
});
