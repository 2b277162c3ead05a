// Expectations of a run, from the script's recent successful runs (buildExpectations, called by
// the store): the shape of the latest successful run — its steps, nested, in order — with
// each step's mean over the recent successful runs that had the same step at the same
// place. A step is identified by its names from the root plus its occurrence among
// same-named siblings ("Test" the second time is another step), so steps added or removed
// between runs only change what they touch. The estimate made from them while a run runs is
// protocol/progress.ts (every view runs it); its text is protocol/format.ts formatProgress.
import type { RunRecord, StepRecord } from '../protocol/model';
import type { ExpectedStep, RunExpectations } from '../protocol/stats';
import { keyed } from '../protocol/progress';

/** How many recent successful runs expectations are drawn from. */
export const EXPECTATION_RUNS = 5;

/** `runs`: recent successful runs of one script, newest first. Null when there are none. */
export function buildExpectations(runs: readonly RunRecord[]): RunExpectations | null {
  const recent = runs.slice(0, EXPECTATION_RUNS);
  if (recent.length === 0) return null;
  // Durations by occurrence key, over all recent runs.
  const durations = new Map<string, number[]>();
  const visit = (steps: readonly StepRecord[], prefix: string) => {
    for (const [step, key] of keyed(steps, prefix)) {
      if (step.durationMs !== null && step.status === 'succeeded') {
        const list = durations.get(key) ?? [];
        list.push(step.durationMs);
        durations.set(key, list);
      }
      visit(step.children, key);
    }
  };
  for (const run of recent) visit(run.steps, '');
  const shape = (steps: readonly StepRecord[], prefix: string): ExpectedStep[] =>
    keyed(steps, prefix).map(([step, key]) => {
      const list = durations.get(key) ?? [step.durationMs ?? 0];
      return { name: step.name, meanMs: mean(list), samples: list.length, children: shape(step.children, key) };
    });
  const runDurations = recent.map((r) => r.durationMs).filter((d): d is number => d !== null);
  const overheads = recent
    .filter((r) => r.durationMs !== null)
    .map((r) => Math.max(0, r.durationMs! - r.steps.reduce((sum, s) => sum + (s.durationMs ?? 0), 0)));
  return {
    basedOnRuns: recent.length,
    meanRunMs: runDurations.length ? mean(runDurations) : 0,
    overheadMs: overheads.length ? mean(overheads) : 0,
    steps: shape(recent[0]!.steps, ''),
  };
}

function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}
