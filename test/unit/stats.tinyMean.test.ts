// A step whose usual duration prints as "0 ms" (an empty step, a marker pair around
// nothing) that suddenly takes seconds: the warning and the "vs usual" label must say
// something true — no "Infinity %" or "599900 %", no "0 ms mean" to divide by.
import { strict as assert } from 'node:assert';
import { formatPercentChange } from '../../sidecar/protocol/format';
import type { StepRecord } from '../../sidecar/protocol/model';
import { stepVerdict } from '../../sidecar/protocol/usual';
import { detectOutlier, PRACTICAL_OUTLIER_OPTIONS } from '../../sidecar/stats/outliers';

describe('outliers against a mean under 1 ms', () => {
  for (const [meanMs, stdDevMs] of [[0, 0], [0, null], [0.3, 0.2], [0.49, 0.01]] as const) {
    it(`a 1.2 s step after a ${meanMs} ms mean (σ ${stdDevMs}) reads "1.2 s (usually under 1 ms)"`, () => {
      const warning = detectOutlier(1200, { count: 5, meanMs, stdDevMs }, PRACTICAL_OUTLIER_OPTIONS);
      assert.ok(warning, 'still flagged: it is a real slowdown of over a second');
      assert.equal(warning.message, '1.2 s (usually under 1 ms)');
      assert.doesNotMatch(warning.message, /Infinity|NaN|0 ms mean/);
    });
  }

  it('the literal §6 rules (no practical margin) word it the same way', () => {
    assert.equal(detectOutlier(2500, { count: 3, meanMs: 0, stdDevMs: 0 })?.message, '2.5 s (usually under 1 ms)');
  });

  it('a mean of 1 ms and more keeps the σ, % and × wording (a factor, not a five-digit percentage)', () => {
    assert.equal(detectOutlier(1200, { count: 5, meanMs: 1, stdDevMs: 0 }, PRACTICAL_OUTLIER_OPTIONS)?.message, '1.2 s (1200× the 1 ms mean)');
    assert.equal(detectOutlier(3200, { count: 5, meanMs: 2000, stdDevMs: 500 })?.message, '3.2 s (1.2 s or 60 % slower than 2.0 s mean)');
    assert.equal(detectOutlier(11_000, { count: 5, meanMs: 3100, stdDevMs: 1800 })?.message, '11.0 s (4.3σ above 3.1 s mean)');
  });

  it('the "vs usual" label gives no percentage against a mean that prints as 0 ms', () => {
    assert.equal(formatPercentChange(1200, 0), null);
    assert.equal(formatPercentChange(1200, 0.4), null);
    assert.equal(formatPercentChange(3, 1), '+200 %');
    const warning = detectOutlier(1200, { count: 5, meanMs: 0.2, stdDevMs: 0.1 }, PRACTICAL_OUTLIER_OPTIONS)!;
    const step = { name: 'Empty', status: 'succeeded', durationMs: 1200, warnings: [warning], children: [] } as unknown as StepRecord;
    const verdict = stepVerdict(step, { count: 5, meanMs: 0.2, stdDevMs: 0.1 });
    assert.equal(verdict.kind, 'much-slower');
    assert.equal(verdict.label, 'much slower');
  });
});
