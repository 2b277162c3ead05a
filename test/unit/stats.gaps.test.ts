// Statistics behaviours a user relies on that no other test pinned down:
// META:PROGRESS written as a percentage, progress reaching 100 % while the run still runs,
// estimates that are overdue or nonsense, what history counts, and the ETA wording.
import { strict as assert } from 'node:assert';
import type { RunProgress } from '../../sidecar/protocol/stats';
import { buildExpectations } from '../../sidecar/stats/eta';
import { estimateProgress } from '../../sidecar/protocol/progress';
import { formatProgress, formatRemaining } from '../../sidecar/protocol/format';
import { classifyOutlier, detectOutlier } from '../../sidecar/stats/outliers';
import { addSample, aggregateOf, EMPTY_AGGREGATE, m2FromStdDev, mergeAggregates, removeSample, sampleStdDev, sampleVariance } from '../../sidecar/stats/welford';
import { run, T0 } from '../support/runSpecs';

const metaOnly = (meta: Record<string, string>, elapsedMs: number) => estimateProgress(run([], { meta }), null, T0 + elapsedMs);

describe('stats: META:PROGRESS written as a percentage', () => {
  it('reads `PROGRESS:50%` on the run as half done', () => {
    const p = metaOnly({ PROGRESS: '50%' }, 3000)!;
    assert.equal(p.fraction, 0.5);
    assert.equal(p.remainingMs, 3000);
    assert.equal(p.source, 'meta');
  });

  it('reads `PROGRESS:50%` on a running step as half of that step done', () => {
    const live = run([['Download', 0, null, [], { PROGRESS: '50%' }]]);
    const p = estimateProgress(live, null, T0 + 800)!;
    assert.equal(p.stepId, live.steps[0]!.id);
    assert.equal(p.stepRemainingMs, 800);
  });

  it('trusts a step’s `PROGRESS:50%` over its usual duration from history', () => {
    const history = buildExpectations([run([['A', 0, 10_000]], { durationMs: 10_000 })]);
    const live = run([['A', 0, null, [], { PROGRESS: '50%' }]]);
    const p = estimateProgress(live, history, T0 + 1000)!;
    assert.equal(p.stepRemainingMs, 1000);
    assert.equal(p.remainingMs, 1000);
    assert.equal(p.overdue, false);
  });
});

describe('stats: progress reaching 100 % while the run is still running', () => {
  it('never says the run is done: the fraction stops at 99 %, nothing is left', () => {
    for (const value of ['100', '100%', '150']) {
      const p = metaOnly({ PROGRESS: value }, 5000)!;
      assert.equal(p.fraction, 0.99, value);
      assert.equal(p.remainingMs, 0, value);
      assert.equal(p.overdue, false, value);
      assert.equal(formatProgress(p), '99 % · ≈ <1 s left', value);
    }
  });

  it('with an estimate too: nothing left, still 99 %', () => {
    const p = metaOnly({ PROGRESS: '100', ESTIMATED_DURATION: '10' }, 2000)!;
    assert.deepEqual([p.fraction, p.remainingMs], [0.99, 0]);
  });

  it('a step at 100 % has nothing left', () => {
    const live = run([['Upload', 0, null, [], { PROGRESS: '100' }]]);
    const p = estimateProgress(live, null, T0 + 700)!;
    assert.equal(p.stepRemainingMs, 0);
  });

  it('from history: a run past every expected step stays at 99 % and is overdue', () => {
    const history = buildExpectations([run([['A', 0, 1000], ['B', 1000, 1000]], { durationMs: 2500 })]);
    const live = run([['A', 0, 1000], ['B', 1000, null]]);
    const p = estimateProgress(live, history, T0 + 60_000)!;
    assert.equal(p.fraction, 0.99);
    assert.equal(p.remainingMs, 0);
    assert.equal(p.overdue, true);
    assert.equal(formatProgress(p), '99 % · longer than usual');
  });
});

