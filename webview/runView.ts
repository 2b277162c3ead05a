// Pure helpers the components share: step rows in tree order with their paths, matching
// steps of two runs, "usual time" from statistics, the steps a trend can be drawn for, the
// progress line of a running run, list rows from records. No DOM here, so the unit suite
// tests them directly.
import type { HistoryRun } from '../sidecar/protocol/history';
import type { StepStatistic } from '../sidecar/protocol/statistics';
import type { RunRecord, StepRecord } from '../sidecar/protocol/model';
import type { RunProgress } from '../sidecar/protocol/stats';
import { formatDateTime, formatProgress } from '../sidecar/protocol/format';
import { ownDurations } from '../sidecar/protocol/usual';

export interface StepRow {
  step: StepRecord;
  depth: number;
  /** Names from the root step. */
  path: string[];
  /** Unique within the run even when names repeat: the path plus the occurrence number. */
  key: string;
}

/** Depth-first, in start order. */
export function stepRows(steps: StepRecord[]): StepRow[] {
  const out: StepRow[] = [];
  const seen = new Map<string, number>();
  const visit = (list: StepRecord[], depth: number, parent: string[]) => {
    for (const step of list) {
      const path = [...parent, step.name];
      const base = path.join('\u0000');
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      out.push({ step, depth, path, key: `${base}\u0000#${n}` });
      visit(step.children, depth + 1, path);
    }
  };
  visit(steps, 0, []);
  return out;
}

export interface ComparedStep {
  key: string;
  path: string[];
  depth: number;
  a: StepRecord | null;
  b: StepRecord | null;
  /** b − a in ms, when both have a duration. */
  deltaMs: number | null;
}

/** Steps of two runs matched by path (and occurrence), in the order of `a` with b's extra steps after. */
export function compareRuns(a: RunRecord, b: RunRecord): ComparedStep[] {
  const rowsB = new Map(stepRows(b.steps).map((r) => [r.key, r]));
  const out: ComparedStep[] = [];
  for (const row of stepRows(a.steps)) {
    const other = rowsB.get(row.key);
    rowsB.delete(row.key);
    out.push(compared(row, row.step, other?.step ?? null));
  }
  for (const row of rowsB.values()) out.push(compared(row, null, row.step));
  return out;
}

function compared(row: StepRow, a: StepRecord | null, b: StepRecord | null): ComparedStep {
  const deltaMs = a?.durationMs != null && b?.durationMs != null ? b.durationMs - a.durationMs : null;
  return { key: row.key, path: row.path, depth: row.depth, a, b, deltaMs };
}

export function statKey(path: string[]): string {
  return path.join('\u0000');
}

export function statsByPath(stats: StepStatistic[]): Map<string, StepStatistic> {
  return new Map(stats.map((s) => [statKey(s.path), s]));
}

export type Verdict = 'faster' | 'usual' | 'slower' | 'much-slower' | 'unknown';

/**
 * A duration against the usual one: the spec's outlier rules in short (docs/spec.md §6) —
 * z ≥ 3σ, or > 1 s and > 50 % slower, or ≥ 2× the mean is "much slower".
 */
export function verdict(durationMs: number | null, stat: StepStatistic | undefined): Verdict {
  if (durationMs === null || !stat || stat.count < 2) return 'unknown';
  const mean = stat.meanMs;
  const sigma = stat.stdDevMs ?? null;
  const diff = durationMs - mean;
  // Differences a person would not notice are "as usual", whatever the ratio.
  if (Math.abs(diff) < 100) return 'usual';
  if (sigma !== null && sigma > 0 && diff / sigma >= 3) return 'much-slower';
  if ((diff > 1000 && diff > 0.5 * mean) || (mean > 0 && durationMs >= 2 * mean)) return 'much-slower';
  if (diff > 0.2 * mean) return 'slower';
  if (-diff > 0.2 * mean) return 'faster';
  return 'usual';
}

/** A step of the run whose duration trend can be shown. */
export interface TrendChoice {
  /** statKey of its path: same-named siblings share one (their durations are pooled). */
  key: string;
  /** Its path, "Build › Compile". */
  label: string;
  stat: StepStatistic;
  /** This run's duration of the step (its first occurrence), when finished. */
  currentMs: number | null;
  /** The step's last durations (oldest first) without this run's own, which the plot shows apart. */
  historyMs: number[];
}

