// Durations as people read them — 850 ms, 12.3 s, 4m 05s, 1h 02m — the same in the CLI,
// the tree view, the panel and reports; and the one progress text of a running run.
import type { RunProgress } from './stats';

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  // Each unit's range is what it rounds to: 999.6 ms is "1.0 s", never "1000 ms".
  if (Math.round(ms) < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (Math.round(ms / 100) < 600) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  if (minutes < 60) return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/**
 * A z-score as every view writes it: one decimal, rounded down so a label never claims a
 * threshold the value missed (3.96σ → "3.9σ").
 */
export function formatSigma(z: number): string {
  return `${(Math.floor(z * 10) / 10).toFixed(1)}σ`;
}

/** A spread (σ) always with its unit: "± 1.1 s", "± 12 ms". */
export function formatSpread(sdMs: number): string {
  return `± ${formatDuration(sdMs)}`;
}

/**
 * "+42 %" / "−8 %" of a duration against a mean; null without a usable mean — also one that
 * prints as "0 ms", against which any duration is some absurd "+599900 %".
 */
export function formatPercentChange(durationMs: number, meanMs: number): string | null {
  if (!(Math.round(meanMs) >= 1)) return null;
  const change = Math.round(((durationMs - meanMs) / meanMs) * 100);
  return change > 0 ? `+${change} %` : change < 0 ? `−${-change} %` : '±0 %';
}

/**
 * A moment as every view writes it: "2026-03-05 14:07:09" (sortable, no locale surprises,
 * the same in the panel, the tree, the pickers and the reports). Local time by default;
 * `utc` adds " UTC" (reports, which are read elsewhere).
 */
export function formatDateTime(at: number | string | Date, options: { utc?: boolean } = {}): string {
  const d = at instanceof Date ? at : new Date(typeof at === 'string' ? Date.parse(at) : at);
  if (Number.isNaN(d.getTime())) return '—';
  const p = (n: number) => String(n).padStart(2, '0');
  if (options.utc) {
    return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC`;
  }
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * A remaining time as every view writes it: "≈ 12 s left" (whole seconds, rounded up, under a
 * minute), "≈ 4m 05s left"; under a second "≈ <1 s left" — or "longer than usual" when a
 * running step has already taken longer than expected (the estimate is then only a floor).
 * '' when unknown.
 */
export function formatRemaining(remainingMs: number | null, overdue = false): string {
  if (remainingMs === null) return '';
  if (remainingMs < 1000) return overdue ? 'longer than usual' : '≈ <1 s left';
  return `≈ ${remainingMs < 60_000 ? `${Math.ceil(remainingMs / 1000)} s` : formatDuration(remainingMs)} left`;
}

/**
 * The one progress text of a running run, written the same by the StepFlow view, the status
 * bar, `stepflow run`'s status line and the history panel: "45 % · ≈ 12 s left" (the run's
 * estimated share done, then its time left). Without a time for the whole run, the running
 * step's: "step ≈ 3 s left". '' when nothing is known.
 */
export function formatProgress(progress: RunProgress | null | undefined): string {
  if (!progress) return '';
  const parts: string[] = [];
  if (progress.fraction !== null) parts.push(`${Math.floor(progress.fraction * 100)} %`);
  const run = formatRemaining(progress.remainingMs, progress.overdue);
  const step = formatRemaining(progress.stepRemainingMs, progress.overdue);
  if (run) parts.push(run);
  else if (step) parts.push(`step ${step}`);
  return parts.join(' · ');
}