describe('stats: the script’s own estimates', () => {
  it('combines ESTIMATED_DURATION (the total) with PROGRESS (the share done)', () => {
    const p = metaOnly({ ESTIMATED_DURATION: '20', PROGRESS: '25' }, 1000)!;
    assert.equal(p.fraction, 0.25);
    assert.equal(p.remainingMs, 15_000);
  });

  it('flags a run that outlasts its ESTIMATED_DURATION as overdue, with nothing left', () => {
    const p = metaOnly({ ESTIMATED_DURATION: '2' }, 5000)!;
    assert.deepEqual([p.fraction, p.remainingMs, p.overdue], [0.99, 0, true]);
    assert.equal(formatProgress(p), '99 % · longer than usual');
    const exactly = metaOnly({ ESTIMATED_DURATION: '2' }, 2000)!;
    assert.deepEqual([exactly.remainingMs, exactly.overdue], [0, false]);
  });

  it('flags a running step that outlasts its own ESTIMATED_DURATION', () => {
    const live = run([['Wait', 0, null, [], { ESTIMATED_DURATION: '1' }]]);
    const p = estimateProgress(live, null, T0 + 1500)!;
    assert.equal(p.overdue, true);
    assert.equal(p.stepRemainingMs, 0);
    assert.equal(p.fraction, null);
  });

  it('ignores estimates that say nothing: zero, negative, words, empty', () => {
    const nonsense: Record<string, string>[] = [{ ESTIMATED_DURATION: '0' }, { ESTIMATED_DURATION: '-3' }, { ESTIMATED_DURATION: 'soon' }, { ESTIMATED_DURATION: '' }, { PROGRESS: 'lots' }, { PROGRESS: '0' }, { PROGRESS: '-20' }];
    for (const meta of nonsense) {
      assert.equal(metaOnly(meta, 1000), null, JSON.stringify(meta));
    }
  });

  it('uses the innermost running step that has an estimate', () => {
    const live = run([['Outer', 0, null, [['Inner', 100, null, [], { ESTIMATED_DURATION: '5' }]], { ESTIMATED_DURATION: '60' }]]);
    const p = estimateProgress(live, null, T0 + 1100)!;
    assert.equal(p.stepId, live.steps[0]!.children[0]!.id);
    assert.equal(p.stepRemainingMs, 4000);
  });

  it('ignores finished steps’ estimates', () => {
    const live = run([['Done', 0, 500, [], { ESTIMATED_DURATION: '60' }]]);
    assert.equal(estimateProgress(live, null, T0 + 1000), null);
  });
});

describe('stats: what history counts', () => {
  it('uses only succeeded durations of a step for its mean', () => {
    const history = [
      run([['A', 0, 100]], { durationMs: 100 }),
      run([['A', 0, 900, [], {}, 'failed']], { durationMs: 900 }),
      run([['A', 0, 300]], { durationMs: 300 }),
    ];
    const e = buildExpectations(history)!;
    assert.deepEqual([e.steps[0]!.meanMs, e.steps[0]!.samples], [200, 2]);
  });

  it('falls back to the latest run’s own duration of a step that never succeeded (0 if it has none)', () => {
    const e = buildExpectations([run([['A', 0, 300, [], {}, 'failed'], ['B', 300, null, [], {}, 'cancelled']], { durationMs: 400 })])!;
    assert.deepEqual(e.steps.map((s) => [s.name, s.meanMs, s.samples]), [['A', 300, 1], ['B', 0, 1]]);
  });

  it('leaves runs without a duration out of the run mean and the overhead', () => {
    const e = buildExpectations([run([['A', 0, 100]], { durationMs: 250 }), run([['A', 0, 100]], { durationMs: null })])!;
    assert.equal(e.basedOnRuns, 2);
    assert.equal(e.meanRunMs, 250);
    assert.equal(e.overheadMs, 150);
    const none = buildExpectations([run([['A', 0, 100]], { durationMs: null })])!;
    assert.deepEqual([none.meanRunMs, none.overheadMs], [0, 0]);
  });

  it('never has a negative overhead when steps add up to more than the run', () => {
    const e = buildExpectations([run([['A', 0, 500], ['B', 0, 500]], { durationMs: 600 })])!;
    assert.equal(e.overheadMs, 0);
  });

  it('with expectations but no expected steps, falls back to the META markers', () => {
    const p = estimateProgress(run([], { meta: { ESTIMATED_DURATION: '4' } }), { basedOnRuns: 1, meanRunMs: 100, overheadMs: 100, steps: [] }, T0 + 1000)!;
    assert.equal(p.source, 'meta');
    assert.equal(p.remainingMs, 3000);
  });

  it('counts a step the history does not know, without an estimate, as nothing more', () => {
    const history = buildExpectations([run([['A', 0, 1000]], { durationMs: 1000 })]);
    const live = run([['A', 0, 1000], ['Extra', 1000, null]]);
    const p = estimateProgress(live, history, T0 + 1500)!;
    assert.equal(p.remainingMs, 0);
    assert.equal(p.fraction, 0.99);
    assert.equal(p.stepId, null);
  });
});

