// Results a user can trust, end to end through the built CLI: a step closed with STEP_COMPLETE over a failed
// child is shown failed in `stepflow run`'s step lines, in both reports and in the editor's
// step history (CodeLens/hover), while the stored status stays what the script said.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StepHistory, lensTitle } from '../../sidecar/lsp/markers/history';
import { Store } from '../../sidecar/store/store';
import { runCli, tempDir, writeScript } from '../support/cli';

describe('a failure is never hidden (CLI, reports, step history)', () => {
  let home: string;
  let work: string;
  let script: string;
  let runId: string;
  let output: string;

  before(async () => {
    home = tempDir('stepflow-i9-home-');
    work = tempDir('stepflow-i9-work-');
    script = writeScript(
      work,
      'nested.sh',
      [
        '#!/usr/bin/env bash',
        'echo "STEP_START:Tests"',
        'echo "STEP_START:unit"',
        'echo "STEP_COMPLETE:unit"',
        'echo "STEP_START:integration"',
        'echo "STEP_ERROR:upload failed"',
        'echo "STEP_COMPLETE:Tests"',
        'exit 3',
        '',
      ].join('\n'),
    );
    const result = await runCli(['run', script], { home });
    assert.equal(result.code, 3, result.stderr);
    output = result.stdout;
    const shown = await runCli(['history', '--json'], { home });
    runId = (JSON.parse(shown.stdout) as Array<{ id: string }>)[0]!.id;
  });
  after(() => {
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('prints the parent as failed with "1 child step failed" in `stepflow run`', () => {
    assert.match(output, /\[stepflow\] ✗ integration \d+ ms — upload failed/);
    assert.match(output, /\[stepflow\] ✗ Tests \d+ ms — 1 child step failed/);
    assert.match(output, /\[stepflow\] ✗ run failed in/);
  });

  it('shows the parent failed in `stepflow show` too', async () => {
    const shown = await runCli(['show', runId], { home });
    assert.match(shown.stdout, /^ {2}✗ Tests \d+ ms — 1 child step failed$/m);
    assert.match(shown.stdout, /^ {4}✓ unit \d+ ms$/m);
  });

  it('keeps the stored status as the script said', async () => {
    const shown = await runCli(['show', runId, '--json'], { home });
    const run = JSON.parse(shown.stdout) as { steps: Array<{ name: string; status: string }> };
    assert.equal(run.steps[0]!.name, 'Tests');
    assert.equal(run.steps[0]!.status, 'succeeded');
  });

  it('shows it failed in the Markdown and HTML reports', async () => {
    const md = await runCli(['report', runId], { home });
    assert.match(md.stdout, /\| Tests \| ❌ failed \(1 child step failed\) \|/);
    const file = path.join(work, 'r.html');
    await runCli(['report', runId, '--html', file], { home });
    const page = fs.readFileSync(file, 'utf8');
    assert.match(page, /<span class="icon s-failed" title="failed">✗<\/span> Tests <span class="note">— 1 child step failed<\/span>/);
    assert.match(page, /Steps<\/dt><dd>3 \(2 failed\)/);
  });

  it('shows it failed in the editor\'s step history (CodeLens "last ✗")', () => {
    const store = new Store(path.join(home, 'stepflow.db'));
    try {
      const history = new StepHistory(() => store);
      const tests = history.lookup(script, ['Tests'])!;
      assert.equal(tests.recent[0]!.status, 'failed');
      assert.match(lensTitle(tests)!, /· last ✗ \d+ ms ·/);
      assert.equal(history.lookup(script, ['Tests', 'unit'])!.recent[0]!.status, 'succeeded');
    } finally {
      store.close();
    }
  });
});
