// Outlier warnings, table-driven from docs/spec.md §6: z ≥ 4σ critical, z ≥ 3σ warning; else
// slower by > 1000 ms and > 50 % warning; else ≥ 3× the mean critical, ≥ 2× warning — first
// match wins, and nothing before the minimum number of samples.
import { strict as assert } from 'node:assert';
import { classifyOutlier, detectOutlier, type OutlierOptions } from '../../sidecar/stats/outliers';
import type { StepBaseline } from '../../sidecar/protocol/statistics';

interface Row {
  name: string;
  baseline: StepBaseline;
  durationMs: number;
  options?: OutlierOptions;
  expect: null | { severity: 'warning' | 'critical'; rule: 'zscore' | 'slower' | 'ratio'; message?: string };
}

const b = (count: number, meanMs: number, stdDevMs: number | null): StepBaseline => ({ count, meanMs, stdDevMs });

const ROWS: Row[] = [
  // Rule 1: statistical.
  { name: 'z ≥ 4σ is critical', baseline: b(10, 3100, 1880), durationMs: 11_000, expect: { severity: 'critical', rule: 'zscore', message: '11.0 s (4.2σ above 3.1 s mean)' } },
  { name: 'z exactly 4σ is critical', baseline: b(10, 1000, 100), durationMs: 1400, expect: { severity: 'critical', rule: 'zscore', message: '1.4 s (4.0σ above 1.0 s mean)' } },
  { name: 'z between 3σ and 4σ is a warning', baseline: b(10, 1000, 100), durationMs: 1350, expect: { severity: 'warning', rule: 'zscore', message: '1.4 s (3.5σ above 1.0 s mean)' } },
  { name: 'z exactly 3σ is a warning', baseline: b(10, 1000, 100), durationMs: 1300, expect: { severity: 'warning', rule: 'zscore' } },
  { name: 'a tiny σ makes 10 % slower critical', baseline: b(20, 10_000, 1000 / 498), durationMs: 11_000, expect: { severity: 'critical', rule: 'zscore', message: '11.0 s (498.0σ above 10.0 s mean)' } },
  // Rule 2: practical significance.
  { name: 'z < 3 but > 1000 ms and > 50 % slower is a warning', baseline: b(10, 2000, 500), durationMs: 3200, expect: { severity: 'warning', rule: 'slower', message: '3.2 s (1.2 s or 60 % slower than 2.0 s mean)' } },
  { name: '> 1000 ms but only 37 % slower: nothing', baseline: b(10, 4000, 1000), durationMs: 5500, expect: null },
  { name: 'exactly 1000 ms slower is not "> 1000 ms" (falls to the ratio: 2×)', baseline: b(10, 1000, 600), durationMs: 2000, expect: { severity: 'warning', rule: 'ratio', message: '2.0 s (2.0× the 1.0 s mean)' } },
  { name: 'exactly 50 % slower is not "> 50 %"', baseline: b(10, 3000, 2000), durationMs: 4500, expect: null },
  // Rule 3: absolute ratios.
  { name: '≥ 2× (but ≤ 1000 ms slower) is a warning', baseline: b(10, 600, 400), durationMs: 1500, expect: { severity: 'warning', rule: 'ratio', message: '1.5 s (2.5× the 600 ms mean)' } },
  { name: '≥ 3× is critical', baseline: b(10, 300, 400), durationMs: 950, expect: { severity: 'critical', rule: 'ratio', message: '950 ms (3.1× the 300 ms mean)' } },
  { name: 'below 2× and not significant: nothing', baseline: b(10, 1000, 400), durationMs: 1900, expect: null },
  // Priority order.
  { name: 'priority: a 3.5σ warning wins over 4.5× critical', baseline: b(10, 1000, 1000), durationMs: 4500, expect: { severity: 'warning', rule: 'zscore' } },
  { name: 'priority: the practical warning wins over 3.2× critical', baseline: b(10, 1000, 800), durationMs: 3200, expect: { severity: 'warning', rule: 'slower' } },
  { name: 'priority: 4σ critical wins over everything', baseline: b(10, 1000, 200), durationMs: 5000, expect: { severity: 'critical', rule: 'zscore' } },
  // Minimum samples.
  { name: 'two samples are not enough by default', baseline: b(2, 1000, 10), durationMs: 60_000, expect: null },
  { name: 'three samples are', baseline: b(3, 1000, 10), durationMs: 60_000, expect: { severity: 'critical', rule: 'zscore' } },
  { name: 'minSamples 5: four samples are not enough', baseline: b(4, 1000, 10), durationMs: 60_000, options: { minSamples: 5 }, expect: null },
  { name: 'minSamples 1: one sample (no σ) uses the other rules', baseline: b(1, 1000, null), durationMs: 3500, options: { minSamples: 1 }, expect: { severity: 'warning', rule: 'slower' } },
  // Edges.
  { name: 'faster than the mean: never', baseline: b(10, 1000, 1), durationMs: 500, expect: null },
  { name: 'σ = 0 skips the z rules (identical samples)', baseline: b(5, 1000, 0), durationMs: 1200, expect: null },
  { name: 'σ = 0, > 1000 ms and > 50 % slower: warning', baseline: b(5, 1000, 0), durationMs: 2100, expect: { severity: 'warning', rule: 'slower' } },
  { name: 'by default every slowdown is judged, as §6 says: 70 ms slower is 70σ critical', baseline: b(10, 20, 1), durationMs: 90, expect: { severity: 'critical', rule: 'zscore' } },
  { name: 'an opt-in noise floor (minSlowdownMs) leaves 70 ms alone', baseline: b(10, 20, 1), durationMs: 90, options: { minSlowdownMs: 100 }, expect: null },
  { name: 'mean 0: ratios are undefined, the practical rule still works', baseline: b(5, 0, 0), durationMs: 1500, expect: { severity: 'warning', rule: 'slower' } },
];

describe('stats: outlier rules (§6)', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const verdict = classifyOutlier(row.durationMs, row.baseline, row.options);
      const warning = detectOutlier(row.durationMs, row.baseline, row.options);
      if (row.expect === null) {
        assert.equal(verdict, null);
        assert.equal(warning, null);
        return;
      }
      assert.ok(verdict, 'flagged');
      assert.equal(verdict.rule, row.expect.rule);
      assert.equal(verdict.severity, row.expect.severity);
      assert.ok(warning);
      assert.equal(warning.type, 'outlier');
      assert.equal(warning.severity, row.expect.severity);
      assert.equal(warning.file, null);
      if (row.expect.message) assert.equal(warning.message, row.expect.message);
    });
  }
});
