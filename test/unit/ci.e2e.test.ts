// The CI examples (examples/ci-*.sh) run by the built `stepflow run --json`: the steps,
// errors with their locations, warnings, metadata, artifacts and durations each CI dialect's
// lines stand for, as stored (docs/spec.md §1 "CI dialects").
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, runCli, tempDir } from '../support/cli';
import type { RunRecord, StepRecord } from '../../sidecar/protocol/model';

const EXAMPLES = path.join(ROOT, 'examples');

async function runExample(name: string, extra: string[] = []): Promise<RunRecord> {
  const home = tempDir('stepflow-ci-');
  try {
    const result = await runCli(['run', path.join(EXAMPLES, name), '--json', '--db', path.join(home, 'stepflow.db'), ...extra], { home });
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as RunRecord;
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** name → [status, children] of the tree, for a readable comparison. */
const shape = (steps: StepRecord[]): unknown => steps.map((s) => [s.name, s.status, ...(s.children.length ? [shape(s.children)] : [])]);

describe('CI dialects: example scripts end to end', function () {
  this.timeout(60_000);

  it('GitHub Actions: nested groups, an error at its location failing its group, notices, warnings, masking', async () => {
    const run = await runExample('ci-github.sh');
    assert.deepEqual(shape(run.steps), [['Install', 'succeeded'], ['Lint', 'succeeded', [['eslint', 'succeeded']]], ['Deploy', 'failed']]);
    assert.equal(run.status, 'failed');
    const deploy = run.steps[2]!;
    assert.deepEqual(deploy.error, { message: 'Deploy failed: server answered 503\nretry later', file: 'ci-github.sh', line: 20, column: 6 });
    assert.deepEqual(run.steps[0]!.warnings.map((w) => [w.severity, w.message, w.file, w.line]), [['info', 'lockfile is up to date', 'package.json', 1]]);
    assert.deepEqual(run.steps[1]!.children[0]!.warnings.map((w) => [w.message, w.line, w.column]), [['Style: prefer single quotes', 3, 1]]);
    assert.deepEqual(run.artifacts.map((a) => [path.basename(a.path), a.description, a.step]), [['ci-github.sh', 'the script itself', null]]);
    // $GITHUB_STEP_SUMMARY is the run's summary, masked like everything else.
    assert.equal(run.summary, '## Deploy\n| Target | Result |\n|:--|:--|\n| staging | ❌ 503 (token ***) |\n');
  });

  it('GitHub Actions: stop-commands keeps the lines in between as output, and the mask hides the token', async () => {
    const home = tempDir('stepflow-ci-');
    try {
      const db = path.join(home, 'stepflow.db');
      const run = JSON.parse((await runCli(['run', path.join(EXAMPLES, 'ci-github.sh'), '--json', '--db', db], { home })).stdout) as RunRecord;
      const log = await runCli(['show', run.id, '--log', '--db', db], { home });
      assert.match(log.stdout, /^::error::this is only text, not an error$/m);
      assert.match(log.stdout, /^using token \*\*\*$/m);
      assert.ok(!log.stdout.includes('gh-example-token-42'));
      assert.equal(run.steps[2]!.warnings.length, 0); // the stopped ::error:: made nothing
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('TeamCity: blocks, progress and tests as steps, test durations and failures, statistics, artifacts', async () => {
    const run = await runExample('ci-teamcity.sh');
    assert.deepEqual(shape(run.steps), [
      ['Compile', 'succeeded', [["linking 'core'", 'succeeded']]],
      ['unit', 'succeeded', [['parser accepts [brackets]', 'succeeded'], ['store survives a crash', 'failed']]],
    ]);
    const [passed, failed] = run.steps[1]!.children;
    assert.equal(passed!.durationMs, 42);
    assert.equal(failed!.durationMs, 1250);
    assert.equal(failed!.error!.message, 'expected 3 rows\nat store.test.ts:88\nat run');
    assert.deepEqual(run.steps[1]!.warnings.map((w) => [w.severity, w.message]), [['info', 'ignored: flaky on CI']]);
    assert.deepEqual(run.meta, { coverage: '87.5' });
    assert.deepEqual(run.warnings.map((w) => w.message), ['disk almost full']);
    assert.deepEqual(run.artifacts.map((a) => [path.basename(a.path), a.description]), [['ci-teamcity.sh', 'scripts.zip']]);
  });

  it('GitLab: sections as nested steps named by their headers, durations from their timestamps', async () => {
    const run = await runExample('ci-gitlab.sh');
    assert.deepEqual(shape(run.steps), [['Building the app', 'succeeded', [['Unit tests', 'succeeded']]]]);
    assert.equal(run.steps[0]!.durationMs, 3000);
    assert.equal(run.steps[0]!.children[0]!.durationMs, 1000);
    assert.equal(run.status, 'succeeded');
  });

  it('Azure Pipelines: sections and groups as steps, logissue at its location, progress, artifacts, secret variables', async () => {
    const run = await runExample('ci-azure.sh');
    assert.deepEqual(shape(run.steps), [['Build', 'succeeded', [['Restore', 'succeeded']]], ['Test', 'failed']]);
    assert.deepEqual(run.steps[1]!.error, { message: '1 test failed', file: 'ci-azure.sh', line: 12, column: 3 });
    assert.deepEqual(run.steps[0]!.warnings.map((w) => [w.message, w.file, w.line]), [['old syntax', 'ci-azure.sh', 2]]);
    assert.equal(run.steps[0]!.meta.PROGRESS, '50');
    assert.deepEqual(run.artifacts.map((a) => [path.basename(a.path), a.description, a.step]), [['ci-azure.sh', 'scripts', 'Build']]);
  });

  it('a dialect switched off in stepflow.json leaves its lines as output', async () => {
    const dir = tempDir('stepflow-ci-off-');
    try {
      fs.copyFileSync(path.join(EXAMPLES, 'ci-gitlab.sh'), path.join(dir, 'ci-gitlab.sh'));
      fs.chmodSync(path.join(dir, 'ci-gitlab.sh'), 0o755);
      fs.writeFileSync(path.join(dir, 'stepflow.json'), JSON.stringify({ dialects: { gitlab: false } }));
      const home = tempDir('stepflow-ci-');
      try {
        const result = await runCli(['run', path.join(dir, 'ci-gitlab.sh'), '--json', '--db', path.join(home, 'stepflow.db')], { home });
        assert.deepEqual((JSON.parse(result.stdout) as RunRecord).steps, []);
        fs.writeFileSync(path.join(dir, 'stepflow.json'), JSON.stringify({ dialects: { gitlab: 'no' } }));
        const bad = await runCli(['run', path.join(dir, 'ci-gitlab.sh'), '--json', '--db', path.join(home, 'stepflow.db')], { home });
        assert.notEqual(bad.code, 0);
        assert.match(bad.stderr, /"dialects.gitlab" must be true or false/);
      } finally {
        fs.rmSync(home, { recursive: true, force: true });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
