// Welford's running mean/variance against a plain two-pass computation, and the merge of
// aggregates (Chan et al.) against the aggregate of the concatenated samples.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  EMPTY_AGGREGATE,
  addSample,
  aggregateOf,
  m2FromStdDev,
  mergeAggregates,
  removeSample,
  sampleStdDev,
  sampleVariance,
} from '../../sidecar/stats/welford';

function twoPass(values: readonly number[]): { mean: number; variance: number | null } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length < 2 ? null : values.reduce((a, x) => a + (x - mean) ** 2, 0) / (values.length - 1);
  return { mean, variance };
}

/** Relative tolerance with an absolute floor (variances of near-equal values are ~0). */
function close(actual: number, expected: number, scale: number): boolean {
  return Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected), scale);
}

// Step durations: integers and fractions from 0 ms to ~3 hours, plus clustered values
// (large mean, small spread) where the naive sum-of-squares formula loses precision.
const duration = fc.oneof(
  fc.integer({ min: 0, max: 10_000_000 }),
  fc.double({ min: 0, max: 1e7, noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -50, max: 50 }).map((d) => 5_000_000 + d / 7),
);
const samples = fc.array(duration, { minLength: 1, maxLength: 300 });

describe('stats: Welford aggregates', () => {
  it('matches a two-pass mean and sample variance (n−1) on random data', () => {
    fc.assert(
      fc.property(samples, (values) => {
        const agg = aggregateOf(values);
        const expected = twoPass(values);
        const scale = Math.max(...values.map(Math.abs));
        assert.equal(agg.count, values.length);
        assert.ok(close(agg.mean, expected.mean, scale), `mean ${agg.mean} vs ${expected.mean}`);
        const variance = sampleVariance(agg);
        if (expected.variance === null) assert.equal(variance, null);
        else assert.ok(close(variance!, expected.variance, scale * scale * 1e-6 + 1), `variance ${variance} vs ${expected.variance}`);
        assert.equal(agg.min, Math.min(...values));
        assert.equal(agg.max, Math.max(...values));
      }),
      { numRuns: 300 },
    );
  });

  it('merges two aggregates into the aggregate of all their samples, in any split', () => {
    fc.assert(
      fc.property(samples, samples, (a, b) => {
        const merged = mergeAggregates(aggregateOf(a), aggregateOf(b));
        const whole = aggregateOf([...a, ...b]);
        const scale = Math.max(...a, ...b);
        assert.equal(merged.count, whole.count);
        assert.ok(close(merged.mean, whole.mean, scale));
        assert.ok(close(merged.m2, whole.m2, scale * scale * 1e-6 + 1), `m2 ${merged.m2} vs ${whole.m2}`);
        assert.equal(merged.min, whole.min);
        assert.equal(merged.max, whole.max);
      }),
      { numRuns: 300 },
    );
  });

  it('rebuilding from chunks merged in any order gives the same statistics', () => {
    fc.assert(
      fc.property(samples, fc.array(fc.nat(), { maxLength: 6 }), (values, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (values.length + 1)))].sort((x, y) => x - y);
        const chunks: number[][] = [];
        let from = 0;
        for (const p of [...points, values.length]) {
          chunks.push(values.slice(from, p));
          from = p;
        }
        const forward = chunks.map(aggregateOf).reduce(mergeAggregates, { ...EMPTY_AGGREGATE });
        const backward = [...chunks].reverse().map(aggregateOf).reduce(mergeAggregates, { ...EMPTY_AGGREGATE });
        const expected = twoPass(values);
        const scale = Math.max(...values);
        for (const agg of [forward, backward]) {
          assert.equal(agg.count, values.length);
          assert.ok(close(agg.mean, expected.mean, scale));
          if (expected.variance !== null) assert.ok(close(sampleVariance(agg)!, expected.variance, scale * scale * 1e-6 + 1));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('removes a sample again (the report compares a run with the runs before it)', () => {
    fc.assert(
      fc.property(samples, duration, (values, extra) => {
        const without = removeSample(addSample(aggregateOf(values), extra), extra);
        const expected = twoPass(values);
        const scale = Math.max(...values, extra);
        assert.equal(without.count, values.length);
        assert.ok(close(without.mean, expected.mean, scale), `mean ${without.mean} vs ${expected.mean}`);
        if (expected.variance !== null) {
          assert.ok(Math.abs(sampleVariance(without)! - expected.variance) <= 1e-6 * scale * scale + 1e-6, `variance ${sampleVariance(without)} vs ${expected.variance}`);
        }
      }),
      { numRuns: 300 },
    );
    assert.deepEqual(removeSample(aggregateOf([5]), 5), { ...EMPTY_AGGREGATE });
  });

  it('has no σ below two samples, and σ round-trips through M2', () => {
    assert.equal(sampleStdDev(EMPTY_AGGREGATE), null);
    assert.equal(sampleStdDev(aggregateOf([42])), null);
    assert.equal(sampleStdDev(aggregateOf([2, 4, 4, 4, 5, 5, 7, 9])), Math.sqrt(32 / 7));
    const agg = aggregateOf([100, 200, 400]);
    assert.ok(Math.abs(m2FromStdDev(agg.count, sampleStdDev(agg)) - agg.m2) < 1e-9);
    assert.equal(m2FromStdDev(1, null), 0);
  });
});
