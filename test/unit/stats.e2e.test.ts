// Statistics end to end with the real `stepflow` CLI (build first: `npm run build`): three
// ordinary runs of a script, then a fourth with a deliberately slow step, which `stepflow run`
// flags in its output and in the --json record; then `stats` and `report`.
//
// No wall-clock thresholds: the slow step is held open by the test — the script waits for a
// gate file after STEP_START, and the test opens it only `hold` ms after it saw the step
// start being recorded — so the step's duration is at least `hold` by construction (start ≤
// the moment the test saw it, end ≥ the moment it opened the gate), whatever the load.
// `hold` is computed from the baseline the runs before produced, so the slow step is an
// outlier under the rules however slow the baseline runs were.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { formatDuration } from '../../sidecar/protocol/format';
import { runCli, tempDir, writeScript, type CliResult } from '../support/cli';

const SCRIPT = [
  '#!/usr/bin/env bash',
  'echo "STEP_START:Setup"',
  'echo "STEP_COMPLETE:Setup"',
  'echo "STEP_START:Compile"',
  // Ordinary runs: a short sleep, so the step's mean is not 0 ms (a stimulus, never asserted
  // on). The slow run: held open until the test opens the gate.
  'if [ -n "$GATE" ]; then while [ ! -e "$GATE" ]; do sleep 0.02; done; else sleep 0.2; fi',
  'echo "STEP_COMPLETE:Compile"',
  'echo "STEP_START:Test"',
  'echo "ARTIFACT:out/junit.xml:JUnit"',
  'if [ -n "$FAIL" ]; then echo "assertion failed in test_x"; echo "STEP_ERROR:tests/x.py:7: 1 test failed"; exit 1; fi',
  'echo "STEP_COMPLETE:Test"',
].join('\n');

// "2.3 s (412.0σ above 2 ms mean)", or another rule's wording: which rule fires is
// unit-tested (stats.outliers); here the duration and the shape.
const DURATION = String.raw`(?:\d+ ms|\d+\.\d s|\d+m \d\ds)`;
const OUTLIER_MESSAGE = new RegExp(`^${DURATION} \\(.+ ${DURATION} mean\\)$`);
const OUTLIER_LINE = new RegExp(`^\\[stepflow\\] ⚠ Compile ${OUTLIER_MESSAGE.source.slice(1, -1)}$`, 'm');

interface StepStat {
  path: string[];
  count: number;
  meanMs: number;
  stdDevMs: number | null;
  minMs: number;
  maxMs: number;
  lastDurationsMs: number[];
}
interface Step {
  name: string;
  status: string;
  startedAt: number;
  endedAt: number;
  durationMs: number;
  warnings: Array<{ type: string; severity: string; message: string }>;
}

