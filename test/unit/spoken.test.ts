// The words a screen reader hears for runs and steps (sidecar/protocol/spoken.ts): durations
// rounded as the written ones are, progress and states without symbols.
import { strict as assert } from 'node:assert';
import { spokenDuration, spokenProgress, spokenRun, spokenStep } from '../../sidecar/protocol/spoken';

describe('spoken run and step labels', () => {
  it('says durations in words, rounded as formatDuration rounds them', () => {
    assert.equal(spokenDuration(0), '0 milliseconds');
    assert.equal(spokenDuration(1), '1 millisecond');
    assert.equal(spokenDuration(850), '850 milliseconds');
    assert.equal(spokenDuration(999.6), '1 second');
    assert.equal(spokenDuration(12_340), '12.3 seconds');
    assert.equal(spokenDuration(59_940), '59.9 seconds');
    assert.equal(spokenDuration(60_000), '1 minute');
    assert.equal(spokenDuration(245_000), '4 minutes 5 seconds');
    assert.equal(spokenDuration(3_720_000), '1 hour 2 minutes');
    assert.equal(spokenDuration(7_200_000), '2 hours');
    assert.equal(spokenDuration(null), 'unknown duration');
  });

  it('says progress and time left without symbols', () => {
    const p = { fraction: 0.456, remainingMs: 11_200, stepId: 2, stepRemainingMs: 3000, overdue: false, source: 'history' as const };
    assert.equal(spokenProgress(p), '45 percent done, about 12 seconds left');
    assert.equal(spokenProgress({ ...p, remainingMs: null }), '45 percent done, step about 3 seconds left');
    assert.equal(spokenProgress({ ...p, fraction: null, remainingMs: 500, overdue: true }), 'taking longer than usual');
    assert.equal(spokenProgress({ ...p, remainingMs: 125_000 }), '45 percent done, about 2 minutes 5 seconds left');
    assert.equal(spokenProgress(null), '');
  });

  it('names a run with its state, the failing step, duration, problems and profile', () => {
    assert.equal(
      spokenRun({ name: 'build.sh', status: 'failed', failedStep: 'Link', durationMs: 130_000, errors: 1, warnings: 2, profile: 'ci' }),
      'build.sh, failed at Link, 2 minutes 10 seconds, 1 error, 2 warnings, profile ci',
    );
    assert.equal(spokenRun({ name: 'x.sh', status: 'timed_out', durationMs: 5000 }), 'x.sh, timed out, 5 seconds');
    // Progress belongs to a running run only.
    const progress = { fraction: 0.5, remainingMs: null, stepId: null, stepRemainingMs: null, overdue: false, source: 'meta' as const };
    assert.equal(spokenRun({ name: 'x.sh', status: 'running', durationMs: 2000, progress }), 'x.sh, running, 2 seconds, 50 percent done');
    assert.equal(spokenRun({ name: 'x.sh', status: 'succeeded', durationMs: 2000, progress }), 'x.sh, succeeded, 2 seconds');
  });

  it('names a step with its state, progress while it runs, and the slower-than-usual verdict', () => {
    assert.equal(
      spokenStep({ name: 'Compile', status: 'running', durationMs: 12_300, percent: '60', remaining: { ms: 3000, overdue: false } }),
      'Compile, running, 12.3 seconds, 60 percent done, about 3 seconds left',
    );
    assert.equal(spokenStep({ name: 'Compile', status: 'succeeded', durationMs: 12_300, percent: '60' }), 'Compile, succeeded, 12.3 seconds');
    assert.equal(spokenStep({ name: 'Link', status: 'succeeded', durationMs: 11_000, slower: 'critical' }), 'Link, succeeded, 11 seconds, much slower than usual');
    assert.equal(
      spokenStep({ name: 'Tests', status: 'failed', note: '1 child step failed', durationMs: 900, errors: 2 }),
      'Tests, failed, 1 child step failed, 900 milliseconds, 2 errors',
    );
  });
});
