// Running mean and variance with Welford's online algorithm, and the merge of two
// aggregates (Chan, Golub & LeVeque), so statistics are updated one duration at a time
// without keeping every sample. Pure: no I/O, plain immutable values.

export interface Aggregate {
  count: number;
  mean: number;
  /** Sum of squared differences from the mean. */
  m2: number;
  /** +Infinity / −Infinity while empty. */
  min: number;
  max: number;
}

export const EMPTY_AGGREGATE: Readonly<Aggregate> = Object.freeze({ count: 0, mean: 0, m2: 0, min: Infinity, max: -Infinity });

/** The aggregate with one more sample. */
export function addSample(a: Readonly<Aggregate>, x: number): Aggregate {
  const count = a.count + 1;
  const delta = x - a.mean;
  const mean = a.mean + delta / count;
  const m2 = a.m2 + delta * (x - mean);
  return { count, mean, m2, min: Math.min(a.min, x), max: Math.max(a.max, x) };
}

/** The aggregate of the union of two sample sets (Chan et al.'s parallel formula). */
export function mergeAggregates(a: Readonly<Aggregate>, b: Readonly<Aggregate>): Aggregate {
  if (a.count === 0) return { ...b };
  if (b.count === 0) return { ...a };
  const count = a.count + b.count;
  const delta = b.mean - a.mean;
  const mean = a.mean + (delta * b.count) / count;
  const m2 = a.m2 + b.m2 + (delta * delta * a.count * b.count) / count;
  return { count, mean, m2, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
}

/**
 * The aggregate without one sample that was added before (Welford backwards). Min and max
 * cannot be un-seen and are kept.
 */
export function removeSample(a: Readonly<Aggregate>, x: number): Aggregate {
  if (a.count <= 1) return { ...EMPTY_AGGREGATE };
  const count = a.count - 1;
  const mean = a.mean - (x - a.mean) / count;
  const m2 = Math.max(0, a.m2 - (x - mean) * (x - a.mean));
  return { count, mean, m2, min: a.min, max: a.max };
}

export function aggregateOf(values: Iterable<number>): Aggregate {
  let a: Aggregate = { ...EMPTY_AGGREGATE };
  for (const x of values) a = addSample(a, x);
  return a;
}

/** Sample variance (n−1); null below two samples. */
export function sampleVariance(a: Readonly<Pick<Aggregate, 'count' | 'm2'>>): number | null {
  return a.count < 2 ? null : Math.max(0, a.m2) / (a.count - 1);
}

/** Sample standard deviation (n−1); null below two samples. */
export function sampleStdDev(a: Readonly<Pick<Aggregate, 'count' | 'm2'>>): number | null {
  const v = sampleVariance(a);
  return v === null ? null : Math.sqrt(v);
}

/** M2 back from a sample standard deviation (for aggregates stored as mean ± σ). */
export function m2FromStdDev(count: number, stdDev: number | null): number {
  return stdDev === null || count < 2 ? 0 : stdDev * stdDev * (count - 1);
}
