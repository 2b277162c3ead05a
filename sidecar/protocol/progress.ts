// Progress and ETA of a running run (estimateProgress). Pure: the live run and what its
// history expects (stats/eta.ts buildExpectations, computed by the store) come in, numbers go
// out. It lives in the protocol because every view runs it — the tree, the status bar,
// `stepflow run`'s status line and the panel — and the views may import only the protocol;
// the statistics import from here, never the other way round (no protocol → stats cycle).
//
// Per level of the tree, comparing expected and live siblings:
// - finished expected step: done; running: expected minus what it has spent (or what its
//   own children / its META:PROGRESS say); not started: its whole mean — unless a later
//   expected sibling already started, then it was skipped (removed) and counts as done;
// - a live step history does not know counts by its META:ESTIMATED_DURATION if it has one.
// The run's fraction is the done share of the expected total, weighted by the means; the
// time outside top-level steps (overhead) is spread proportionally.
// Without history: the run's META:ESTIMATED_DURATION (seconds) / META:PROGRESS (0–100), and
// the running step's own META values for the step's remaining time.
// A step is identified by its names from the root plus its occurrence among same-named
// siblings (`keyed`), the same keys buildExpectations uses.
import type { RunRecord, StepRecord } from './model';
import type { ExpectedStep, RunExpectations, RunProgress } from './stats';

interface LevelEstimate {
  /** Sum of the expected means of this level. */
  total: number;
  /** What is left of the expected steps. */
  remaining: number;
  /** What is left of steps history does not know (by their META), outside `total`. */
  extra: number;
  overdue: boolean;
}

interface Innermost {
  stepId: number | null;
  remaining: number | null;
  depth: number;
}

/** Progress of `run` at `now` (ms since the epoch); null when nothing is known. */
export function estimateProgress(
  run: RunRecord,
  expectations: RunExpectations | null | undefined,
  now: number,
): RunProgress | null {
  const startedAt = Date.parse(run.startedAt);
  const elapsedRun = Math.max(0, now - startedAt);
  const innermost: Innermost = { stepId: null, remaining: null, depth: -1 };
  const note = (step: StepRecord, remaining: number | null, depth: number) => {
    if (remaining !== null && depth >= innermost.depth) Object.assign(innermost, { stepId: step.id, remaining, depth });
  };

  if (expectations && expectations.steps.length > 0) {
    const level = estimateLevel(expectations.steps, run.steps, now, 0, note);
    const total = level.total + expectations.overheadMs;
    const share = level.total > 0 ? level.remaining / level.total : 1;
    let remaining = level.remaining + level.extra + expectations.overheadMs * share;
    // The run has taken longer than its whole expected duration but steps remain: keep the
    // estimate of what is left rather than claim it is done.
    remaining = Math.max(0, remaining);
    const fraction = total > 0 ? clamp((total - remaining) / total, 0, 0.99) : null;
    return {
      fraction,
      remainingMs: Math.round(remaining),
      stepId: innermost.stepId,
      stepRemainingMs: innermost.remaining === null ? null : Math.round(innermost.remaining),
      overdue: level.overdue,
      source: 'history',
    };
  }

  // No history: the script's own META markers.
  let overdue = false;
  const walk = (steps: readonly StepRecord[], depth: number) => {
    for (const step of steps) {
      if (step.status !== 'running') continue;
      const own = metaRemaining(step.meta, Math.max(0, now - step.startedAt));
      if (own) {
        overdue ||= own.overdue;
        note(step, own.remaining, depth);
      }
      walk(step.children, depth + 1);
    }
  };
  walk(run.steps, 0);
  const runMeta = metaRemaining(run.meta, elapsedRun);
  if (!runMeta && innermost.stepId === null) return null;
  return {
    fraction: runMeta ? runMeta.fraction : null,
    remainingMs: runMeta ? Math.round(runMeta.remaining) : null,
    stepId: innermost.stepId,
    stepRemainingMs: innermost.remaining === null ? null : Math.round(innermost.remaining),
    overdue: overdue || (runMeta?.overdue ?? false),
    source: 'meta',
  };
}

