// Statistics end to end with the real `stepflow` CLI (build first: `npm run build`): three
// ordinary runs of a script, then a fourth with a deliberately slow step, which `stepflow run`
// flags in its output and in the --json record; then `stats` and `report`.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, tempDir, writeScript } from '../support/cli';

const SCRIPT = [
  '#!/usr/bin/env bash',
  'echo "STEP_START:Setup"',
  'echo "STEP_COMPLETE:Setup"',
  'echo "STEP_START:Compile"',
  'sleep "${SLOW:-0.2}"',
  'echo "STEP_COMPLETE:Compile"',
  'echo "STEP_START:Test"',
  'echo "ARTIFACT:out/junit.xml:JUnit"',
  'if [ -n "$FAIL" ]; then echo "assertion failed in test_x"; echo "STEP_ERROR:tests/x.py:7: 1 test failed"; exit 1; fi',
  'echo "STEP_COMPLETE:Test"',
].join('\n');

// Usually "1.5 s (400.1σ above 203 ms mean)"; on a loaded machine a slow baseline run can make
// it the "… % slower than …" rule instead — which rule fires is unit-tested (stats.outliers).
const OUTLIER_MESSAGE = /^\d\.\d s \((\d+\.\dσ above|\d\.\d s or \d+ % slower than) \d{3} ms mean\)$/;
const OUTLIER_LINE = new RegExp(`^\\[stepflow\\] ⚠ Compile ${OUTLIER_MESSAGE.source.slice(1, -1)}$`, 'm');

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

  it('flags the slow fourth run in `stepflow run` output and in the step of the --json record', async () => {
    // Setup and Test take a millisecond or two: on a loaded machine 1 ms → 4 ms is "3× the
    // mean". The project's floor keeps that jitter from being flagged, as a user would set it.
    fs.writeFileSync(path.join(work, 'stepflow.json'), JSON.stringify({ stats: { minSlowdownMs: 100 } }));
    const plain = writeScript(work, 'build.sh', SCRIPT);
    await threeOrdinaryRuns(plain);
    const slow = await runCli(['run', plain], { home, env: { SLOW: '1.5' } });
    assert.equal(slow.code, 0, slow.stderr);
    assert.match(slow.stdout, OUTLIER_LINE);
    // Right after the step's own line, and only for the slow step.
    const lines = slow.stdout.split('\n');
    const at = lines.findIndex((l) => OUTLIER_LINE.test(l));
    assert.match(lines[at - 1]!, /^\[stepflow\] ✓ Compile \d\.\d s$/);
    assert.equal(lines.filter((l) => l.includes('⚠')).length, 1);

    const json = writeScript(work, 'other.sh', SCRIPT);
    await threeOrdinaryRuns(json);
    const result = await runCli(['run', json, '--json'], { home, env: { SLOW: '1.5' } });
    assert.equal(result.code, 0, result.stderr);
    const record = JSON.parse(result.stdout);
    const [setup, compile, test] = record.steps;
    assert.deepEqual(setup.warnings, []);
    assert.deepEqual(test.warnings, []);
    assert.equal(compile.warnings.length, 1);
    assert.deepEqual(Object.keys(compile.warnings[0]).slice(0, 3), ['type', 'severity', 'message']);
    assert.equal(compile.warnings[0].type, 'outlier');
    assert.match(compile.warnings[0].severity, /^(warning|critical)$/);
    assert.match(compile.warnings[0].message, OUTLIER_MESSAGE);
    // Stored with the step: `show` reads it back.
    const shown = JSON.parse((await runCli(['show', record.id, '--json'], { home })).stdout);
    assert.deepEqual(shown.steps[1].warnings, compile.warnings);
  });

  it('does not flag a slowdown below the project\'s "stats.minSlowdownMs", and rejects a bad value', async () => {
    fs.writeFileSync(path.join(work, 'stepflow.json'), JSON.stringify({ stats: { minSlowdownMs: 60_000 } }));
    const script = writeScript(work, 'build.sh', SCRIPT);
    await threeOrdinaryRuns(script);
    const slow = JSON.parse((await runCli(['run', script, '--json'], { home, env: { SLOW: '1.5' } })).stdout);
    assert.ok(slow.steps[1].durationMs >= 1400, `Compile took ${slow.steps[1].durationMs} ms`);
    assert.deepEqual(slow.steps.map((s: { warnings: unknown[] }) => s.warnings), [[], [], []]);

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
    const compile = stats[1];
    assert.equal(compile.count, 4);
    assert.ok(compile.meanMs >= 190 && compile.meanMs < 1000, `mean ${compile.meanMs}`);
    assert.equal(typeof compile.stdDevMs, 'number');
    assert.equal(compile.lastDurationsMs.length, 4);
    assert.equal(stats[2].count, 3, 'the failed Test step does not count');

    const text = await runCli(['stats', script], { home });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^${script.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    assert.match(text.stdout, /^ {2}Compile +4 +\d{3} ms +± \d+ ms +\d{3} ms +\d{3} ms +[▁-█]{4}$/m);

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
    const failed = JSON.parse((await runCli(['run', script, '--json'], { home, env: { SLOW: '1.5', FAIL: '1' } })).stdout);
    assert.equal(failed.status, 'failed');

    const md = await runCli(['report', failed.id.slice(0, 10)], { home });
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^## ❌ StepFlow\\: build\\\.sh failed in /);
    assert.match(md.stdout, /\| Compile \| ✅ succeeded \| \d\\\.\d s \| \d{3} ms ± \d+ ms \\\(3\\\) \| \\\+\d+ % ⚠️ (warning|critical) \|/);
    assert.match(md.stdout, /- (🔴|🟡) \*\*Compile\*\* — \d\\\.\d s \\\(.+ \d{3} ms mean\\\) _\(outlier, (warning|critical)\)_/);
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
