// Is a finished step unusually slow? The rules of docs/spec.md §6, first match wins:
//   1. z = (d − mean) / σ ≥ 4 → critical;  z ≥ 3 → warning        (statistical)
//   2. d − mean > 1000 ms and d > 1.5 × mean → warning            (practical)
//   3. d ≥ 3 × mean → critical;  d ≥ 2 × mean → warning           (absolute)
// Guards around them:
// - nothing is judged before `minSamples` succeeded runs of the step (default 3);
// - optionally, a step is only judged when it is slower than its mean by at least
//   `minSlowdownMs` and by at least `minSlowdownPercent` % of the mean (both 0 here, i.e.
//   exactly §6). Without them a 42 ms slowdown of a steady 509 ms step is "9.4σ, critical"
//   and a 2 ms step after a 1 ms mean is "2×". The *product* defaults are practical —
//   max(100 ms, 20 %), `PRACTICAL_OUTLIER_OPTIONS`, filled in by `practicalOutlierOptions`
//   where a run reads its settings — so 0 and 0 in the settings restore the literal rules.
// A step faster than its mean is never an outlier; σ = 0 skips the z rules (z is undefined).
// Pure.
import { formatDuration, formatSigma } from '../protocol/format';
import type { StepWarning, WarningSeverity } from '../protocol/model';
import type { StepBaseline } from '../protocol/statistics';

export interface OutlierOptions {
  minSamples?: number;
  minSlowdownMs?: number;
  /** A step less than this percentage of its mean slower is never an outlier (0: the rules exactly). */
  minSlowdownPercent?: number;
}

/** The pure rule's defaults: §6 exactly. */
export const OUTLIER_DEFAULTS = { minSamples: 3, minSlowdownMs: 0, minSlowdownPercent: 0 } as const;

/** What StepFlow uses when neither a setting nor stepflow.json says otherwise: max(100 ms, 20 %). */
export const PRACTICAL_OUTLIER_OPTIONS = { minSamples: 3, minSlowdownMs: 100, minSlowdownPercent: 20 } as const;

/** A run's outlier settings (RunParams / stepflow.json names), with the practical defaults filled in. */
export function practicalOutlierOptions(settings: {
  outlierMinSamples?: number | undefined;
  outlierMinSlowdownMs?: number | undefined;
  outlierMinSlowdownPercent?: number | undefined;
}): Required<OutlierOptions> {
  return {
    minSamples: settings.outlierMinSamples ?? PRACTICAL_OUTLIER_OPTIONS.minSamples,
    minSlowdownMs: settings.outlierMinSlowdownMs ?? PRACTICAL_OUTLIER_OPTIONS.minSlowdownMs,
    minSlowdownPercent: settings.outlierMinSlowdownPercent ?? PRACTICAL_OUTLIER_OPTIONS.minSlowdownPercent,
  };
}

export type OutlierRule = 'zscore' | 'slower' | 'ratio';

export interface OutlierVerdict {
  severity: Exclude<WarningSeverity, 'info'>;
  rule: OutlierRule;
  /** z-score when σ > 0, else null. */
  z: number | null;
  /** d / mean when mean > 0, else null. */
  ratio: number | null;
}

export function classifyOutlier(durationMs: number, baseline: StepBaseline, options: OutlierOptions = {}): OutlierVerdict | null {
  const minSamples = options.minSamples ?? OUTLIER_DEFAULTS.minSamples;
  const minSlowdownMs = options.minSlowdownMs ?? OUTLIER_DEFAULTS.minSlowdownMs;
  const minSlowdownPercent = options.minSlowdownPercent ?? OUTLIER_DEFAULTS.minSlowdownPercent;
  if (!Number.isFinite(durationMs) || baseline.count < Math.max(1, minSamples)) return null;
  const mean = baseline.meanMs;
  const delta = durationMs - mean;
  if (!(delta > 0) || delta < minSlowdownMs) return null;
  if (minSlowdownPercent > 0 && mean > 0 && delta < (mean * minSlowdownPercent) / 100) return null;
  const sd = baseline.stdDevMs;
  const z = sd !== null && sd > 0 ? delta / sd : null;
  const ratio = mean > 0 ? durationMs / mean : null;
  const verdict = (severity: OutlierVerdict['severity'], rule: OutlierRule): OutlierVerdict => ({ severity, rule, z, ratio });
  if (z !== null && z >= 4) return verdict('critical', 'zscore');
  if (z !== null && z >= 3) return verdict('warning', 'zscore');
  if (delta > 1000 && durationMs > 1.5 * mean) return verdict('warning', 'slower');
  if (ratio !== null && ratio >= 3) return verdict('critical', 'ratio');
  if (ratio !== null && ratio >= 2) return verdict('warning', 'ratio');
  return null;
}

/** The warning to store with the step, e.g. `11.0 s (4.2σ above 3.1 s mean)`, `1.2 s (usually under 1 ms)`, or null. */
export function detectOutlier(durationMs: number, baseline: StepBaseline, options: OutlierOptions = {}): StepWarning | null {
  const verdict = classifyOutlier(durationMs, baseline, options);
  if (!verdict) return null;
  const d = formatDuration(durationMs);
  const mean = formatDuration(baseline.meanMs);
  let detail: string;
  if (Math.round(baseline.meanMs) < 1) {
    // A mean that prints as "0 ms" (an empty step) makes σ, % and × meaningless — dividing
    // by 0 ms once read "Infinity % slower than 0 ms mean". Say what is true instead.
    detail = 'usually under 1 ms';
  } else if (verdict.rule === 'zscore') {
    detail = `${formatSigma(verdict.z!)} above ${mean} mean`;
  } else if (verdict.rule === 'slower' && verdict.ratio !== null && verdict.ratio >= 10) {
    // "1.2 s or 119900 % slower than 1 ms mean" is true but unreadable: a factor reads better.
    detail = `${Math.floor(verdict.ratio)}× the ${mean} mean`;
  } else if (verdict.rule === 'slower') {
    detail = `${formatDuration(durationMs - baseline.meanMs)} or ${Math.floor(((durationMs - baseline.meanMs) / baseline.meanMs) * 100)} % slower than ${mean} mean`;
  } else {
    detail = `${floor1(verdict.ratio!)}× the ${mean} mean`;
  }
  return { type: 'outlier', severity: verdict.severity, message: `${d} (${detail})`, file: null, line: null };
}

/** One decimal, rounded down, so a message never claims a threshold the value missed (3.96σ → 3.9σ). */
function floor1(value: number): string {
  return (Math.floor(value * 10) / 10).toFixed(1);
}
