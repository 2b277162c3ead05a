// The one progress text (sidecar/protocol/format.ts formatProgress): its wording, and that the
// views outside VS Code — `stepflow run`'s status line and the history panel — write exactly
// it (the tree and the status bar are checked in the extension host, test/vscode/suite/stats).
import { strict as assert } from 'node:assert';
import { formatProgress, formatRemaining } from '../../sidecar/protocol/format';
import type { RunProgress } from '../../sidecar/protocol/stats';
import { progressSuffix } from '../../sidecar/cli/liveDisplay';
import { progressLabel } from '../../webview/runView';

const progress = (p: Partial<RunProgress>): RunProgress => ({ fraction: null, remainingMs: null, stepId: null, stepRemainingMs: null, overdue: false, source: 'history', ...p });

describe('format: the one progress text', () => {
  const cases: Array<[Partial<RunProgress>, string]> = [
    [{ fraction: 0.456, remainingMs: 11_200 }, '45 % · ≈ 12 s left'],
    [{ fraction: 0.1, remainingMs: 245_000 }, '10 % · ≈ 4m 05s left'],
    [{ fraction: 0.99, remainingMs: 0, overdue: true }, '99 % · longer than usual'],
    [{ fraction: 0.5, remainingMs: 400 }, '50 % · ≈ <1 s left'],
    [{ fraction: 0.3 }, '30 %'],
    [{ remainingMs: 3000 }, '≈ 3 s left'],
    [{ stepId: 2, stepRemainingMs: 2000, source: 'meta' }, 'step ≈ 2 s left'],
    [{ fraction: 0.2, remainingMs: 5000, stepId: 2, stepRemainingMs: 2000 }, '20 % · ≈ 5 s left'],
    [{}, ''],
  ];

  for (const [p, text] of cases) {
    it(`writes ${JSON.stringify(p)} as "${text}", the same in the CLI and the panel`, () => {
      assert.equal(formatProgress(progress(p)), text);
      assert.equal(progressSuffix(progress(p)), text ? ` · ${text}` : '');
      assert.equal(progressLabel(progress(p)), text || null);
    });
  }

  it('writes nothing without an estimate', () => {
    assert.equal(formatProgress(null), '');
    assert.equal(formatProgress(undefined), '');
    assert.equal(progressSuffix(null), '');
    assert.equal(progressLabel(null), null);
  });

  it('rounds the time left up to whole seconds under a minute, then minutes and seconds', () => {
    assert.deepEqual(
      [999, 1000, 1001, 59_999, 60_000, 61_000].map((ms) => formatRemaining(ms)),
      ['≈ <1 s left', '≈ 1 s left', '≈ 2 s left', '≈ 60 s left', '≈ 1m 00s left', '≈ 1m 01s left'],
    );
    assert.equal(formatRemaining(null), '');
    assert.equal(formatRemaining(999, true), 'longer than usual', 'overdue: the estimate is only a floor');
    assert.equal(formatRemaining(5000, true), '≈ 5 s left');
  });
});
