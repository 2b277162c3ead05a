// The history view's pure parts: ANSI colours as segments, step matching and "usual time",
// trend choices and geometry, the progress line, the typed message guards, live
// demultiplexing, the codicon code points, and the controller's paging of the run list.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HistoryListRuns, HistoryOpenArtifact, type RunPage } from '../../sidecar/protocol/history';
import { LiveEvents, LiveSubscribe, Subscriptions } from '../../sidecar/protocol/live';
import type { RunRecord, StepRecord } from '../../sidecar/protocol/model';
import { parseAnsi, stripAnsi } from '../../webview/ansi';
import { CODICONS } from '../../webview/components/icons';
import type { StepflowDataSource } from '../../webview/dataSource';
import { HistoryController } from '../../webview/historyController';
import { LiveDemux } from '../../webview/liveDemux';
import { compareRuns, historyRunFromRecord, pickTrend, progressLabel, statsByPath, stepRows, trendChoices, verdict } from '../../webview/runView';
import { niceStep, trendPlot } from '../../webview/trendPlot';

function step(id: number, name: string, durationMs: number | null, children: StepRecord[] = [], status: StepRecord['status'] = 'succeeded'): StepRecord {
  return { id, name, status, startedAt: 0, endedAt: null, durationMs, error: null, warnings: [], meta: {}, firstLine: 1, lastLine: null, children };
}

function record(id: string, steps: StepRecord[]): RunRecord {
  return {
    id, script: '/s.sh', args: [], cwd: '/', profile: null, status: 'succeeded', exitCode: 0, signal: null,
    startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:01.000Z', durationMs: 1000, lineCount: 3,
    error: null, warnings: [], meta: {}, steps, artifacts: [],
  };
}

describe('webview: ANSI', () => {
  it('turns SGR codes into classes and colours, and drops other escapes', () => {
    assert.deepEqual(parseAnsi('\x1b[32mok\x1b[0m done'), [
      { text: 'ok', classes: 'f2', color: null, background: null },
      { text: ' done', classes: '', color: null, background: null },
    ]);
    assert.deepEqual(parseAnsi('\x1b[1;31merr'), [{ text: 'err', classes: 'f9 bold', color: null, background: null }]);
    assert.deepEqual(parseAnsi('\x1b[38;5;196mx\x1b[48;2;1;2;3my'), [
      { text: 'x', classes: '', color: 'rgb(255, 0, 0)', background: null },
      { text: 'y', classes: '', color: 'rgb(255, 0, 0)', background: 'rgb(1, 2, 3)' },
    ]);
    assert.equal(stripAnsi('\x1b]0;title\x07\x1b[2K\x1b[?25lplain\x1b(B'), 'plain');
    assert.equal(stripAnsi('50%\r100%'), '100%');
    assert.equal(stripAnsi('bell\x07 and nul\x00'), 'bell and nul');
    assert.equal(stripAnsi('tab\tkept'), 'tab\tkept');
  });

  it('keeps hostile text as text (it is rendered through Lit text bindings)', () => {
    const hostile = '<img src=x onerror=alert(1)></script>';
    assert.deepEqual(parseAnsi(`\x1b[31m${hostile}`), [{ text: hostile, classes: 'f1', color: null, background: null }]);
  });

  it('swallows malformed sequences without losing the text before them or showing control characters', () => {
    for (const s of ['\x1b', '\x1b[', '\x1b[38;5m', '\x1b[38;2;1m', '\x1b[999999999m', '\x1b[;;;m', '\x1b]unterminated']) {
      assert.deepEqual(parseAnsi(s), [], JSON.stringify(s));
      assert.deepEqual(parseAnsi(`ok${s}`), [{ text: 'ok', classes: '', color: null, background: null }], JSON.stringify(s));
    }
    // An incomplete colour changes nothing; the complete one before it still applies.
    assert.deepEqual(
      parseAnsi('a\x1b[31mb\x1b[38;5mc').map((seg) => [seg.text, seg.classes]),
      [['a', ''], ['b', 'f1'], ['c', 'f1']],
    );
  });
});

