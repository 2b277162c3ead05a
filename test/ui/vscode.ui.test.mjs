// What a user sees: examples/ open in a real VS Code (code-server) in headless Chromium,
// a click on "▶ Run with StepFlow" above shell_example.sh, and the StepFlow view filling
// with the script's steps. Saves test-results/vscode-run.png. A failed nested run
// opens at its failing step (test-results/vscode-failed-nested.png), and the view stays
// readable after 50 runs (test-results/vscode-after-50-runs.png).
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ui from '../vscode/ui.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('StepFlow in VS Code (code-server + Chromium)', function () {
  this.timeout(180_000);
  let workbench;
  let home;

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-ui-home-'));
    workbench = await ui.openWorkbench({
      folder: path.join(root, 'examples'),
      extensionDevelopmentPath: root,
      env: { STEPFLOW_HOME: home },
      viewport: { width: 1400, height: 900 },
    });
  });

  after(async () => {
    await workbench?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('runs a script from its CodeLens and shows its steps live in the StepFlow view', async () => {
    const { page } = workbench;
    await ui.openFile(page, 'shell_example.sh');
    await ui.clickCodeLens(page, 'Run with StepFlow');
    // Starting a run reveals it: the StepFlow view opens by itself (no click on the activity bar).
    // The first step appears while the script still runs (it takes ~3 s in all).
    const early = await ui.waitForTreeRows(page, 'Runs', { text: 'Environment Setup', timeoutMs: 60_000 });
    assert.ok(early.some((label) => label.includes('shell_example.sh')), JSON.stringify(early));
    const rows = await ui.waitForTreeRows(page, 'Runs', { text: 'Package', timeoutMs: 60_000 });
    // The view follows the run, so by the last step the first ones may have scrolled out of
    // the (virtualised) list: every step must have been on screen at one of the two moments.
    const seen = [...early, ...rows];
    for (const step of ['Environment Setup', 'Build', 'Tests', 'Package']) {
      assert.ok(seen.some((label) => label.includes(step)), `row for ${step} in ${JSON.stringify(seen)}`);
    }
    const file = await ui.screenshot(page, 'vscode-run');
    assert.ok(fs.statSync(file).size > 10_000, 'a real screenshot');
  });

  /** The Runs view's rendered rows: label text, tree level, expanded and selected state. */
  const runsRows = (page) =>
    ui.treeRows(page, 'Runs').evaluateAll((els) =>
      els.map((e) => ({
        text: (e.textContent || '').trim(),
        aria: e.getAttribute('aria-label') || '',
        level: Number(e.getAttribute('aria-level')),
        expanded: e.getAttribute('aria-expanded'),
        selected: e.getAttribute('aria-selected') === 'true' || e.classList.contains('selected'),
      })),
    );

  /** Resolves once a rendered row of the Runs view satisfies `predicate` (checked on every DOM change). */
  async function waitForRow(page, predicate, what, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await runsRows(page);
      const row = rows.find(predicate);
      if (row) return { row, rows };
      if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify(rows)}`);
      await page
        .waitForFunction(() => false, null, { timeout: 250, polling: 'mutation' })
        .catch(() => {});
    }
  }

  it('opens a failed nested run at its failing step, its parent shown failed', async () => {
    const { page } = workbench;
    await ui.openFile(page, 'nested_failing.sh');
    await ui.clickCodeLens(page, 'Run with StepFlow');
    // The failing step ("integration", inside "Tests", which the script closed with
    // STEP_COMPLETE) is revealed and selected when the run ends.
    const { rows } = await waitForRow(page, (r) => r.selected && r.text.startsWith('integration'), 'the failing step selected');
    const tests = rows.find((r) => r.text.startsWith('Tests'));
    assert.ok(tests, JSON.stringify(rows));
    assert.match(tests.text, /1 child step failed/);
    assert.equal(tests.expanded, 'true');
    const run = rows.find((r) => r.text.startsWith('nested_failing.sh'));
    assert.match(run.text, /failed · exit code 3/);
    assert.ok(!rows.some((r) => r.level === 2 && /^exit code/.test(r.text)), 'no synthetic exit code row');
    const file = await ui.screenshot(page, 'vscode-failed-nested');
    assert.ok(fs.statSync(file).size > 10_000, 'a real screenshot');
  });

  it('cancels a run started with `stepflow run` in a terminal from the StepFlow view; it shows cancelled, not failed', async () => {
    const { page } = workbench;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-ui-cancel-'));
    const script = path.join(dir, 'long_cli.sh');
    fs.writeFileSync(script, '#!/usr/bin/env bash\necho "STEP_START:Waiting"\nwhile :; do sleep 0.1; done\n', { mode: 0o755 });
    const child = spawn(process.execPath, [path.join(root, 'bin', 'stepflow.js'), 'run', script], {
      stdio: 'ignore',
      env: { ...process.env, STEPFLOW_HOME: home },
    });
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    try {
      // A run started elsewhere does not open the view by itself.
      await ui.openViewContainer(page, 'StepFlow', { timeoutMs: 60_000 });
      await waitForRow(page, (r) => r.text.startsWith('Waiting'), 'the terminal run, live in the view');
      const runRow = ui.treeRows(page, 'Runs').filter({ hasText: /^long_cli\.sh/ }).first();
      await runRow.click();
      await runRow.locator('.action-label[aria-label^="Cancel Run"]').click();
      const { row } = await waitForRow(page, (r) => r.level === 1 && r.text.startsWith('long_cli.sh') && /cancelled/.test(r.text), 'the run shown cancelled');
      assert.doesNotMatch(row.text, /failed/);
      const { code } = await exited;
      assert.equal(code, 143, 'the CLI ends as a script stopped by SIGTERM does (128 + 15)');
      const file = await ui.screenshot(page, 'vscode-cli-run-cancelled');
      assert.ok(fs.statSync(file).size > 10_000, 'a real screenshot');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stays readable after 50 runs: only the newest run of each script is expanded', async () => {
    const { page } = workbench;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-ui-50-'));
    const scripts = ['alpha.sh', 'beta.sh', 'gamma.sh', 'last.sh'].map((name) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, `#!/usr/bin/env bash\necho "STEP_START:${name} step"\necho "STEP_COMPLETE:${name} step"\n`, { mode: 0o755 });
      return file;
    });
    const cli = (file) =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(root, 'bin', 'stepflow.js'), 'run', file, '--json'], {
          stdio: 'ignore',
          env: { ...process.env, STEPFLOW_HOME: home },
        });
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`stepflow run ${file}: exit ${code}`))));
      });
    try {
      // 49 runs of three scripts, two at a time (as from two terminals), then a last one.
      const queue = Array.from({ length: 49 }, (_, i) => scripts[i % 3]);
      await Promise.all([0, 1].map(async () => {
        while (queue.length) await cli(queue.shift());
      }));
      await cli(scripts[3]);
      const { rows } = await waitForRow(page, (r) => r.level === 1 && r.text.startsWith('last.sh'), 'the 50th run in the view');
      const runs = rows.filter((r) => r.level === 1);
      const expanded = runs.filter((r) => r.expanded === 'true');
      const scriptsShown = new Set(runs.map((r) => r.text.split(/\s/)[0]));
      assert.ok(runs.length >= 15, `the view lists the kept runs: ${JSON.stringify(runs)}`);
      assert.ok(expanded.length <= scriptsShown.size, `one expanded run per script at most: ${JSON.stringify(expanded)}`);
      assert.ok(runs.filter((r) => r.expanded === 'false').length >= runs.length - scriptsShown.size, 'older runs are collapsed');
      const file = await ui.screenshot(page, 'vscode-after-50-runs');
      assert.ok(fs.statSync(file).size > 10_000, 'a real screenshot');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
