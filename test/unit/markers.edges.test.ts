// Marker behaviours written from the `markers` mutation survivors (docs/testing.md
// "Mutation testing"): an adopted run's steps keeping their first-seen start, warnings
// without a location, MASK:, locations and artifact paths at their edges.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { parseStepflowLine } from '../../sidecar/markers/stepflowDialect';
import { resolveArtifactPath, StepTracker } from '../../sidecar/markers/stepTracker';
import type { StepFinishedEvent, StepTreeEvent } from '../../sidecar/protocol/events';

const finishedOf = (events: StepTreeEvent[]) => events.filter((e): e is StepFinishedEvent => e.type === 'stepFinished');

describe('markers: a step of an adopted run keeps the start time it was first seen at', () => {
  it('measures its duration from the restored start, not from the replay', () => {
    const tracker = new StepTracker({ runId: 'r', cwd: '/w' });
    tracker.apply({ kind: 'stepStart', name: 'outer' }, 50_000, 1);
    tracker.apply({ kind: 'stepStart', name: 'inner' }, 50_000, 2);
    tracker.restoreStartedAt(1, 10_000);
    tracker.restoreStartedAt(2, 40_000);
    const events = [...tracker.apply({ kind: 'stepComplete', name: 'inner' }, 60_000, 3), ...tracker.apply({ kind: 'stepComplete', name: 'outer' }, 70_000, 4)];
    assert.deepEqual(finishedOf(events).map((e) => [e.stepId, e.durationMs]), [[2, 20_000], [1, 60_000]]);
  });

  it('leaves the open steps alone when the id is not an open step', () => {
    const tracker = new StepTracker({ runId: 'r', cwd: '/w' });
    tracker.apply({ kind: 'stepStart', name: 'a' }, 1000, 1);
    tracker.apply({ kind: 'stepComplete', name: 'a' }, 1500, 2);
    tracker.apply({ kind: 'stepStart', name: 'b' }, 2000, 3);
    tracker.restoreStartedAt(1, 0); // already closed
    tracker.restoreStartedAt(99, 0); // never existed
    const [done] = finishedOf(tracker.apply({ kind: 'stepComplete', name: 'b' }, 2500, 4));
    assert.equal(done!.durationMs, 500);
  });
});

describe('markers: warnings and errors without a location or column', () => {
  it('gives a warning without a location null file, line and column, in a step and on the run', () => {
    const tracker = new StepTracker({ runId: 'r', cwd: '/w' });
    const onRun = tracker.apply({ kind: 'stepWarning', message: 'w', location: null }, 1000, 1);
    tracker.apply({ kind: 'stepStart', name: 's' }, 1001, 2);
    const inStep = tracker.apply({ kind: 'stepWarning', message: 'w', location: null }, 1002, 3);
    const expected = { type: 'marker', severity: 'warning', message: 'w', file: null, line: null, column: null };
    assert.deepEqual(onRun, [{ type: 'warning', runId: 'r', stepId: null, warning: expected, at: 1000 }]);
    assert.deepEqual(inStep, [{ type: 'warning', runId: 'r', stepId: 1, warning: expected, at: 1002 }]);
  });

  it('keeps a warning\'s line and column', () => {
    const tracker = new StepTracker({ runId: 'r', cwd: '/w' });
    const [e] = tracker.apply({ kind: 'stepWarning', message: 'w', location: { file: 'a.c', line: 7, column: 9 } }, 1000, 1);
    assert.deepEqual(e!.type === 'warning' && e!.warning, { type: 'marker', severity: 'warning', message: 'w', file: 'a.c', line: 7, column: 9 });
  });

  it('gives a step error without a location null file, line and column', () => {
    const tracker = new StepTracker({ runId: 'r', cwd: '/w' });
    tracker.apply({ kind: 'stepStart', name: 's' }, 1000, 1);
    const [done] = finishedOf(tracker.apply({ kind: 'stepError', message: 'bad', location: null }, 1001, 2));
    assert.deepEqual(done!.error, { message: 'bad', file: null, line: null, column: null });
  });

  it('makes further CI error annotations critical warnings, keeping their column or null', () => {
    const tracker = new StepTracker({ runId: 'r', cwd: '/w' });
    tracker.apply({ kind: 'stepStart', name: 's' }, 1000, 1);
    tracker.apply({ kind: 'stepError', message: 'first', location: null, keepOpen: true }, 1001, 2);
    const [w] = tracker.apply({ kind: 'stepError', message: 'second', location: { file: 'b.ts', line: 4, column: null }, keepOpen: true }, 1002, 3);
    assert.deepEqual(w, {
      type: 'warning',
      runId: 'r',
      stepId: 1,
      warning: { type: 'marker', severity: 'critical', message: 'second', file: 'b.ts', line: 4, column: null },
      at: 1002,
    });
    const [third] = tracker.apply({ kind: 'stepError', message: 'third', location: { file: 'c.ts', line: 5, column: 7 }, keepOpen: true }, 1003, 4);
    assert.deepEqual(third!.type === 'warning' && third!.warning, { type: 'marker', severity: 'critical', message: 'third', file: 'c.ts', line: 5, column: 7 });
  });
});