describe('webview: run views', () => {
  const a = record('a', [step(1, 'Build', 1000, [step(2, 'Compile', 800)]), step(3, 'Test', 500), step(4, 'Test', 700)]);
  const b = record('b', [step(1, 'Build', 1500, [step(2, 'Compile', 1200)]), step(3, 'Test', 400), step(5, 'Deploy', 100)]);

  it('lists steps depth-first with paths, numbering repeated names', () => {
    const rows = stepRows(a.steps);
    assert.deepEqual(rows.map((r) => [r.path.join('/'), r.depth]), [['Build', 0], ['Build/Compile', 1], ['Test', 0], ['Test', 0]]);
    assert.notEqual(rows[2]!.key, rows[3]!.key);
  });

  it('matches the steps of two runs by path and occurrence', () => {
    const rows = compareRuns(a, b);
    assert.deepEqual(
      rows.map((r) => [r.path.join('/'), r.a?.durationMs ?? null, r.b?.durationMs ?? null, r.deltaMs]),
      [['Build', 1000, 1500, 500], ['Build/Compile', 800, 1200, 400], ['Test', 500, 400, -100], ['Test', 700, null, null], ['Deploy', null, 100, null]],
    );
  });

  it('judges a duration against the usual one', () => {
    const stat = { script: '/s.sh', path: ['Build'], name: 'Build', count: 10, meanMs: 1000, minMs: 900, maxMs: 1100, stdDevMs: 50, lastDurationsMs: [], updatedAt: 0 };
    assert.equal(verdict(1020, stat), 'usual');
    assert.equal(verdict(1300, stat), 'much-slower'); // 6σ
    assert.equal(verdict(600, stat), 'faster');
    assert.equal(verdict(5, { ...stat, meanMs: 1, stdDevMs: 0.5 }), 'usual', 'tiny absolute differences are not news');
    assert.equal(verdict(1300, { ...stat, stdDevMs: null }), 'slower');
    assert.equal(verdict(1000, { ...stat, count: 1 }), 'unknown');
    assert.equal(verdict(null, stat), 'unknown');
  });

  it('builds a list row from a record', () => {
    const row = historyRunFromRecord(record('r', [step(1, 'A', 1, [step(2, 'B', null, [], 'failed')])]));
    assert.equal(row.stepCount, 2);
    assert.equal(row.failedStep, 'B');
    assert.equal(row.startedAt, Date.UTC(2026, 0, 1));
  });
});

describe('webview: typed messages', () => {
  it('recognises its own messages and refuses malformed ones', () => {
    assert.ok(HistoryListRuns.is(HistoryListRuns.create(1, { status: ['failed'], limit: 5 })));
    assert.ok(!HistoryListRuns.is({ kind: 'request', id: 1, method: 'history/listRuns', params: { status: 'failed' } }));
    assert.ok(!HistoryListRuns.is(HistoryOpenArtifact.create(1, { runId: 'r', index: 0 })));
    assert.ok(!HistoryOpenArtifact.is({ kind: 'request', id: 2, method: 'history/openArtifact', params: { runId: 'r', index: '../etc/passwd' } }));
    assert.ok(LiveSubscribe.is(LiveSubscribe.create({ runId: null })));
    assert.ok(!LiveSubscribe.is({ kind: 'notification', method: 'live/subscribe', params: { runId: 7 } }));
  });

  it('sends output lines only to subscribers of that run', () => {
    const subs = new Subscriptions();
    subs.apply(true, { runId: null });
    const output = { type: 'output', runId: 'r', stream: 'stdout', firstLine: 1, lineCount: 1, text: 'x\n', at: 0 } as const;
    const started = { type: 'stepStarted', runId: 'r', stepId: 1, parentId: null, name: 'S', startedAt: 0, line: 1 } as const;
    assert.ok(subs.wants(started));
    assert.ok(!subs.wants(output));
    subs.apply(true, { runId: 'r' });
    assert.ok(subs.wants(output));
  });

  it('demultiplexes live messages to listeners and asks for a resync on a sequence gap', () => {
    const sent: string[] = [];
    const demux = new LiveDemux((subscribe, runId) => sent.push(`${subscribe ? '+' : '-'}${runId ?? 'all'}`));
    const got: string[] = [];
    const listener = (name: string) => ({
      events: (p: { events: Array<{ type: string }> }) => got.push(`${name}:${p.events.map((e) => e.type).join(',')}`),
      snapshot: () => got.push(`${name}:snapshot`),
      resync: () => got.push(`${name}:resync`),
    });
    const offAll = demux.add(null, listener('all'));
    const offRun = demux.add('r', listener('run'));
    const events = [
      { type: 'output', runId: 'r', stream: 'stdout', firstLine: 1, lineCount: 1, text: 'x\n', at: 0 },
      { type: 'runFinished', runId: 'r', status: 'succeeded', exitCode: 0, signal: null, endedAt: 0, durationMs: 0, lineCount: 1, error: null },
    ];
    demux.receive(LiveEvents.create({ seq: 1, events: events as never }));
    demux.receive(LiveEvents.create({ seq: 3, events: [] }));
    assert.deepEqual(got, ['all:runFinished', 'run:output,runFinished', 'all:resync', 'run:resync']);
    offRun();
    offAll();
    assert.deepEqual(sent, ['+all', '+r', '-r', '-all']);
  });
});

