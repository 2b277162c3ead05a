// Everything a run report shows, read from the store once; the HTML and Markdown renderers
// are pure functions of it.
import { stripAnsi } from '../protocol/ansi';
import type { RunRecord, StepError, StepRecord, StreamName } from '../protocol/model';
import type { StepBaseline } from '../protocol/statistics';
import { stepPathKey } from '../store/schema';
import type { Store } from '../store/store';
import { baselineWithout, ownDurations, pathKey } from '../protocol/usual';
import { failedDescendants, shownStatus } from '../protocol/results';
import { UserError } from '../util/errors';

export interface ReportStep {
  step: StepRecord;
  /** Names from the root. */
  path: string[];
  depth: number;
  /** The step's usual duration: its statistics without this run's own durations. */
  baseline: StepBaseline | null;
}

export interface ExcerptLine {
  line: number;
  stream: StreamName;
  text: string;
}

/** The end of a failing step's output (or of the run's, when it failed outside steps). */
export interface LogExcerpt {
  stepId: number | null;
  title: string;
  error: StepError | null;
  lines: ExcerptLine[];
  /** Lines of the step before the excerpt that are left out. */
  omittedBefore: number;
}

export interface ReportData {
  run: RunRecord;
  /** Depth-first, in start order. */
  steps: ReportStep[];
  excerpts: LogExcerpt[];
  generatedAt: number;
}

export const EXCERPT_LINES = 40;
const MAX_EXCERPTS = 5;
const MAX_LINE_CHARS = 500;

export function loadReportData(store: Store, runId: string, now = Date.now()): ReportData {
  const run = store.getRun(runId);
  if (!run) throw new UserError(`no run with id "${runId}"`);
  const steps = flatten(run.steps);
  const baselines = usualDurations(store, run);
  for (const entry of steps) entry.baseline = baselines.get(stepPathKey(entry.path)) ?? null;
  return { run, steps, excerpts: excerpts(store, run, steps), generatedAt: now };
}

function flatten(roots: readonly StepRecord[]): ReportStep[] {
  const out: ReportStep[] = [];
  const visit = (steps: readonly StepRecord[], parent: string[], depth: number) => {
    for (const step of steps) {
      const path = [...parent, step.name];
      out.push({ step, path, depth, baseline: null });
      visit(step.children, path, depth + 1);
    }
  };
  visit(roots, [], 0);
  return out;
}

/** Statistics per step path with this run's own succeeded durations taken out again (the panel does the same). */
function usualDurations(store: Store, run: RunRecord): Map<string, StepBaseline> {
  const own = ownDurations(run.steps);
  const result = new Map<string, StepBaseline>();
  for (const stat of store.stepStats(run.script)) {
    const baseline = baselineWithout(stat, own.get(pathKey(stat.path)) ?? []);
    if (baseline) result.set(stepPathKey(stat.path), baseline);
  }
  return result;
}

function excerpts(store: Store, run: RunRecord, steps: readonly ReportStep[]): LogExcerpt[] {
  // The steps where a failure starts: failed, without a failed child of their own.
  const failing = steps.filter(({ step }) => shownStatus(step) === 'failed' && failedDescendants(step).length === 0).slice(0, MAX_EXCERPTS);
  const out = failing.map(({ step, path }) => excerpt(store, run, step.id, path.join(' › '), step.error, step.firstLine, step.lastLine ?? run.lineCount));
  if (out.length === 0 && run.status !== 'succeeded' && run.status !== 'running' && run.lineCount > 0) {
    out.push(excerpt(store, run, null, 'Run', run.error, 1, run.lineCount));
  }
  return out;
}

function excerpt(store: Store, run: RunRecord, stepId: number | null, title: string, error: StepError | null, first: number, last: number): LogExcerpt {
  const from = Math.max(first, last - EXCERPT_LINES + 1);
  const lines = last >= from ? store.readLog(run.id, from, last - from + 1) : [];
  return {
    stepId,
    title,
    error,
    omittedBefore: Math.max(0, from - first),
    lines: lines.map((l) => ({ line: l.line, stream: l.stream, text: clip(stripAnsi(l.text)) })),
  };
}

function clip(text: string): string {
  const chars = Array.from(text);
  return chars.length > MAX_LINE_CHARS ? chars.slice(0, MAX_LINE_CHARS).join('') + ' …' : text;
}
