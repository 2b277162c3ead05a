// The step tracker: markers → step-tree events (docs/spec.md §1).
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { resolveArtifactPath, StepTracker } from '../../sidecar/markers/stepTracker';
import type { RunEnd } from '../../sidecar/markers/stepTracker';
import type { StepFinishedEvent, StepTreeEvent } from '../../sidecar/protocol/events';
import type { MarkerEvent } from '../../sidecar/protocol/markers';

const runId = 'run-1';
const cwd = '/work/proj';

const S = (name: string): MarkerEvent => ({ kind: 'stepStart', name });
const C = (name: string): MarkerEvent => ({ kind: 'stepComplete', name });
const E = (message: string, location: { file: string; line: number; column: number | null } | null = null): MarkerEvent => ({
  kind: 'stepError',
  message,
  location,
});

/** Applies markers at t = 1000, 1010, 1020 … on lines 1, 2, 3 … and collects the events. */
function run(markers: MarkerEvent[], tracker = new StepTracker({ runId, cwd })): { tracker: StepTracker; events: StepTreeEvent[] } {
  const events: StepTreeEvent[] = [];
  markers.forEach((m, i) => events.push(...tracker.apply(m, 1000 + 10 * i, i + 1)));
  return { tracker, events };
}

const finished = (events: StepTreeEvent[]) =>
  events.filter((e): e is StepFinishedEvent => e.type === 'stepFinished').map((e) => [e.stepId, e.status, e.error?.message ?? null]);

const end = (over: Partial<RunEnd>): RunEnd => ({ at: 5000, line: 99, exitCode: 0, signal: null, reason: 'exited', ...over });