/** The run's steps that have statistics, in tree order, one per path. */
export function trendChoices(run: RunRecord, stats: Map<string, StepStatistic>): TrendChoice[] {
  const out = new Map<string, TrendChoice>();
  const own = ownDurations(run.steps);
  const lastFinish = new Map<string, number>();
  for (const { step, path } of stepRows(run.steps)) {
    if (step.status === 'succeeded' && step.endedAt !== null) lastFinish.set(statKey(path), Math.max(lastFinish.get(statKey(path)) ?? 0, step.endedAt));
  }
  for (const { step, path } of stepRows(run.steps)) {
    const key = statKey(path);
    const stat = stats.get(key);
    if (!stat || out.has(key)) continue;
    const historyMs = withoutOwnDurations(stat, own.get(key) ?? [], lastFinish.get(key) ?? null);
    out.set(key, { key, label: path.join(' › '), stat, currentMs: step.durationMs, historyMs });
  }
  return [...out.values()];
}

/**
 * A step's last durations without this run's: once the step succeeded, the statistics hold
 * its durations as their newest entries, and a plot that drew them and "this run" beside
 * them would show the run twice. They are this run's when the statistics were last changed
 * by its last finish of the step (the store stamps `updatedAt` with the step's end), so a
 * later run of the script, or statistics read before this step ended, leave them all.
 */
function withoutOwnDurations(stat: StepStatistic, own: readonly number[], lastFinish: number | null): number[] {
  const last = stat.lastDurationsMs;
  const tail = last.slice(last.length - own.length);
  const holdsThisRun = own.length > 0 && own.length <= last.length && stat.updatedAt === lastFinish && own.every((d, i) => tail[i] === d);
  return holdsThisRun ? last.slice(0, last.length - own.length) : last;
}

/** The chosen step if it is among the choices, else the first with at least two durations (else the first). */
export function pickTrend(choices: TrendChoice[], chosen: string | null): TrendChoice | null {
  return choices.find((c) => c.key === chosen) ?? choices.find((c) => c.historyMs.length >= 2) ?? choices[0] ?? null;
}

/** "45 % · ≈ 12 s left" for a running run (protocol/format.ts formatProgress); null when nothing is known. */
export function progressLabel(progress: RunProgress | null): string | null {
  return formatProgress(progress) || null;
}

export function countSteps(steps: StepRecord[]): number {
  return steps.reduce((n, s) => n + 1 + countSteps(s.children), 0);
}

function firstFailed(steps: StepRecord[]): string | null {
  for (const s of steps) {
    if (s.status === 'failed') return s.name;
    const inner = firstFailed(s.children);
    if (inner) return inner;
  }
  return null;
}

/** A list row from a full record (snapshots, live runs). */
export function historyRunFromRecord(r: RunRecord): HistoryRun {
  return {
    id: r.id,
    script: r.script,
    args: r.args,
    profile: r.profile,
    status: r.status,
    exitCode: r.exitCode,
    startedAt: Date.parse(r.startedAt),
    endedAt: r.endedAt === null ? null : Date.parse(r.endedAt),
    durationMs: r.durationMs,
    lineCount: r.lineCount,
    stepCount: countSteps(r.steps),
    failedStep: firstFailed(r.steps),
    ...(r.host !== undefined ? { host: r.host } : {}),
    ...(r.user !== undefined ? { user: r.user } : {}),
  };
}

export function basename(file: string): string {
  const i = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return i >= 0 ? file.slice(i + 1) : file;
}

/** "just now", "5 min ago", "3 h ago", else a date. */
export function relativeTime(ms: number, now = Date.now()): string {
  const s = Math.round((now - ms) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  if (s < 7 * 86_400) return `${Math.round(s / 86_400)} d ago`;
  return formatDateTime(ms).slice(0, 10);
}

/** The one date format (protocol/format.ts), kept under this name for the components. */
export function dateTime(ms: number): string {
  return formatDateTime(ms);
}
