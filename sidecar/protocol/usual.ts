// "Is this step's duration unusual?" — one answer for the tree, the panel's step table, the
// CLI, the CodeLens and the reports.
//
// - The decision is made once, when the step finishes, by the outlier rule
//   (`classifyOutlier`, sidecar/stats/outliers.ts) with the run's settings, and stored as
//   the step's `outlier` warning. Views never re-decide: a step is "slower"/"much slower"
//   exactly when it carries that warning (warning/critical).
// - The "usual" duration every view prints next to it is the script's statistics with this
//   run's own durations taken out again (`baselineWithout`), i.e. what the rule compared
//   against, so the σ in the table and in the report are the same number.
// - σ and spreads are written by `formatSigma` / `formatSpread` (protocol/format.ts).
// Pure.
import { m2FromStdDev, removeSample, sampleStdDev, type Aggregate } from '../stats/welford';
import { formatPercentChange } from './format';
import type { StepRecord, StepWarning } from './model';
import { shownStatus } from './results';
import type { StepBaseline, StepStatistic } from './statistics';

import { PRACTICAL_OUTLIER_OPTIONS } from '../stats/outliers';
export { classifyOutlier, practicalOutlierOptions, PRACTICAL_OUTLIER_OPTIONS, type OutlierOptions, type OutlierVerdict } from '../stats/outliers';

/** Names of a step path joined for map keys (the same as the panel's statKey). */
export function pathKey(path: readonly string[]): string {
  return path.join('\u0000');
}

/** This run's succeeded durations per step path (pathKey), in start order. */
export function ownDurations(steps: readonly StepRecord[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const visit = (list: readonly StepRecord[], parent: string[]) => {
    for (const step of list) {
      const path = [...parent, step.name];
      if (step.status === 'succeeded' && step.durationMs !== null) {
        const key = pathKey(path);
        out.set(key, [...(out.get(key) ?? []), step.durationMs]);
      }
      visit(step.children, path);
    }
  };
  visit(steps, []);
  return out;
}

/**
 * A step's usual duration: its statistics with this run's own durations removed again
 * (statistics include the run once it succeeded). Null when nothing else is left.
 */
export function baselineWithout(stat: (StepBaseline & Partial<Pick<StepStatistic, 'minMs' | 'maxMs'>>) | undefined | null, own: readonly number[] = []): StepBaseline | null {
  if (!stat || stat.count <= 0) return null;
  let agg: Aggregate = {
    count: stat.count,
    mean: stat.meanMs,
    m2: m2FromStdDev(stat.count, stat.stdDevMs),
    min: stat.minMs ?? stat.meanMs,
    max: stat.maxMs ?? stat.meanMs,
  };
  for (const d of own.slice(0, stat.count)) {
    // A duration outside the statistics' min–max was never part of them (a run whose step
    // did not count, or statistics read before it): nothing to take out.
    if ((stat.minMs !== undefined && d < stat.minMs) || (stat.maxMs !== undefined && d > stat.maxMs)) continue;
    agg = removeSample(agg, d);
  }
  return agg.count > 0 ? { count: agg.count, meanMs: agg.mean, stdDevMs: sampleStdDev(agg) } : null;
}

export type VerdictKind = 'unknown' | 'faster' | 'usual' | 'slower' | 'much-slower';

export interface StepVerdict {
  kind: VerdictKind;
  /** "much slower (+120 %)", "as usual", "faster (−35 %)", '' when unknown. */
  label: string;
  /** The stored outlier warning that makes the step unusual, if any. */
  outlier: StepWarning | null;
}

const LABEL: Record<VerdictKind, string> = { unknown: '', faster: 'faster', usual: 'as usual', slower: 'slower', 'much-slower': 'much slower' };

/**
 * How a step's duration compares with its usual one. Slower/much slower only when the step
 * carries an outlier warning (the one decision); "faster" only when it is faster by the same
 * practical margin the rule asks of a slowdown (max(100 ms, 20 %)); else "as usual" — but
 * only once the rule could have judged (`minSamples` earlier runs): before that, a step 1.2 s
 * long against one earlier 0 ms run carries no warning, and "as usual" would be a claim
 * nobody made. Then there is no verdict, and the usual time beside it speaks for itself.
 */
export function stepVerdict(step: StepRecord, baseline: StepBaseline | null, minSamples: number = PRACTICAL_OUTLIER_OPTIONS.minSamples): StepVerdict {
  const outlier = step.warnings.find((w) => w.type === 'outlier') ?? null;
  const change = baseline && step.durationMs !== null ? formatPercentChange(step.durationMs, baseline.meanMs) : null;
  if (outlier) {
    const kind: VerdictKind = outlier.severity === 'critical' ? 'much-slower' : 'slower';
    return { kind, label: `${LABEL[kind]}${change ? ` (${change})` : ''}`, outlier };
  }
  // A step shown failed (itself or below it) has no meaningful "usual" comparison.
  if (shownStatus(step) !== 'succeeded' || step.durationMs === null || !baseline || baseline.count < minSamples) return { kind: 'unknown', label: '', outlier: null };
  const faster = baseline.meanMs - step.durationMs;
  if (faster >= Math.max(100, 0.2 * baseline.meanMs)) return { kind: 'faster', label: `faster${change ? ` (${change})` : ''}`, outlier: null };
  return { kind: 'usual', label: LABEL.usual, outlier: null };
}
