// What a step or run *looks like* to a user, as opposed to what the script said. One pure
// place, so the tree, the panel, the CLI and the reports never disagree.
//
// The stored status stays exactly what the markers said (a step closed with STEP_COMPLETE
// is `succeeded` in the database, in `stepflow run --json` and in the statistics). What is
// *shown* is derived here: a failure is never hidden, so a step with a failed descendant is
// shown as failed ("1 child step failed"), as GitHub Actions and VS Code's Testing view do.
import type { RunRecord, StepError, StepRecord, StepStatus } from './model';

/** The status a view shows for a step: its own, or `failed` when a descendant failed. */
export function shownStatus(step: StepRecord): StepStatus {
  if (step.status === 'succeeded' && step.children.some((c) => shownStatus(c) === 'failed')) return 'failed';
  return step.status;
}

/**
 * The descendants where failures start: failed (as shown) steps without a failed child of
 * their own. A step's own failure is not counted.
 */
export function failedDescendants(step: StepRecord): StepRecord[] {
  const out: StepRecord[] = [];
  const visit = (s: StepRecord) => {
    for (const child of s.children) {
      if (shownStatus(child) !== 'failed') continue;
      if (child.children.some((c) => shownStatus(c) === 'failed')) visit(child);
      else out.push(child);
    }
  };
  visit(step);
  return out;
}

/** "1 child step failed" / "3 child steps failed", or null when none did. */
export function failedChildrenText(step: StepRecord): string | null {
  const n = failedDescendants(step).length;
  return n === 0 ? null : `${n} child step${n === 1 ? '' : 's'} failed`;
}

/** Why a step is shown failed although its script closed it as succeeded; null otherwise. */
export function shownStatusNote(step: StepRecord): string | null {
  return step.status === 'succeeded' && shownStatus(step) === 'failed' ? failedChildrenText(step) : null;
}

/**
 * The step a user wants to see first when a run failed: the first failing step in start
 * order that has no failing child (depth-first), or null when no step failed.
 */
export function firstFailingStep(steps: readonly StepRecord[]): StepRecord | null {
  for (const step of steps) {
    if (shownStatus(step) !== 'failed') continue;
    return firstFailingStep(step.children) ?? step;
  }
  return null;
}

/** The path from a root step down to `target` (both included), or null when absent. */
export function stepPath(steps: readonly StepRecord[], target: number): StepRecord[] | null {
  for (const step of steps) {
    if (step.id === target) return [step];
    const below = stepPath(step.children, target);
    if (below) return [step, ...below];
  }
  return null;
}

/** Does any step of the run show as failed? */
export function hasFailedStep(run: Pick<RunRecord, 'steps'>): boolean {
  return run.steps.some((s) => shownStatus(s) === 'failed');
}

const OUTCOME_ERROR = /^(exit code -?\d+|killed by [A-Z0-9]+|cancelled|timed out)$/;

/**
 * A run-level error the runner made up from how the process ended ("exit code 3", "killed
 * by SIGTERM", "cancelled", "timed out"), as opposed to a STEP_ERROR or a start failure.
 */
export function isOutcomeError(error: StepError | null): boolean {
  return error !== null && error.file === null && OUTCOME_ERROR.test(error.message);
}

/**
 * Whether views show the run's error as its own row. A made-up outcome error is folded into
 * the run's description when a step already shows the failure (or the status says it all:
 * cancelled, timed out); it gets a row only when nothing else explains the failure.
 */
export function runErrorShownAsRow(run: Pick<RunRecord, 'error' | 'status' | 'steps'>): boolean {
  if (!run.error) return false;
  if (!isOutcomeError(run.error)) return true;
  if (run.status === 'cancelled' || run.status === 'timed_out') return false;
  return !hasFailedStep(run);
}