describe('stats: outliers, statistics and reports through the CLI', function () {
  this.timeout(60_000);
  let home: string;
  let work: string;

  beforeEach(() => {
    home = tempDir('stepflow-home-');
    work = tempDir('stepflow-work-');
  });
  afterEach(() => {
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  async function threeOrdinaryRuns(script: string): Promise<void> {
    for (let i = 0; i < 3; i++) {
      const result = await runCli(['run', script], { home });
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stdout, /⚠/, 'no warning while there is too little history');
    }
  }

  const statsOf = async (script: string): Promise<StepStat[]> => JSON.parse((await runCli(['stats', script, '--json'], { home })).stdout);

  /**
   * Runs the script with its Compile step held open for at least `hold(baseline mean)` ms:
   * the gate opens that long after the test saw the step's start recorded — by the
   * `[stepflow] ▶ Compile` line, or with --json (no such line) by the step's row in the
   * database (polled: nothing announces a commit to another process).
   */
  async function slowRun(script: string, args: string[], env: Record<string, string>, hold: (meanMs: number) => number) {
    const baseline = await statsOf(script);
    const compileMean = baseline.find((s) => s.path.join('/') === 'Compile')!.meanMs;
    const holdMs = Math.ceil(hold(compileMean));
    const gate = path.join(work, `gate-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    let seenAt = 0;
    let openedAt = 0;
    const open = () => {
      seenAt = Date.now();
      setTimeout(() => {
        openedAt = Date.now();
        fs.writeFileSync(gate, '');
      }, holdMs);
    };
    const json = args.includes('--json');
    let polling: Promise<void> | undefined;
    const running = runCli(['run', script, ...args], {
      home,
      env: { ...env, GATE: gate },
      onStdout: (text) => {
        if (!json && seenAt === 0 && /^\[stepflow\] ▶ Compile$/m.test(text)) open();
      },
    });
    if (json) polling = waitForRunningStep(path.join(home, 'stepflow.db'), 'Compile').then(open);
    const result: CliResult = await running;
    await polling;
    assert.ok(openedAt >= seenAt + holdMs && seenAt > 0, 'the gate opened after the hold');
    return { result, baseline, seenAt, openedAt, holdMs };
  }

  /** The recorded steps of the latest run. */
  const latestSteps = async (): Promise<{ id: string; steps: Step[] }> => {
    const [run] = JSON.parse((await runCli(['history', '--json', '--limit', '1'], { home })).stdout);
    return JSON.parse((await runCli(['show', run.id, '--json'], { home })).stdout);
  };

  /** The step really lasted across the hold: timestamps the test controls, compared for order. */
  function assertHeld(step: Step, seenAt: number, openedAt: number): void {
    assert.ok(step.startedAt <= seenAt, `${step.name} started ${step.startedAt}, seen ${seenAt}`);
    assert.ok(step.endedAt >= openedAt, `${step.name} ended ${step.endedAt}, gate opened ${openedAt}`);
    assert.equal(step.durationMs, step.endedAt - step.startedAt);
  }

  /** Steps the floor must keep quiet: slower than their mean by less than `floorMs`. */
  function assertQuietBelowFloor(steps: Step[], baseline: StepStat[], floorMs: number): void {
    for (const step of steps) {
      const mean = baseline.find((s) => s.path.join('/') === step.name)!.meanMs;
      if (step.durationMs - mean < floorMs) assert.deepEqual(step.warnings, [], `${step.name}: ${step.durationMs} ms against a ${mean} ms mean`);
    }
  }

  it('flags the slow fourth run in `stepflow run` output and in the step of the --json record', async () => {
    // A floor of 1 s keeps load jitter of the millisecond steps (Setup, Test) from being
    // flagged; the held Compile step is slower than its mean by more than that, and by more
    // than 1 s and 50 % (the "slower" rule) however slow its baseline was.
    const FLOOR = 1000;
    fs.writeFileSync(path.join(work, 'stepflow.json'), JSON.stringify({ stats: { minSlowdownMs: FLOOR } }));
    const hold = (mean: number) => 2 * mean + FLOOR + 1100;
    const plain = writeScript(work, 'build.sh', SCRIPT);
    await threeOrdinaryRuns(plain);
    const slow = await slowRun(plain, [], {}, hold);
    assert.equal(slow.result.code, 0, slow.result.stderr);
    const shown = await latestSteps();
    assertHeld(shown.steps[1]!, slow.seenAt, slow.openedAt);
    assert.match(slow.result.stdout, OUTLIER_LINE);
    // Right after the step's own line, and only for the slow step (unless load made another
    // step slower than the floor, which the floor then rightly does not hide).
    const lines = slow.result.stdout.split('\n');
    const at = lines.findIndex((l) => OUTLIER_LINE.test(l));
    assert.equal(lines[at - 1], `[stepflow] ✓ Compile ${formatDuration(shown.steps[1]!.durationMs)}`);
    assert.ok(lines[at]!.startsWith(`[stepflow] ⚠ Compile ${formatDuration(shown.steps[1]!.durationMs)} (`));
    assertQuietBelowFloor(shown.steps, slow.baseline, FLOOR);

    const json = writeScript(work, 'other.sh', SCRIPT);
    await threeOrdinaryRuns(json);
    const result = await slowRun(json, ['--json'], {}, hold);
    assert.equal(result.result.code, 0, result.result.stderr);
    const record = JSON.parse(result.result.stdout);
    const [, compile] = record.steps as Step[];
    assertHeld(compile!, result.seenAt, result.openedAt);
    assertQuietBelowFloor(record.steps, result.baseline, FLOOR);
    assert.equal(compile!.warnings.length, 1);
    assert.deepEqual(Object.keys(compile!.warnings[0]!).slice(0, 3), ['type', 'severity', 'message']);
    assert.equal(compile!.warnings[0]!.type, 'outlier');
    assert.match(compile!.warnings[0]!.severity, /^(warning|critical)$/);
    assert.match(compile!.warnings[0]!.message, OUTLIER_MESSAGE);
    assert.ok(compile!.warnings[0]!.message.startsWith(`${formatDuration(compile!.durationMs)} (`));
    // Stored with the step: `show` reads it back.
    const again = JSON.parse((await runCli(['show', record.id, '--json'], { home })).stdout);
    assert.deepEqual(again.steps[1].warnings, compile!.warnings);
  });

  it('does not flag a slowdown below the project\'s "stats.minSlowdownMs", and rejects a bad value', async () => {
    // A floor of a day: no step of this test is that much slower than its mean, however
    // loaded the machine, so "below the floor" holds by construction, not by the clock.
    const FLOOR = 86_400_000;
    fs.writeFileSync(path.join(work, 'stepflow.json'), JSON.stringify({ stats: { minSlowdownMs: FLOOR } }));
    const script = writeScript(work, 'build.sh', SCRIPT);
    await threeOrdinaryRuns(script);
    // Held for 3× its mean plus a second: an outlier by every rule but the floor.
    const slow = await slowRun(script, ['--json'], {}, (mean) => 3 * mean + 1000);
    const record = JSON.parse(slow.result.stdout);
    assertHeld(record.steps[1], slow.seenAt, slow.openedAt);
    assert.deepEqual(record.steps.map((s: { warnings: unknown[] }) => s.warnings), [[], [], []]);

    fs.writeFileSync(path.join(work, 'stepflow.json'), JSON.stringify({ stats: { minSlowdownMs: 'soon' } }));
    const bad = await runCli(['run', script], { home });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /^stepflow: .*stepflow\.json: "stats\.minSlowdownMs" must be a number of milliseconds ≥ 0\n$/);
  });

  it('`stepflow stats` lists count, mean, σ, min, max and last durations, and --rebuild recomputes them', async () => {
    const script = writeScript(work, 'build.sh', SCRIPT);
    await threeOrdinaryRuns(script);
    await runCli(['run', script], { home, env: { FAIL: '1' } });
    const stats = JSON.parse((await runCli(['stats', script, '--json'], { home })).stdout);
    assert.deepEqual(stats.map((s: { path: string[] }) => s.path), [['Setup'], ['Compile'], ['Test']]);
    const compile: StepStat = stats[1];
    assert.equal(compile.count, 4);
    // The aggregate agrees with the durations it was made of (no threshold: whatever they were).
    assert.equal(compile.lastDurationsMs.length, 4);
    const mean = compile.lastDurationsMs.reduce((a, b) => a + b, 0) / 4;
    assert.ok(Math.abs(compile.meanMs - mean) < 1e-6, `mean ${compile.meanMs} of ${compile.lastDurationsMs.join(', ')}`);
    assert.equal(compile.minMs, Math.min(...compile.lastDurationsMs));
    assert.equal(compile.maxMs, Math.max(...compile.lastDurationsMs));
    const sd = Math.sqrt(compile.lastDurationsMs.reduce((a, d) => a + (d - mean) ** 2, 0) / 3);
    assert.ok(Math.abs((compile.stdDevMs ?? NaN) - sd) < 1e-6, `σ ${compile.stdDevMs}, expected ${sd}`);
    assert.equal(stats[2].count, 3, 'the failed Test step does not count');

    const text = await runCli(['stats', script], { home });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^${script.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    assert.match(text.stdout, new RegExp(`^ {2}Compile +4 +${formatDuration(compile.meanMs)} +± ${DURATION} +${formatDuration(compile.minMs)} +${formatDuration(compile.maxMs)} +[▁-█]{4}$`, 'm'));

    const rebuilt = await runCli(['stats', '--rebuild', '--json', script], { home });
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.match(rebuilt.stderr, /rebuilt the statistics of 3 step\(s\) from 11 succeeded step run\(s\)/);
    const again = JSON.parse(rebuilt.stdout);
    const strip = (list: Array<Record<string, unknown>>) => list.map(({ updatedAt: _u, meanMs, stdDevMs, ...rest }) => ({ ...rest, meanMs: Math.round(meanMs as number), stdDevMs: Math.round(stdDevMs as number) }));
    assert.deepEqual(strip(again), strip(stats));
  });

  it('`stepflow report` writes Markdown to stdout and self-contained HTML to a file', async () => {
    const script = writeScript(work, 'build.sh', SCRIPT);
    await threeOrdinaryRuns(script);
    // Held for twice its mean plus 1.2 s: an outlier under the default rules however slow the baseline.
    const slow = await slowRun(script, ['--json'], { FAIL: '1' }, (mean) => 2 * mean + 1200);
    const failed = JSON.parse(slow.result.stdout);
    assert.equal(failed.status, 'failed');
    assertHeld(failed.steps[1], slow.seenAt, slow.openedAt);
    // As the Markdown writes it ('.' escaped), as a pattern.
    const compileTook = formatDuration(failed.steps[1].durationMs).replace(/\./g, '\\.').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

    const md = await runCli(['report', failed.id.slice(0, 10)], { home });
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^## ❌ StepFlow\\: build\\\.sh failed in /);
    assert.match(md.stdout, new RegExp(`\\| Compile \\| ✅ succeeded \\| ${compileTook} \\| [^|]+ ± [^|]+ \\\\\\(3\\\\\\) \\| \\\\\\+\\d+ % ⚠️ (warning|critical) \\|`));
    assert.match(md.stdout, new RegExp(`- (🔴|🟡) \\*\\*Compile\\*\\* — ${compileTook} \\\\\\(.+ mean\\\\\\) _\\(outlier, (warning|critical)\\)_`));
    assert.match(md.stdout, /<summary><b>Test<\/b> — 1 test failed<\/summary>/);
    assert.match(md.stdout, /assertion failed in test_x/);
    assert.match(md.stdout, /out\/junit\\\.xml — JUnit/);

    const file = path.join(work, 'report.html');
    const html = await runCli(['report', failed.id, '--html', file], { home });
    assert.equal(html.code, 0, html.stderr);
    assert.equal(html.stdout, '');
    assert.match(html.stderr, /report written to /);
    const page = fs.readFileSync(file, 'utf8');
    assert.match(page, /^<!doctype html>/);
    assert.ok(!/<script|<link|src=|href=/i.test(page));
    assert.match(page, /Durations against the mean/);

    const mdFile = path.join(work, 'summary.md');
    assert.equal((await runCli(['report', failed.id, '--markdown', mdFile], { home })).code, 0);
    assert.equal(fs.readFileSync(mdFile, 'utf8').replace(/Generated by StepFlow on .*/, ''), md.stdout.replace(/Generated by StepFlow on .*/, ''));

    const missing = await runCli(['report', 'nope'], { home });
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'stepflow: no run with id "nope"\n');
    const both = await runCli(['report', failed.id, '--html', 'a', '--markdown', 'b'], { home });
    assert.notEqual(both.code, 0);
    assert.match(both.stderr, /choose one of --html and --markdown/);
  });
});

/**
 * Resolves once a step with this name is stored as running in the database another process
 * writes (its start time is then already recorded). Polled: nothing announces another
 * process's commit; the overall limit is generous.
 */
async function waitForRunningStep(file: string, name: string, limitMs = 30_000): Promise<void> {
  for (const start = Date.now(); ; await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for step ${name} to be stored as running`);
    if (!fs.existsSync(file)) continue;
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true });
      if (db.prepare(`SELECT 1 FROM steps WHERE name = ? AND status = 'running'`).get(name)) return;
    } catch {
      // not created or migrated yet
    } finally {
      db?.close();
    }
  }
}
