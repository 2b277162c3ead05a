// What the HTML and Markdown reports say the same way.
import { formatDuration } from '../protocol/format';
import type { RunRecord, StepWarning } from '../protocol/model';
import type { StepBaseline } from '../protocol/statistics';
import type { ReportData } from './reportData';

const ICONS: Record<string, string> = {
  succeeded: '✅',
  failed: '❌',
  cancelled: '⏹️',
  timed_out: '⏱️',
  interrupted: '⚡',
  running: '⏳',
};

export function statusIcon(status: string): string {
  return ICONS[status] ?? '•';
}

export function runTitle(run: RunRecord): string {
  const name = run.script.split(/[\\/]/).pop() || run.script;
  return `StepFlow: ${name} ${run.status.replace('_', ' ')}${run.durationMs !== null ? ` in ${formatDuration(run.durationMs)}` : ''}`;
}

/** Every warning of the run, run-level first, then by step in start order. */
export function warningsOf(data: ReportData): Array<{ owner: string; warning: StepWarning }> {
  return [
    ...data.run.warnings.map((warning) => ({ owner: 'run', warning })),
    ...data.steps.flatMap(({ step, path }) => step.warnings.map((warning) => ({ owner: path.join(' › '), warning }))),
  ];
}

/** "+42 %" / "−8 %" against the usual duration; '≈' within 10 ms; '—' without one. */
export function deltaText(durationMs: number | null, baseline: StepBaseline | null): string {
  if (durationMs === null || !baseline || baseline.meanMs <= 0) return '—';
  // Percentages of a few milliseconds are timer noise (0 ms after a 1 ms mean is "−100 %").
  if (Math.abs(durationMs - baseline.meanMs) < 10) return '≈';
  const change = Math.round(((durationMs - baseline.meanMs) / baseline.meanMs) * 100);
  return change > 0 ? `+${change} %` : change < 0 ? `−${-change} %` : '±0 %';
}

/** A file name for the report of a run: `stepflow-build-sh-<id>.html`. */
export function reportFileName(run: RunRecord, extension: 'html' | 'md'): string {
  const name = (run.script.split(/[\\/]/).pop() || 'run').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/\./g, '-');
  return `stepflow-${name}-${run.id}.${extension}`;
}
