// The fake data source of the component tests (components.test.mjs), typed against the
// interface the hosts implement, so a change of StepflowDataSource or of the records it
// returns breaks the type check instead of silently the test. Bundled by esbuild into the
// page's /fake.js (fakeHostPage.mjs bundleFake); /webview.js (dist) stays external, so the
// built bundle is what the tests exercise.
//
// Three stored runs (one hostile, one with a 1M-line log), step statistics per script, and
// hooks on window the test drives and reads: __live(events) pushes live events to the
// subscribers; __opened, __copied, __reads, __expectations, __expectationRequests, __liveRuns.
import type { RunEvent } from '../../sidecar/protocol/events';
import type { HistoryRun, LogSearchHit } from '../../sidecar/protocol/history';
import type { ArtifactRecord, RunRecord, StepRecord } from '../../sidecar/protocol/model';
import type { StepStatistic } from '../../sidecar/protocol/statistics';
import type { RunExpectations } from '../../sidecar/protocol/stats';
import type { LiveListener, StepflowDataSource, ViewState } from '../../webview/dataSource';

interface FakeHooks {
  __reads: number;
  __expectations: Record<string, RunExpectations | null>;
  __expectationRequests: string[];
  __listeners: Array<{ runId: string | null; listener: LiveListener }>;
  /** Runs a test adds while it runs (they start live). */
  __liveRuns?: Record<string, RunRecord>;
  __opened?: { runId: string; index: number };
  __copied?: string;
  __state?: ViewState;
  __live(events: RunEvent[]): void;
}

const hooks = window as unknown as FakeHooks;
const T = Date.now() - 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const HOSTILE = '<img src=x onerror="window.__pwned=1">';

// `start` is milliseconds from T; a run that starts earlier gives its steps the same offset,
// so the timeline draws them inside the run (as a stored run always is).
const step = (id: number, name: string, start: number, dur: number, extra: Partial<StepRecord> = {}): StepRecord => ({
  id, name, status: 'succeeded', startedAt: T + start, endedAt: T + start + dur, durationMs: dur,
  error: null, warnings: [], meta: {}, firstLine: 1, lastLine: 3, children: [], ...extra,
});
const run = (id: string, script: string, steps: StepRecord[], extra: Partial<RunRecord> = {}): RunRecord => ({
  id, script, args: [], cwd: '/w', profile: null, status: 'succeeded', exitCode: 0, signal: null,
  startedAt: iso(T), endedAt: iso(T + 4000), durationMs: 4000, lineCount: 3, error: null, warnings: [], meta: {}, steps, artifacts: [], ...extra,
});
const artifact: ArtifactRecord = { path: '/w/out/report.xml', description: HOSTILE, step: null, stepId: null };

const runs: Record<string, RunRecord> = {
  hostile0001: run('hostile0001', '/w/' + HOSTILE + '.sh', [
    step(1, HOSTILE, 0, 1200, { error: { message: '<b>bold</b></script><script>window.__pwned=2</script>', file: null, line: null }, status: 'failed' }),
    step(2, '</script><script>window.__pwned=3</script>', 1200, 2500),
  ], { status: 'failed', exitCode: 1, lineCount: 3, artifacts: [artifact] }),
  big00000001: run('big00000001', '/w/big.sh', [step(1, 'Generate', -60000, 3000, {
    lastLine: 1000000,
    // The warning the run stored (the table says "much slower" only beside it).
    warnings: [{ type: 'outlier', severity: 'critical', message: '3.0 s (10.0σ above 2.0 s mean)', file: null, line: null }],
  })], { lineCount: 1000000, startedAt: iso(T - 60000), endedAt: iso(T - 56000) }),
  prev0000001: run('prev0000001', '/w/big.sh', [step(1, 'Generate', -120000, 2000, { lastLine: 900000 })], { lineCount: 900000, startedAt: iso(T - 120000), endedAt: iso(T - 116000) }),
};
const HOSTILE_LOG = ['\u001b[31m' + HOSTILE + '\u001b[0m', '</script><script>window.__pwned=4</script>', 'plain & <b>not bold</b>'];

