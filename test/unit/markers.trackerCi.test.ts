// What the step tracker makes of the CI dialects' events (sidecar/markers/stepTracker.ts):
// errors that keep their step open, stated durations and timestamps, notices, masks.
import { strict as assert } from 'node:assert';
import { StepTracker } from '../../sidecar/markers/stepTracker';
import type { StepFinishedEvent, StepTreeEvent } from '../../sidecar/protocol/events';
import type { MarkerEvent } from '../../sidecar/protocol/markers';

function run(markers: MarkerEvent[], tracker = new StepTracker({ runId: 'r', cwd: '/w' })): { tracker: StepTracker; events: StepTreeEvent[] } {
  const events: StepTreeEvent[] = [];
  markers.forEach((m, i) => events.push(...tracker.apply(m, 1000 + 10 * i, i + 1)));
  return { tracker, events };
}
const finishedOf = (events: StepTreeEvent[]) => events.filter((e): e is StepFinishedEvent => e.type === 'stepFinished');
const keepOpen = (message: string, file: string | null = null): MarkerEvent => ({
  kind: 'stepError',
  message,
  location: file ? { file, line: 3, column: 2 } : null,
  keepOpen: true,
});

describe('markers: tracker with CI dialect events', () => {
  it('an error that keeps its step open fails it when the step closes; later ones are critical warnings', () => {
    const { events, tracker } = run([
      { kind: 'stepStart', name: 'lint' },
      keepOpen('first', 'a.ts'),
      keepOpen('second', 'b.ts'),
      { kind: 'stepComplete', name: 'lint' },
    ]);
    const [done] = finishedOf(events);
    assert.equal(done!.status, 'failed');
    assert.deepEqual(done!.error, { message: 'first', file: 'a.ts', line: 3, column: 2 });
    const warnings = events.filter((e) => e.type === 'warning');
    assert.deepEqual(warnings.map((w) => w.type === 'warning' && [w.warning.severity, w.warning.message, w.warning.file]), [['critical', 'second', 'b.ts']]);
    assert.equal(tracker.hasFailedStep, true);
  });

  it('keeps the held error when the step is closed at a clean exit, and over the exit code', () => {
    const tracker = new StepTracker({ runId: 'r', cwd: '/w' });
    run([{ kind: 'stepStart', name: 's' }, keepOpen('held')], tracker);
    const [done] = finishedOf(tracker.finish({ at: 2000, line: 9, exitCode: 1, signal: null, reason: 'exited' }));
    assert.equal(done!.status, 'failed');
    assert.equal(done!.error!.message, 'held');
  });

  it('a cancelled run keeps a step with a held error cancelled', () => {
    const tracker = new StepTracker({ runId: 'r', cwd: '/w' });
    run([{ kind: 'stepStart', name: 's' }, keepOpen('held')], tracker);
    const [done] = finishedOf(tracker.finish({ at: 2000, line: 9, exitCode: null, signal: 'SIGTERM', reason: 'cancelled' }));
    assert.equal(done!.status, 'cancelled');
  });

  it('an error that keeps steps open, with none open, is a run error', () => {
    const { events, tracker } = run([keepOpen('no step')]);
    assert.equal(events[0]!.type, 'runError');
    assert.equal(tracker.runError!.message, 'no step');
  });

  it('uses a stated duration, or the difference of stated timestamps, instead of arrival times', () => {
    const { events } = run([
      { kind: 'stepStart', name: 'test' },
      { kind: 'stepComplete', name: 'test', durationMs: 250 },
      { kind: 'stepStart', name: 'section', timestamp: 5_000 },
      { kind: 'stepComplete', name: 'section', timestamp: 12_000 },
      { kind: 'stepStart', name: 'clock back', timestamp: 9_000 },
      { kind: 'stepComplete', name: 'clock back', timestamp: 8_000 },
      { kind: 'stepStart', name: 'no start stamp' },
      { kind: 'stepComplete', name: 'no start stamp', timestamp: 8_000 },
    ]);
    assert.deepEqual(finishedOf(events).map((e) => e.durationMs), [250, 7000, 0, 10]);
  });

  it('applies a stated duration to the named step only, not to the children it closes', () => {
    const { events } = run([
      { kind: 'stepStart', name: 'outer' },
      { kind: 'stepStart', name: 'inner' },
      { kind: 'stepComplete', name: 'outer', durationMs: 999 },
    ]);
    assert.deepEqual(finishedOf(events).map((e) => [e.stepId, e.durationMs]), [[2, 10], [1, 999]]);
  });

  it('gives notices info severity and makes nothing of a mask', () => {
    const { events } = run([
      { kind: 'stepWarning', message: 'fyi', location: null, severity: 'info' },
      { kind: 'mask', value: 'x' },
    ]);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.type === 'warning' && events[0]!.warning.severity, 'info');
  });
});