describe('stats: time-left wording', () => {
  const p = (remainingMs: number | null, overdue = false): RunProgress => ({ fraction: null, remainingMs, stepId: null, stepRemainingMs: null, overdue, source: 'history' });
  it('rounds up under a minute and switches to minutes at one minute', () => {
    assert.equal(formatProgress(p(999)), '≈ <1 s left');
    assert.equal(formatProgress(p(1000)), '≈ 1 s left');
    assert.equal(formatProgress(p(1001)), '≈ 2 s left');
    assert.equal(formatProgress(p(59_999)), '≈ 60 s left');
    assert.equal(formatProgress(p(60_000)), '≈ 1m 00s left');
    assert.equal(formatRemaining(61_000), '≈ 1m 01s left');
  });

  it('says "longer than usual" only when under a second is left of an overdue run; unknown is empty', () => {
    assert.equal(formatProgress(p(999, true)), 'longer than usual');
    assert.equal(formatProgress(p(5000, true)), '≈ 5 s left');
    assert.equal(formatProgress(p(null)), '');
    assert.equal(formatProgress(undefined), '');
  });
});

describe('stats: outlier edges', () => {
  const base = { count: 10, meanMs: 1000, stdDevMs: 100 };
  it('judges a slowdown exactly at the noise floor, not one below it', () => {
    assert.equal(classifyOutlier(1400, base, { minSlowdownMs: 400 })?.severity, 'critical');
    assert.equal(classifyOutlier(1399, base, { minSlowdownMs: 400 }), null);
  });

  it('never judges a step without samples, even with minSamples 0, nor a duration that is not a number', () => {
    assert.equal(classifyOutlier(10_000, { count: 0, meanMs: 0, stdDevMs: null }, { minSamples: 0 }), null);
    assert.equal(classifyOutlier(Number.NaN, base), null);
    assert.equal(classifyOutlier(Number.POSITIVE_INFINITY, base), null);
    assert.equal(classifyOutlier(1000, base), null, 'exactly the mean is not slower');
  });

  it('reports z and ratio with the verdict', () => {
    assert.deepEqual(classifyOutlier(1500, base), { severity: 'critical', rule: 'zscore', z: 5, ratio: 1.5 });
    assert.deepEqual(classifyOutlier(1500, { count: 5, meanMs: 0, stdDevMs: 0 }), { severity: 'warning', rule: 'slower', z: null, ratio: null });
  });

  it('words the practical rule with the slowdown and a percentage rounded down', () => {
    const w = detectOutlier(3_999, { count: 10, meanMs: 2_400, stdDevMs: 1_000 })!;
    assert.equal(w.message, '4.0 s (1.6 s or 66 % slower than 2.4 s mean)');
    assert.equal(w.severity, 'warning');
    assert.equal(w.line, null);
  });

  it('words a ratio rounded down to one decimal', () => {
    assert.equal(detectOutlier(1_196, { count: 10, meanMs: 400, stdDevMs: 5000 })!.message, '1.2 s (2.9× the 400 ms mean)');
  });
});

describe('stats: running aggregates', () => {
  it('keeps min and max, and forgets everything when the last sample is removed', () => {
    const a = aggregateOf([5, 1, 9]);
    assert.deepEqual([a.count, a.mean, a.min, a.max], [3, 5, 1, 9]);
    assert.equal(sampleVariance(a), 16);
    assert.equal(sampleStdDev(a), 4);
    const b = removeSample(removeSample(a, 9), 1);
    assert.deepEqual([b.count, b.mean, b.m2, b.min, b.max], [1, 5, 0, 1, 9]);
    assert.deepEqual(removeSample(b, 5), { ...EMPTY_AGGREGATE });
    assert.deepEqual(removeSample(EMPTY_AGGREGATE, 5), { ...EMPTY_AGGREGATE });
  });

  it('merging with an empty aggregate gives a copy of the other', () => {
    const a = addSample(addSample(EMPTY_AGGREGATE, 2), 4);
    const left = mergeAggregates(EMPTY_AGGREGATE, a);
    const right = mergeAggregates(a, EMPTY_AGGREGATE);
    assert.deepEqual(left, a);
    assert.deepEqual(right, a);
    assert.notEqual(left, a);
    assert.notEqual(right, a);
  });

  it('has no variance below two samples and none from a σ below two samples', () => {
    assert.equal(sampleVariance(aggregateOf([3])), null);
    assert.equal(sampleStdDev(aggregateOf([])), null);
    assert.equal(m2FromStdDev(1, 5), 0);
    assert.equal(m2FromStdDev(3, null), 0);
    assert.equal(m2FromStdDev(3, 2), 8);
    assert.equal(sampleVariance({ count: 3, m2: -1e-12 }), 0);
  });
});