const summary = (r: RunRecord): HistoryRun => ({
  id: r.id, script: r.script, args: r.args, profile: r.profile, status: r.status, exitCode: r.exitCode,
  startedAt: Date.parse(r.startedAt), endedAt: r.endedAt === null ? null : Date.parse(r.endedAt), durationMs: r.durationMs,
  lineCount: r.lineCount, stepCount: r.steps.length, failedStep: null,
});
const stat = (script: string, path: string[], lastDurationsMs: number[], meanMs: number, stdDevMs: number): StepStatistic => ({
  script, path, name: path.at(-1)!, count: lastDurationsMs.length, meanMs, stdDevMs,
  minMs: Math.min(...lastDurationsMs), maxMs: Math.max(...lastDurationsMs), lastDurationsMs, updatedAt: T,
});
const STATS: Record<string, StepStatistic[]> = {
  '/w/big.sh': [stat('/w/big.sh', ['Generate'], [1900, 2050, 1850, 2100, 1950, 2000, 2300, 1800, 1950, 2150, 2000, 1950], 2000, 100)],
  ['/w/' + HOSTILE + '.sh']: [
    stat('/w/' + HOSTILE + '.sh', [HOSTILE], [1100, 1300, 1250], 1216, 104),
    stat('/w/' + HOSTILE + '.sh', ['</script><script>window.__pwned=3</script>'], [2400, 2600, 2500, 2450], 2487, 85),
  ],
};

hooks.__reads = 0;
hooks.__expectations = {};
hooks.__expectationRequests = [];
hooks.__listeners = [];

const find = (id: string): RunRecord | undefined => runs[id] ?? hooks.__liveRuns?.[id];

const source: StepflowDataSource = {
  artifactAction: 'open',
  async listRuns(q) {
    let list = Object.values(runs).sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
    if (q.script) list = list.filter((r) => r.script === q.script);
    return { runs: list.map(summary), nextCursor: null };
  },
  async getRun(id) {
    const r = find(id);
    return r ? structuredClone(r) : null;
  },
  async readLog(id, from, max) {
    hooks.__reads++;
    const r = find(id);
    if (!r) return [];
    const out = [];
    for (let n = from; n < from + max && n <= r.lineCount; n++) {
      const text = id === 'hostile0001' ? HOSTILE_LOG[n - 1]! : 'line ' + n + ' \u001b[33mwarn\u001b[0m';
      out.push({ line: n, stream: n % 7 === 0 ? ('stderr' as const) : ('stdout' as const), at: T, text });
    }
    return out;
  },
  async searchLogs(): Promise<LogSearchHit[]> {
    return [{ runId: 'hostile0001', line: 2, stream: 'stdout', text: HOSTILE_LOG[1]! }];
  },
  async stepStats(script) {
    return structuredClone(STATS[script] ?? []);
  },
  async runExpectations(runId) {
    hooks.__expectationRequests.push(runId);
    return hooks.__expectations[runId] ?? null;
  },
  subscribe(runId, listener) {
    const entry = { runId, listener };
    hooks.__listeners.push(entry);
    return () => {
      hooks.__listeners = hooks.__listeners.filter((x) => x !== entry);
    };
  },
  async openArtifact(runId, index) {
    hooks.__opened = { runId, index };
  },
  async copyText(text) {
    hooks.__copied = text;
  },
  loadState() {
    return undefined;
  },
  saveState(s) {
    hooks.__state = s;
  },
};

hooks.__live = (events) => {
  for (const { runId, listener } of hooks.__listeners) {
    const mine = events.filter((e) => (runId === null ? e.type !== 'output' : e.runId === runId));
    if (mine.length) listener.events({ seq: 0, events: mine });
  }
};

// The built bundle, loaded by URL (not bundled into this file).
const WEBVIEW_URL: string = '/webview.js';
void (import(WEBVIEW_URL) as Promise<typeof import('../../webview/main')>).then(({ mountHistory }) => mountHistory(source));