describe('webview: duration trend and progress', () => {
  const stat = (path: string[], lastDurationsMs: number[]) => ({
    script: '/s.sh', path, name: path.at(-1)!, count: lastDurationsMs.length, meanMs: 1000, minMs: 0, maxMs: 0, stdDevMs: 100, lastDurationsMs, updatedAt: 0,
  });

  it('offers the run’s steps with statistics, one per path, defaulting to the first with two durations', () => {
    const run = record('a', [step(1, 'Setup', 5), step(2, 'Build', 1200, [step(3, 'Compile', 900)]), step(4, 'Build', 1300)]);
    const stats = statsByPath([stat(['Setup'], [5]), stat(['Build'], [1000, 1100]), stat(['Build', 'Compile'], [800, 900, 950])]);
    const choices = trendChoices(run, stats);
    assert.deepEqual(choices.map((c) => [c.label, c.currentMs]), [['Setup', 5], ['Build', 1200], ['Build › Compile', 900]]);
    assert.equal(pickTrend(choices, null)?.label, 'Build');
    assert.equal(pickTrend(choices, choices[2]!.key)?.label, 'Build › Compile');
    assert.equal(pickTrend(choices, 'gone')?.label, 'Build');
    assert.equal(pickTrend([], null), null);
  });

  it('lays out points oldest to newest from 0 up, the mean ± σ band, and this run apart', () => {
    const p = trendPlot({ durationsMs: [1000, 3000, 2000], meanMs: 2000, stdDevMs: 500, currentMs: 2500 });
    assert.equal(p.points.length, 3);
    assert.ok(p.points[0]!.x < p.points[1]!.x && p.points[1]!.x < p.points[2]!.x);
    assert.ok(p.points[1]!.y < p.points[2]!.y && p.points[2]!.y < p.points[0]!.y, 'longer is higher');
    assert.equal(p.points[1]!.y, p.ticks.find((t) => t.ms === 3000)!.y);
    assert.equal(p.ticks[0]!.ms, 0);
    assert.equal(p.ticks[0]!.y, p.bottom);
    assert.ok(p.band && p.band.top < p.meanY && p.meanY < p.band.bottom);
    assert.equal(p.points[2]!.y, p.meanY);
    assert.ok(p.current && p.current.x > p.points[2]!.x);
    assert.equal(p.line.split(' ').length, 3);
    const single = trendPlot({ durationsMs: [40], meanMs: 40, stdDevMs: null, currentMs: null });
    assert.equal(single.band, null);
    assert.equal(single.current, null);
    assert.ok(single.points[0]!.x > single.left && single.points[0]!.x < single.right);
    assert.deepEqual([0.3, 1, 1.5, 2.2, 3, 7, 240, 2600].map(niceStep), [0.5, 1, 2, 2.5, 5, 10, 250, 5000]);
  });

  it('words the progress of a running run', () => {
    const base = { stepId: null, stepRemainingMs: null, overdue: false, source: 'history' as const };
    assert.equal(progressLabel({ ...base, fraction: 0.456, remainingMs: 11_200 }), '45 % · ≈ 12 s left');
    assert.equal(progressLabel({ ...base, fraction: 0.1, remainingMs: 245_000 }), '10 % · ≈ 4m 05s left');
    assert.equal(progressLabel({ ...base, fraction: 0.99, remainingMs: 0, overdue: true }), '99 % · longer than usual');
    assert.equal(progressLabel({ ...base, fraction: null, remainingMs: 400 }), '≈ <1 s left');
    assert.equal(progressLabel({ ...base, fraction: null, remainingMs: null }), null);
    assert.equal(progressLabel(null), null);
  });
});

describe('webview: codicons', () => {
  it('uses the code points of the installed @vscode/codicons', () => {
    const css = fs.readFileSync(path.join(__dirname, '..', '..', 'node_modules', '@vscode', 'codicons', 'dist', 'codicon.css'), 'utf8');
    for (const [name, code] of Object.entries(CODICONS)) {
      const m = new RegExp(`\\.codicon-${name}:before \\{ content: "\\\\([0-9a-f]+)" \\}`).exec(css);
      assert.ok(m, `codicon ${name} exists`);
      assert.equal(parseInt(m[1]!, 16), code, name);
    }
  });
});

describe('webview: the run list pages', () => {
  it('replaces the list on reload, appends the next page without duplicates, and stops at the last page', async () => {
    const all = ['r5', 'r4', 'r3', 'r2', 'r1'].map((id) => historyRunFromRecord(record(id, [])));
    const asked: Array<string | undefined> = [];
    // Pages of two; the second page repeats the run the first ended with (a run that
    // finished in between moves like that when pages are cut by time).
    const pages: Record<string, RunPage> = {
      first: { runs: all.slice(0, 2), nextCursor: 'c2' },
      c2: { runs: all.slice(1, 4), nextCursor: 'c4' },
      c4: { runs: all.slice(4), nextCursor: null },
    };
    const source = {
      artifactAction: 'open',
      listRuns: async (query: { cursor?: string }) => {
        asked.push(query.cursor);
        return pages[query.cursor ?? 'first']!;
      },
      subscribe: () => () => undefined,
      loadState: () => undefined,
      saveState: () => undefined,
    } as unknown as StepflowDataSource;
    const ctl = new HistoryController(source);
    await ctl.start();
    assert.deepEqual(ctl.runs.map((r) => r.id), ['r5', 'r4']);
    await ctl.loadMore();
    await ctl.loadMore();
    assert.deepEqual(ctl.runs.map((r) => r.id), ['r5', 'r4', 'r3', 'r2', 'r1']);
    await ctl.loadMore(); // no cursor left: nothing to ask
    await ctl.reload();
    assert.deepEqual(ctl.runs.map((r) => r.id), ['r5', 'r4']);
    assert.deepEqual(asked, [undefined, 'c2', 'c4', undefined]);
    assert.equal(ctl.loadingList, false);
    ctl.dispose();
  });
});
