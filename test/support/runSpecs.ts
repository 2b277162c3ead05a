// Runs and steps for the pure statistics tests, written as compact specs:
//   run([['Build', 0, 1200, [['Compile', 100, 900]]], ['Test', 1300, null]], { durationMs: null })
// A spec is [name, start offset ms, duration ms | null (still running), children?, meta?, status?];
// offsets are from the run's start (T0 unless given), ids are unique across a test file.
import type { RunRecord, StepRecord, StepStatus } from '../../sidecar/protocol/model';

/** A fixed clock for the run starts (2027-01-15), so no test depends on the wall clock. */
export const T0 = 1_800_000_000_000;

export type Spec = [string, number, number | null, Spec[]?, Record<string, string>?, StepStatus?];

let nextId = 1;

export function steps(specs: readonly Spec[], base = T0): StepRecord[] {
  return specs.map(([name, offset, duration, children = [], meta = {}, status]) => ({
    id: nextId++,
    name,
    status: status ?? (duration === null ? 'running' : 'succeeded'),
    startedAt: base + offset,
    endedAt: duration === null ? null : base + offset + duration,
    durationMs: duration,
    error: null,
    warnings: [],
    meta,
    firstLine: 1,
    lastLine: null,
    children: steps(children, base),
  }));
}

/** A run of /w/build.sh: running unless `durationMs` is given (then succeeded, exit 0). */
export function run(specs: readonly Spec[], opts: { start?: number; durationMs?: number | null; meta?: Record<string, string> } = {}): RunRecord {
  const start = opts.start ?? T0;
  const durationMs = opts.durationMs === undefined ? null : opts.durationMs;
  return {
    id: `r${nextId++}`,
    script: '/w/build.sh',
    args: [],
    cwd: '/w',
    profile: null,
    status: durationMs === null ? 'running' : 'succeeded',
    exitCode: durationMs === null ? null : 0,
    signal: null,
    startedAt: new Date(start).toISOString(),
    endedAt: durationMs === null ? null : new Date(start + durationMs).toISOString(),
    durationMs,
    lineCount: 0,
    error: null,
    warnings: [],
    meta: opts.meta ?? {},
    steps: steps(specs, start),
    artifacts: [],
  };
}
