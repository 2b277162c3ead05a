// Results a user can trust at a glance — the pure functions every view uses.
// shownStatus / failedDescendants (a failure is never hidden), the run-error row folding,
// the practical outlier gate, the one "unusual" verdict and the σ/spread formatters.
import { strict as assert } from 'node:assert';
import type { RunRecord, StepRecord, StepWarning } from '../../sidecar/protocol/model';
import {
  failedChildrenText,
  failedDescendants,
  firstFailingStep,
  isOutcomeError,
  runErrorShownAsRow,
  shownStatus,
  shownStatusNote,
  stepPath,
} from '../../sidecar/protocol/results';
import { formatDateTime, formatDuration, formatSigma, formatSpread } from '../../sidecar/protocol/format';
import { baselineWithout, ownDurations, stepVerdict } from '../../sidecar/protocol/usual';
import { classifyOutlier, detectOutlier, practicalOutlierOptions, PRACTICAL_OUTLIER_OPTIONS } from '../../sidecar/stats/outliers';
import { aggregateOf, sampleStdDev } from '../../sidecar/stats/welford';

let nextId = 1;
function step(name: string, status: StepRecord['status'], children: StepRecord[] = [], extra: Partial<StepRecord> = {}): StepRecord {
  return {
    id: nextId++,
    name,
    status,
    startedAt: 0,
    endedAt: 1,
    durationMs: 1,
    error: null,
    warnings: [],
    meta: {},
    firstLine: 1,
    lastLine: 1,
    children,
    ...extra,
  };
}

function run(steps: StepRecord[], extra: Partial<RunRecord> = {}): RunRecord {
  return {
    id: 'r1',
    script: '/x.sh',
    args: [],
    cwd: '/',
    profile: null,
    status: 'failed',
    exitCode: 3,
    signal: null,
    startedAt: new Date(0).toISOString(),
    endedAt: new Date(1).toISOString(),
    durationMs: 1,
    lineCount: 1,
    error: { message: 'exit code 3', file: null, line: null },
    warnings: [],
    meta: {},
    steps,
    artifacts: [],
    ...extra,
  };
}

describe('shown status: a failure is never hidden', () => {
  it('shows a step closed with STEP_COMPLETE as failed when a child failed, and says why', () => {
    const test = step('Test', 'failed');
    const build = step('Build', 'succeeded', [step('Compile', 'succeeded'), test]);
    assert.equal(build.status, 'succeeded', 'the stored status stays what the script said');
    assert.equal(shownStatus(build), 'failed');
    assert.deepEqual(failedDescendants(build), [test]);
    assert.equal(failedChildrenText(build), '1 child step failed');
    assert.equal(shownStatusNote(build), '1 child step failed');
    assert.equal(shownStatus(test), 'failed');
    assert.equal(shownStatusNote(test), null, 'a step that failed itself needs no note');
  });

  it('propagates through any depth and counts where failures start', () => {
    const a = step('a', 'failed');
    const b = step('b', 'failed');
    const mid = step('mid', 'succeeded', [a]);
    const top = step('top', 'succeeded', [mid, step('ok', 'succeeded'), step('other', 'succeeded', [b])]);
    assert.equal(shownStatus(mid), 'failed');
    assert.equal(shownStatus(top), 'failed');
    assert.deepEqual(failedDescendants(top).map((s) => s.name), ['a', 'b']);
    assert.equal(failedChildrenText(top), '2 child steps failed');
    assert.equal(firstFailingStep([step('fine', 'succeeded'), top])?.name, 'a');
    assert.deepEqual(stepPath([top], a.id)?.map((s) => s.name), ['top', 'mid', 'a']);
  });

  it('leaves succeeded, running and cancelled steps alone', () => {
    assert.equal(shownStatus(step('s', 'succeeded', [step('c', 'succeeded')])), 'succeeded');
    assert.equal(shownStatus(step('r', 'running', [step('c', 'failed')])), 'running');
    assert.equal(shownStatus(step('x', 'cancelled', [step('c', 'cancelled')])), 'cancelled');
    assert.equal(firstFailingStep([step('s', 'succeeded')]), null);
  });

  it('folds the made-up "exit code 3" row into the run unless no step failed', () => {
    assert.ok(isOutcomeError({ message: 'exit code 3', file: null, line: null }));
    assert.ok(isOutcomeError({ message: 'killed by SIGKILL', file: null, line: null }));
    assert.ok(!isOutcomeError({ message: 'exit code 3', file: 'a.sh', line: 1 }));
    assert.ok(!isOutcomeError({ message: 'database is down', file: null, line: null }));
    assert.equal(runErrorShownAsRow(run([step('Build', 'succeeded', [step('Test', 'failed')])])), false);
    assert.equal(runErrorShownAsRow(run([step('Build', 'succeeded')])), true, 'no step failed: the row explains the failure');
    assert.equal(runErrorShownAsRow(run([], { error: { message: 'STEP_ERROR outside a step', file: null, line: null } })), true);
    assert.equal(runErrorShownAsRow(run([], { status: 'cancelled', error: { message: 'cancelled', file: null, line: null } })), false);
  });
});

