// The CLI's terminal status line shows progress and ETA from the expectations that come with
// `runStarted`, and outlier warnings get their own line.
import { strict as assert } from 'node:assert';
import { createLiveDisplay, progressSuffix } from '../../sidecar/cli/liveDisplay';
import type { RunExpectations } from '../../sidecar/protocol/stats';

/** Enough of a terminal stream for the display; resolves `waitFor` when a write matches. */
function fakeTty() {
  let text = '';
  const waiters: Array<{ re: RegExp; resolve: (s: string) => void }> = [];
  const stream = {
    isTTY: true,
    columns: 200,
    writable: true,
    destroyed: false,
    write(chunk: string | Buffer) {
      text += chunk.toString();
      for (const w of [...waiters]) {
        const m = w.re.exec(text);
        if (m) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m[0]);
        }
      }
      return true;
    },
  };
  return {
    stream: stream as unknown as NodeJS.WriteStream,
    get text() {
      return text;
    },
    waitFor: (re: RegExp) => new Promise<string>((resolve) => waiters.push({ re, resolve })),
  };
}

describe('stats: the CLI status line', () => {
  const saved = process.env.NO_COLOR;
  before(() => (process.env.NO_COLOR = '1'));
  after(() => (saved === undefined ? delete process.env.NO_COLOR : (process.env.NO_COLOR = saved)));

  it('shows progress and ETA of a running step from history, and outlier lines', async () => {
    // A logical clock: Date.now() stands still at `now` while the display draws, so "4 s
    // into the run" is exact instead of "about 4 s, unless the machine is busy".
    const realNow = Date.now;
    const now = realNow();
    Date.now = () => now;
    const out = fakeTty();
    const display = createLiveDisplay(out.stream, out.stream);
    const expectations: RunExpectations = {
      basedOnRuns: 3,
      meanRunMs: 20_000,
      overheadMs: 0,
      steps: [
        { name: 'Build', meanMs: 10_000, samples: 3, children: [] },
        { name: 'Test', meanMs: 10_000, samples: 3, children: [] },
      ],
    };
    try {
      display.event({ type: 'runStarted', runId: 'r', script: '/s.sh', args: [], cwd: '/', profile: null, startedAt: now - 4000, expectations });
      display.event({ type: 'stepStarted', runId: 'r', stepId: 1, parentId: null, name: 'Build', startedAt: now - 4000, line: 1 });
      // 4 s into a 20 s run: 20 %, 16 s to go.
      const status = await out.waitFor(/Build .* total \S+ s/);
      assert.equal(status, 'Build 4.0 s · 20 % · ≈ 16 s left · total 4.0 s');
      display.event({ type: 'stepFinished', runId: 'r', stepId: 1, status: 'succeeded', endedAt: now, durationMs: 31_000, error: null, line: 2 });
      display.event({
        type: 'warning',
        runId: 'r',
        stepId: 1,
        warning: { type: 'outlier', severity: 'critical', message: '31.0 s (4.2σ above 10.0 s mean)', file: null, line: null },
        at: now,
      });
      assert.match(out.text, /\[stepflow\] ⚠ Build 31\.0 s \(4\.2σ above 10\.0 s mean\)\n/);
    } finally {
      display.close();
      Date.now = realNow;
    }
  });

  it('formats the progress suffix', () => {
    assert.equal(progressSuffix(null), '');
    assert.equal(progressSuffix({ fraction: 0.456, remainingMs: 12_000, stepId: 1, stepRemainingMs: 2000, overdue: false, source: 'history' }), ' · 45 % · ≈ 12 s left');
    assert.equal(progressSuffix({ fraction: null, remainingMs: null, stepId: 1, stepRemainingMs: 2000, overdue: false, source: 'meta' }), ' · step ≈ 2 s left');
  });
});