describe('markers: MASK:', () => {
  it('registers the trimmed secret', () => {
    assert.deepEqual(parseStepflowLine('MASK:hunter2'), { kind: 'mask', value: 'hunter2' });
    assert.deepEqual(parseStepflowLine('MASK:  s3cr3t value  '), { kind: 'mask', value: 's3cr3t value' });
    assert.deepEqual(parseStepflowLine('MASK:a:b'), { kind: 'mask', value: 'a:b' });
  });

  it('is no marker without a value, or with a different keyword', () => {
    assert.equal(parseStepflowLine('MASK:'), null);
    assert.equal(parseStepflowLine('MASK:   '), null);
    assert.equal(parseStepflowLine('mask:x'), null);
    assert.equal(parseStepflowLine('MASKS:x'), null);
  });
});

describe('markers: locations and artifact paths at their edges', () => {
  it('takes a file name that begins with digits for a location', () => {
    assert.deepEqual(parseStepflowLine('STEP_ERROR:2024-report.txt:3: bad'), {
      kind: 'stepError',
      message: 'bad',
      location: { file: '2024-report.txt', line: 3, column: null },
    });
  });

  it('reads a line and a column of several digits', () => {
    assert.deepEqual(parseStepflowLine('STEP_ERROR:src/main.c:1234:56: overflow'), {
      kind: 'stepError',
      message: 'overflow',
      location: { file: 'src/main.c', line: 1234, column: 56 },
    });
  });

  it('does not take a message that starts with a colon for a location', () => {
    assert.deepEqual(parseStepflowLine('STEP_ERROR::a.c:3: x'), { kind: 'stepError', message: ':a.c:3: x', location: null });
  });

  it('splits a one-letter artifact path at its colon even when the description names a drive', () => {
    assert.deepEqual(parseStepflowLine('ARTIFACT:a:copied to D:/out'), { kind: 'artifact', path: 'a', description: 'copied to D:/out' });
  });
});

describe('markers: artifact paths that only look like Windows ones inside', () => {
  it('resolves a relative path holding a drive-like part or a double backslash against the working directory', () => {
    assert.equal(resolveArtifactPath('/work/proj', 'out/c:/x.txt'), path.resolve('/work/proj', 'out/c:/x.txt'));
    assert.equal(resolveArtifactPath('/work/proj', 'out/a\\\\b.txt'), path.resolve('/work/proj', 'out/a\\\\b.txt'));
    assert.equal(resolveArtifactPath('/work/d:/proj', 'r.txt'), path.resolve('/work/d:/proj', 'r.txt'));
  });
});

describe('markers: a run whose exit status is unknown', () => {
  it('fails its open steps as "exited abnormally" (an adopted process whose status was not recorded)', () => {
    const tracker = new StepTracker({ runId: 'r', cwd: '/w' });
    tracker.apply({ kind: 'stepStart', name: 'deploy' }, 1000, 1);
    const [done] = finishedOf(tracker.finish({ at: 2000, line: 5, exitCode: null, signal: null, reason: 'exited' }));
    assert.equal(done!.status, 'failed');
    assert.deepEqual(done!.error, { message: 'exited abnormally', file: null, line: null, column: null });
    assert.equal(tracker.hasFailedStep, true);
  });
});

describe('markers: closing a step that is not open', () => {
  it('says which steps are open, outermost first', () => {
    const tracker = new StepTracker({ runId: 'r', cwd: '/w' });
    tracker.apply({ kind: 'stepStart', name: 'a' }, 1000, 1);
    tracker.apply({ kind: 'stepStart', name: 'b' }, 1001, 2);
    const [w] = tracker.apply({ kind: 'stepComplete', name: 'zzz' }, 1002, 3);
    assert.equal(w!.type === 'warning' && w!.warning.message, 'STEP_COMPLETE:zzz does not match an open step (open: "a" > "b")');
  });
});