describe('outliers: flagged only when unusual AND slower by max(100 ms, 20 %)', () => {
  // A very steady 509 ms step: σ ≈ 4.5 ms.
  const durations = [505, 509, 513, 504, 514, 509, 507, 511];
  const agg = aggregateOf(durations);
  const steady = { count: agg.count, meanMs: agg.mean, stdDevMs: sampleStdDev(agg) };

  it('keeps the literal rules with no options (and with 0 and 0)', () => {
    assert.equal(classifyOutlier(551, steady)?.severity, 'critical');
    assert.equal(classifyOutlier(551, steady, { minSlowdownMs: 0, minSlowdownPercent: 0 })?.severity, 'critical');
  });

  it('does not flag a 42 ms slowdown of a 509 ms step with the practical defaults', () => {
    const options = practicalOutlierOptions({});
    assert.deepEqual(options, { ...PRACTICAL_OUTLIER_OPTIONS });
    assert.equal(classifyOutlier(551, steady, options), null);
    assert.equal(detectOutlier(551, steady, options), null);
  });

  it('needs both floors: 100 ms and 20 % of the mean', () => {
    const options = practicalOutlierOptions({});
    // 10 s mean, σ 100 ms: 1.5 s slower is 15σ but only 15 % → not flagged; 2.1 s is.
    const big = { count: 10, meanMs: 10_000, stdDevMs: 100 };
    assert.equal(classifyOutlier(11_500, big, options), null);
    assert.equal(classifyOutlier(12_100, big, options)?.severity, 'critical');
    // 100 ms mean: +60 ms is 60 % but below 100 ms → not flagged; +150 ms is.
    const small = { count: 10, meanMs: 100, stdDevMs: 5 };
    assert.equal(classifyOutlier(160, small, options), null);
    assert.equal(classifyOutlier(250, small, options)?.severity, 'critical');
  });

  it('takes each setting on its own, and the settings names of a run', () => {
    assert.deepEqual(practicalOutlierOptions({ outlierMinSlowdownMs: 0, outlierMinSlowdownPercent: 0, outlierMinSamples: 5 }), {
      minSamples: 5,
      minSlowdownMs: 0,
      minSlowdownPercent: 0,
    });
    assert.equal(classifyOutlier(551, steady, practicalOutlierOptions({ outlierMinSlowdownMs: 0, outlierMinSlowdownPercent: 0 }))?.severity, 'critical');
    assert.equal(classifyOutlier(551, steady, { minSlowdownPercent: 20 }), null);
    assert.equal(classifyOutlier(551, steady, { minSlowdownMs: 100 }), null);
  });
});

