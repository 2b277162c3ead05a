// What a screen reader says for a run or a step — the tree's rows, the status bar item and the
// panel's runs list and step table say the same words. Written text uses "12.3 s", "≈", "·"
// and "⚠", which speech reads as letters or not at all, so here every state, duration and
// progress is in words. Pure.
import type { RunProgress } from './stats';

/** A state in words: "running", "succeeded", "failed", "cancelled", "timed out", "interrupted". */
export function spokenStatus(status: string): string {
  return status.replace('_', ' ');
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/**
 * A duration in words, rounded as formatDuration rounds it: "850 milliseconds",
 * "12.3 seconds", "4 minutes 5 seconds", "1 hour 2 minutes"; "unknown duration" for none.
 */
export function spokenDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return 'unknown duration';
  if (Math.round(ms) < 1000) return plural(Math.max(0, Math.round(ms)), 'millisecond');
  if (Math.round(ms / 100) < 600) {
    const s = (ms / 1000).toFixed(1);
    return `${s.endsWith('.0') ? s.slice(0, -2) : s} second${s === '1.0' ? '' : 's'}`;
  }
  const totalSeconds = Math.round(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  if (minutes < 60) return `${plural(minutes, 'minute')}${totalSeconds % 60 ? ` ${plural(totalSeconds % 60, 'second')}` : ''}`;
  return `${plural(Math.floor(minutes / 60), 'hour')}${minutes % 60 ? ` ${plural(minutes % 60, 'minute')}` : ''}`;
}

/** A remaining time in words: "about 12 seconds left", "less than a second left", "longer than usual"; '' when unknown. */
function spokenRemaining(remainingMs: number | null, overdue: boolean): string {
  if (remainingMs === null) return '';
  if (remainingMs < 1000) return overdue ? 'taking longer than usual' : 'less than a second left';
  return `about ${remainingMs < 60_000 ? plural(Math.ceil(remainingMs / 1000), 'second') : spokenDuration(remainingMs)} left`;
}

/** formatProgress in words: "45 percent done, about 12 seconds left"; '' when nothing is known. */
export function spokenProgress(progress: RunProgress | null | undefined): string {
  if (!progress) return '';
  const parts: string[] = [];
  if (progress.fraction !== null) parts.push(`${Math.floor(progress.fraction * 100)} percent done`);
  const run = spokenRemaining(progress.remainingMs, progress.overdue);
  const step = spokenRemaining(progress.stepRemainingMs, progress.overdue);
  if (run) parts.push(run);
  else if (step) parts.push(`step ${step}`);
  return parts.join(', ');
}

export interface SpokenRun {
  /** The script's file name. */
  name: string;
  status: string;
  durationMs: number | null;
  /** The run's progress while it runs (spokenProgress). */
  progress?: RunProgress | null;
  /** The step where a failure starts (firstFailingStep). */
  failedStep?: string | null;
  /** Errors in the run and its steps. */
  errors?: number;
  warnings?: number;
  profile?: string | null;
  /** "exit code 3" and the like, when it says more than the status. */
  outcome?: string | null;
}

/** "build.sh, failed at Link, 2 minutes 10 seconds, 1 error, profile ci". */
export function spokenRun(run: SpokenRun): string {
  const parts = [run.name, `${spokenStatus(run.status)}${run.failedStep ? ` at ${run.failedStep}` : ''}`];
  if (run.outcome) parts.push(run.outcome);
  parts.push(spokenDuration(run.durationMs));
  const progress = run.status === 'running' ? spokenProgress(run.progress) : '';
  if (progress) parts.push(progress);
  if (run.errors) parts.push(plural(run.errors, 'error'));
  if (run.warnings) parts.push(plural(run.warnings, 'warning'));
  if (run.profile) parts.push(`profile ${run.profile}`);
  return parts.join(', ');
}

export interface SpokenStep {
  name: string;
  /** The status a view shows (shownStatus). */
  status: string;
  durationMs: number | null;
  /** META:PROGRESS, as the script gave it ("60"). */
  percent?: string | null;
  /** Time left of the running step (the run's estimate, when it is about this step). */
  remaining?: { ms: number | null; overdue: boolean } | null;
  /** Why it is shown failed although closed as succeeded ("1 child step failed"). */
  note?: string | null;
  errors?: number;
  warnings?: number;
  /** The outlier verdict: 'warning' (slower than usual) or 'critical' (much slower). */
  slower?: 'warning' | 'critical' | null;
}

/** "Compile, running, 12.3 seconds, 60 percent done, about 3 seconds left" / "Link, succeeded, 11 seconds, much slower than usual". */
export function spokenStep(step: SpokenStep): string {
  const parts = [step.name, spokenStatus(step.status)];
  if (step.note) parts.push(step.note);
  parts.push(spokenDuration(step.durationMs));
  if (step.status === 'running') {
    if (step.percent) parts.push(`${step.percent} percent done`);
    const left = step.remaining ? spokenRemaining(step.remaining.ms, step.remaining.overdue) : '';
    if (left) parts.push(left);
  }
  if (step.slower) parts.push(step.slower === 'critical' ? 'much slower than usual' : 'slower than usual');
  if (step.errors) parts.push(plural(step.errors, 'error'));
  if (step.warnings) parts.push(plural(step.warnings, 'warning'));
  return parts.join(', ');
}
