// The run side of trace export (docs/architecture.md, "Trace export"): hands a finished run's
// record to the exporter of its collector, after the run is over and stored, so a slow or
// absent collector never delays or fails a run. The SDK lives in dist/sidecar-otel.js and is
// required here, on the first export, never at start-up (see esbuild.mjs).
import type { RunRecord } from '../protocol/model';
import type { TraceTarget } from './traceTarget';
import type { RunTraceExporter } from './runTraceExporter';

const exporters = new Map<string, RunTraceExporter>();
/** Collector URLs whose exporter could not even be built (a mistyped setting): warned about once. */
const unusable = new Set<string>();

export interface TraceExportOptions {
  /** Bound on one export, retries included (the CLI's exit wait); absent: the SDK's default. */
  timeoutMillis?: number;
  warn?: (line: string) => void;
}

/** Starts exporting a finished run; returns at once. A failure to even start is one warning. */
export function exportRunTrace(record: RunRecord, target: TraceTarget, options: TraceExportOptions = {}): void {
  const warn = options.warn ?? warnOnStderr;
  try {
    exporterFor(target, options, warn).exportRun(record);
  } catch (err) {
    if (unusable.has(target.url)) return;
    unusable.add(target.url);
    warn(`trace export to ${target.url} failed: ${(err as Error).message}; the run's trace was dropped`);
  }
}

/**
 * Waits until every started export is sent or given up, or `timeoutMs` has passed. The CLI
 * calls it before it exits, with the same bound it gave the exporter, so a down collector
 * costs a finished `stepflow run` at most that long.
 */
export async function flushRunTraces(timeoutMs: number): Promise<void> {
  if (exporters.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  try {
    await Promise.race([Promise.all([...exporters.values()].map((e) => e.flush())), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function exporterFor(target: TraceTarget, options: TraceExportOptions, warn: (line: string) => void): RunTraceExporter {
  let exporter = exporters.get(target.url);
  if (!exporter) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { RunTraceExporter: Exporter } = require('./runTraceExporter') as typeof import('./runTraceExporter');
    exporter = new Exporter({ url: target.url, warn, ...(options.timeoutMillis !== undefined ? { timeoutMillis: options.timeoutMillis } : {}) });
    exporters.set(target.url, exporter);
  }
  return exporter;
}

function warnOnStderr(line: string): void {
  process.stderr.write(`[stepflow] warning: ${line}\n`);
}