describe('one "unusual" verdict and one σ format', () => {
  const outlier: StepWarning = { type: 'outlier', severity: 'critical', message: '12.0 s (4.5σ above 5.0 s mean)', file: null, line: null };

  it('says slower only where the step carries its outlier warning', () => {
    const base = { count: 10, meanMs: 5000, stdDevMs: 100 };
    const flagged = step('Compile', 'succeeded', [], { durationMs: 12_000, warnings: [outlier] });
    assert.equal(stepVerdict(flagged, base).kind, 'much-slower');
    assert.equal(stepVerdict(flagged, base).label, 'much slower (+140 %)');
    // 8 % slower, not flagged: "as usual" (never "slower" without a warning).
    assert.equal(stepVerdict(step('x', 'succeeded', [], { durationMs: 5400 }), base).kind, 'usual');
    assert.equal(stepVerdict(step('x', 'succeeded', [], { durationMs: 3000 }), base).label, 'faster (−40 %)');
    assert.equal(stepVerdict(step('x', 'succeeded', [], { durationMs: 4950 }), base).label, 'as usual');
    assert.equal(stepVerdict(step('x', 'failed', [], { durationMs: 4950 }), base).kind, 'unknown');
    assert.equal(stepVerdict(step('x', 'succeeded', [step('y', 'failed')], { durationMs: 4950 }), base).kind, 'unknown', 'shown failed');
    assert.equal(stepVerdict(step('x', 'succeeded', [], { durationMs: 4950 }), null).kind, 'unknown');
  });

  it('gives no verdict before the outlier rule could judge: never "as usual" beside too few earlier runs', () => {
    // One earlier 0 ms run, this one 1.2 s and no warning (too few samples to judge): not "as usual".
    const fewRuns = { count: 1, meanMs: 0, stdDevMs: 0 };
    assert.deepEqual(stepVerdict(step('Wait', 'succeeded', [], { durationMs: 1200 }), fewRuns), { kind: 'unknown', label: '', outlier: null });
    assert.equal(stepVerdict(step('Wait', 'succeeded', [], { durationMs: 10 }), { count: 2, meanMs: 5000, stdDevMs: 0 }).kind, 'unknown');
    // From the rule's minimum on, the verdicts are back.
    assert.equal(stepVerdict(step('Wait', 'succeeded', [], { durationMs: 5000 }), { count: 3, meanMs: 5000, stdDevMs: 0 }).label, 'as usual');
    assert.equal(stepVerdict(step('Wait', 'succeeded', [], { durationMs: 5000 }), { count: 1, meanMs: 5000, stdDevMs: 0 }, 1).label, 'as usual');
  });

  it('takes this run out of the statistics again, as the report does', () => {
    const earlier = [1000, 1100, 900];
    const all = aggregateOf([...earlier, 4000]);
    const stat = { count: all.count, meanMs: all.mean, stdDevMs: sampleStdDev(all), minMs: all.min, maxMs: all.max };
    const own = ownDurations([step('Build', 'succeeded', [], { durationMs: 4000 })]);
    const baseline = baselineWithout(stat, own.get('Build'));
    const before = aggregateOf(earlier);
    assert.equal(baseline?.count, 3);
    assert.ok(Math.abs(baseline!.meanMs - before.mean) < 1e-6);
    assert.ok(Math.abs(baseline!.stdDevMs! - sampleStdDev(before)!) < 1e-6);
    assert.equal(baselineWithout(undefined, []), null);
    // Outside min–max: never part of the statistics, so nothing is taken out.
    assert.deepEqual(baselineWithout({ count: 3, meanMs: 1000, stdDevMs: 100, minMs: 900, maxMs: 1100 }, [4000]), { count: 3, meanMs: 1000, stdDevMs: 100 });
    assert.equal(baselineWithout({ count: 1, meanMs: 4000, stdDevMs: null }, [4000]), null);
  });

  it('formats σ rounded down and spreads always with a unit', () => {
    assert.equal(formatSigma(9.46), '9.4σ');
    assert.equal(formatSigma(3.96), '3.9σ');
    assert.equal(formatSpread(1100), '± 1.1 s');
    assert.equal(formatSpread(12), '± 12 ms');
    // A value is written in the unit it rounds to.
    assert.equal(formatDuration(999.6), '1.0 s');
    assert.equal(formatDuration(999.4), '999 ms');
    assert.equal(formatDuration(59_960), '1m 00s');
    assert.equal(formatDuration(119_600), '2m 00s');
    assert.equal(formatDuration(12_345), '12.3 s');
    assert.match(detectOutlier(12_000, { count: 10, meanMs: 5000, stdDevMs: 1000 })!.message, /\(7\.0σ above 5\.0 s mean\)/);
  });

  it('writes dates one way', () => {
    const at = new Date(2026, 2, 5, 14, 7, 9);
    assert.equal(formatDateTime(at), '2026-03-05 14:07:09');
    assert.equal(formatDateTime(at.getTime()), '2026-03-05 14:07:09');
    assert.equal(formatDateTime(at.toISOString()), '2026-03-05 14:07:09');
    assert.equal(formatDateTime('nonsense'), '—');
    assert.equal(formatDateTime(Date.UTC(2026, 2, 5, 14, 7, 9), { utc: true }), '2026-03-05 14:07:09 UTC');
  });
});