function estimateLevel(
  expected: readonly ExpectedStep[],
  live: readonly StepRecord[],
  now: number,
  depth: number,
  note: (step: StepRecord, remaining: number | null, depth: number) => void,
): LevelEstimate {
  const liveKeyed = keyed(live, '');
  const liveByKey = new Map(liveKeyed.map(([step, key]) => [key, step] as const));
  const expectedKeys = keyedNames(expected.map((e) => e.name));
  const matched = new Set<string>();
  let lastStarted = -1;
  expectedKeys.forEach((key, i) => {
    if (liveByKey.has(key)) lastStarted = i;
  });

  let total = 0;
  let remaining = 0;
  let extra = 0;
  let overdue = false;
  expected.forEach((exp, i) => {
    total += exp.meanMs;
    const key = expectedKeys[i]!;
    const step = liveByKey.get(key);
    if (!step) {
      if (i > lastStarted) remaining += exp.meanMs; // still to come; earlier ones were skipped
      return;
    }
    matched.add(key);
    if (step.status !== 'running') return;
    const r = runningRemaining(exp, step, now, depth, note);
    remaining += Math.min(exp.meanMs, r.remaining);
    extra += Math.max(0, r.remaining - exp.meanMs);
    overdue ||= r.overdue;
  });
  // Steps history does not know: only their own META says anything.
  for (const [step, key] of liveKeyed) {
    if (step.status !== 'running' || matched.has(key)) continue;
    const own = metaRemaining(step.meta, Math.max(0, now - step.startedAt));
    if (own) {
      extra += own.remaining;
      overdue ||= own.overdue;
    }
    note(step, own ? own.remaining : null, depth);
    estimateLevel([], step.children, now, depth + 1, note);
  }
  return { total, remaining, extra, overdue };
}

function runningRemaining(
  exp: ExpectedStep,
  step: StepRecord,
  now: number,
  depth: number,
  note: (step: StepRecord, remaining: number | null, depth: number) => void,
): { remaining: number; overdue: boolean } {
  const elapsed = Math.max(0, now - step.startedAt);
  let result: { remaining: number; overdue: boolean };
  const progress = progressOf(step.meta);
  const children = estimateLevel(exp.children, step.children, now, depth + 1, note);
  if (progress !== null && progress > 0) {
    // The script says how far it is: trust it over history.
    result = { remaining: (elapsed * (1 - progress)) / progress, overdue: false };
  } else if (exp.children.length > 0 && children.total > 0) {
    // Nested expectations know more than the step's own mean; the step's time outside its
    // children is spread like the run's overhead.
    const own = Math.max(0, exp.meanMs - children.total);
    result = { remaining: children.remaining + children.extra + own * (children.remaining / children.total), overdue: children.overdue };
  } else {
    result = { remaining: Math.max(0, exp.meanMs - elapsed), overdue: elapsed > exp.meanMs };
  }
  note(step, result.remaining, depth);
  return result;
}

/** Remaining time from META:ESTIMATED_DURATION (s) and META:PROGRESS (0–100). */
function metaRemaining(meta: Record<string, string>, elapsed: number): { remaining: number; fraction: number; overdue: boolean } | null {
  const progress = progressOf(meta);
  const estimate = Number(meta.ESTIMATED_DURATION);
  const estimateMs = meta.ESTIMATED_DURATION !== undefined && Number.isFinite(estimate) && estimate > 0 ? estimate * 1000 : null;
  if (progress !== null && progress > 0) {
    const byProgress = (elapsed * (1 - progress)) / progress;
    // Both known: the estimate says the total, progress says the share of it done.
    const remaining = estimateMs !== null ? Math.max(0, estimateMs * (1 - progress)) : byProgress;
    return { remaining, fraction: clamp(progress, 0, 0.99), overdue: false };
  }
  if (estimateMs !== null) {
    return { remaining: Math.max(0, estimateMs - elapsed), fraction: clamp(elapsed / estimateMs, 0, 0.99), overdue: elapsed > estimateMs };
  }
  return null;
}

function progressOf(meta: Record<string, string>): number | null {
  if (meta.PROGRESS === undefined) return null;
  const value = Number(String(meta.PROGRESS).replace(/%$/, ''));
  return Number.isFinite(value) ? clamp(value / 100, 0, 1) : null;
}

/** Steps with their occurrence keys: the name plus how many same-named siblings came before. */
export function keyed(steps: readonly StepRecord[], prefix: string): Array<[StepRecord, string]> {
  const keys = keyedNames(steps.map((s) => s.name));
  return steps.map((step, i) => [step, prefix + keys[i]!]);
}

function keyedNames(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const n = seen.get(name) ?? 0;
    seen.set(name, n + 1);
    return '/' + JSON.stringify([name, n]);
  });
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value));
}