describe('markers: step tracker', () => {
  it('starts and completes a step with ids, lines, times and duration', () => {
    const { events, tracker } = run([S('Build'), C('Build')]);
    assert.deepEqual(events, [
      { type: 'stepStarted', runId, stepId: 1, parentId: null, name: 'Build', path: ['Build'], startedAt: 1000, line: 1 },
      { type: 'stepFinished', runId, stepId: 1, path: ['Build'], status: 'succeeded', endedAt: 1010, durationMs: 10, error: null, line: 2 },
    ]);
    assert.deepEqual(tracker.openSteps(), []);
    assert.equal(tracker.currentStepId(), null);
    assert.equal(tracker.hasFailedStep, false);
  });

  it('nests a step started while another is open and numbers steps in start order', () => {
    const { events, tracker } = run([S('Tests'), S('unit'), C('unit'), S('e2e')]);
    const started = events.filter((e) => e.type === 'stepStarted').map((e) => e.type === 'stepStarted' && [e.stepId, e.parentId, e.name]);
    assert.deepEqual(started, [[1, null, 'Tests'], [2, 1, 'unit'], [3, 1, 'e2e']]);
    assert.deepEqual(tracker.openSteps(), [{ id: 1, name: 'Tests' }, { id: 3, name: 'e2e' }]);
    assert.equal(tracker.currentStepId(), 3);
  });

  it('puts the step path (names from the root) on the start and finish of each step', () => {
    const { events } = run([S('Tests'), S('unit'), C('unit'), S('e2e'), C('Tests')]);
    const paths = events.map((e) => (e.type === 'stepStarted' || e.type === 'stepFinished' ? [e.type, e.stepId, e.path] : null)).filter(Boolean);
    assert.deepEqual(paths, [
      ['stepStarted', 1, ['Tests']],
      ['stepStarted', 2, ['Tests', 'unit']],
      ['stepFinished', 2, ['Tests', 'unit']],
      ['stepStarted', 3, ['Tests', 'e2e']],
      ['stepFinished', 3, ['Tests', 'e2e']],
      ['stepFinished', 1, ['Tests']],
    ]);
  });

  it('closes still-open children (innermost first, as succeeded) before the named step', () => {
    const { events } = run([S('outer'), S('mid'), S('inner'), C('outer')]);
    assert.deepEqual(finished(events), [[3, 'succeeded', null], [2, 'succeeded', null], [1, 'succeeded', null]]);
    assert.ok(events.slice(3).every((e) => e.type === 'stepFinished' && e.endedAt === 1030 && e.line === 4));
  });

  it('closes the innermost step with the given name when names repeat', () => {
    const { events, tracker } = run([S('x'), S('x'), C('x')]);
    assert.deepEqual(finished(events), [[2, 'succeeded', null]]);
    assert.deepEqual(tracker.openSteps(), [{ id: 1, name: 'x' }]);
  });

  it('closes the innermost step on an empty STEP_COMPLETE', () => {
    const { events, tracker } = run([S('a'), S('b'), C('')]);
    assert.deepEqual(finished(events), [[2, 'succeeded', null]]);
    assert.deepEqual(tracker.openSteps(), [{ id: 1, name: 'a' }]);
  });

  const protocolCases: Array<[string, MarkerEvent[], RegExp]> = [
    ['closing a name that is not open', [S('a'), C('b')], /STEP_COMPLETE:b does not match an open step \(open: "a"\)/],
    ['closing a name with nothing open', [C('b')], /STEP_COMPLETE:b does not match an open step \(no step is open\)/],
    ['closing an already closed step', [S('a'), C('a'), C('a')], /STEP_COMPLETE:a does not match/],
    ['an empty STEP_COMPLETE with nothing open', [C('')], /STEP_COMPLETE without a name, but no step is open/],
  ];
  for (const [title, markers, message] of protocolCases) {
    it(`records a protocol warning on the run for ${title}`, () => {
      const { events, tracker } = run(markers);
      const warning = events[events.length - 1]!;
      assert.equal(warning.type, 'warning');
      if (warning.type !== 'warning') return;
      assert.equal(warning.stepId, null);
      assert.equal(warning.warning.type, 'protocol');
      assert.equal(warning.warning.severity, 'warning');
      assert.match(warning.warning.message, message);
      assert.equal(tracker.hasFailedStep, false);
    });
  }

  it('does not disturb open steps when a name does not match', () => {
    const { tracker } = run([S('a'), S('b'), C('zzz')]);
    assert.deepEqual(tracker.openSteps(), [{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
  });

  it('fails and closes the innermost step on STEP_ERROR, keeping the location', () => {
    const { events, tracker } = run([S('Build'), S('compile'), E('expected ;', { file: 'src/app.ts', line: 12, column: 5 })]);
    assert.deepEqual(events[2], {
      type: 'stepFinished', runId, stepId: 2, path: ['Build', 'compile'], status: 'failed', endedAt: 1020, durationMs: 10, line: 3,
      error: { message: 'expected ;', file: 'src/app.ts', line: 12, column: 5 },
    });
    assert.deepEqual(tracker.openSteps(), [{ id: 1, name: 'Build' }]);
    assert.equal(tracker.hasFailedStep, true);
    assert.equal(tracker.runError, null);
  });

  it('fails the run itself on STEP_ERROR outside any step', () => {
    const { events, tracker } = run([E('no config'), E('second')]);
    assert.deepEqual(events[0], { type: 'runError', runId, error: { message: 'no config', file: null, line: null, column: null }, at: 1000 });
    assert.equal(events.length, 2);
    assert.deepEqual(tracker.runError, { message: 'no config', file: null, line: null, column: null });
    assert.equal(tracker.hasFailedStep, false);
  });

  it('attaches STEP_WARNING to the innermost step, or to the run', () => {
    const warn: MarkerEvent = { kind: 'stepWarning', message: 'unused', location: { file: 'a.py', line: 3, column: null } };
    const { events } = run([warn, S('lint'), warn]);
    const expected = { type: 'marker', severity: 'warning', message: 'unused', file: 'a.py', line: 3, column: null };
    assert.deepEqual(events[0], { type: 'warning', runId, stepId: null, warning: expected, at: 1000 });
    assert.deepEqual(events[2], { type: 'warning', runId, stepId: 1, warning: expected, at: 1020 });
  });

  it('attaches META to the innermost step, or to the run', () => {
    const meta: MarkerEvent = { kind: 'meta', key: 'PROGRESS', value: '50' };
    const { events } = run([meta, S('a'), S('b'), meta]);
    assert.deepEqual(events[0], { type: 'meta', runId, stepId: null, key: 'PROGRESS', value: '50', at: 1000 });
    assert.deepEqual(events[3], { type: 'meta', runId, stepId: 2, key: 'PROGRESS', value: '50', at: 1030 });
  });

  const artifactCases: Array<[string, string, string]> = [
    ['relative path against cwd', 'out/report.xml', path.resolve(cwd, 'out/report.xml')],
    ['relative path with ..', '../shared/x.log', path.resolve(cwd, '../shared/x.log')],
    ['absolute posix path', '/tmp/a.txt', path.resolve('/tmp/a.txt')],
    ['Windows drive path, kept as given', 'C:\\out\\r.xml', 'C:\\out\\r.xml'],
    ['Windows drive path with forward slashes', 'D:/build/app.exe', 'D:/build/app.exe'],
    ['UNC path, kept as given', '\\\\server\\share\\f.txt', '\\\\server\\share\\f.txt'],
  ];
  for (const [title, given, expected] of artifactCases) {
    it(`resolves an artifact: ${title}`, () => {
      const { events } = run([S('pack'), { kind: 'artifact', path: given, description: 'Report' }]);
      assert.deepEqual(events[1], { type: 'artifact', runId, stepId: 1, path: expected, description: 'Report', at: 1010 });
    });
  }

  it('records an artifact on the run when no step is open, and resolves against a Windows cwd', () => {
    const tracker = new StepTracker({ runId, cwd: 'C:\\work' });
    const { events } = run([{ kind: 'artifact', path: 'out\\r.xml', description: null }], tracker);
    assert.deepEqual(events[0], { type: 'artifact', runId, stepId: null, path: 'C:\\work\\out\\r.xml', description: null, at: 1000 });
    assert.equal(resolveArtifactPath('C:\\work', 'E:\\x'), 'E:\\x');
  });

  describe('at process exit', () => {
    const ends: Array<[string, Partial<RunEnd>, string, string | null]> = [
      ['exit code 0 → succeeded', { exitCode: 0 }, 'succeeded', null],
      ['non-zero exit → failed with the code', { exitCode: 3 }, 'failed', 'exit code 3'],
      ['signal → failed with the signal', { exitCode: null, signal: 'SIGKILL' }, 'failed', 'killed by SIGKILL'],
      ['cancel → cancelled', { exitCode: null, signal: 'SIGTERM', reason: 'cancelled' }, 'cancelled', null],
      ['timeout → cancelled', { exitCode: null, signal: 'SIGKILL', reason: 'timed_out' }, 'cancelled', null],
    ];
    for (const [title, over, status, message] of ends) {
      it(`closes open steps innermost first: ${title}`, () => {
        const { tracker } = run([S('a'), S('b'), S('c'), C('c')]);
        const events = tracker.finish(end(over));
        assert.deepEqual(finished(events), [[2, status, message], [1, status, message]]);
        for (const e of events) {
          assert.ok(e.type === 'stepFinished' && e.endedAt === 5000 && e.line === 99);
        }
        assert.equal(tracker.hasFailedStep, status === 'failed');
        assert.deepEqual(tracker.openSteps(), []);
      });
    }

    it('reports the duration up to the end of the run', () => {
      const { tracker } = run([S('a')]);
      const [e] = tracker.finish(end({ at: 3500 }));
      assert.equal(e?.type === 'stepFinished' && e.durationMs, 2500);
    });

    it('does nothing when no step is open, and ignores markers after finish', () => {
      const { tracker } = run([S('a'), C('a')]);
      assert.deepEqual(tracker.finish(end({ exitCode: 1 })), []);
      assert.deepEqual(tracker.apply(S('late'), 6000, 100), []);
      assert.deepEqual(tracker.finish(end({})), []);
    });
  });
});
