// The step summary tab of the history panel inside a real VS Code (code-server + Chromium): a
// script run by the CLI beforehand appends Markdown to $GITHUB_STEP_SUMMARY twice — a table,
// emphasis, a code block, a hostile <script>/<img> and a masked secret — and the panel's
// Summary tab renders that Markdown as elements, the hostile HTML as visible text, the secret
// as ***. Screenshot: test-results/history-summary.png.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ui from '../vscode/ui.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SECRET = 'ui-summary-secret-77d2';
const HOSTILE_SCRIPT = '<script>window.__pwned=1</script>';
const HOSTILE_IMG = '<img src=x onerror="window.__pwned=2">';

const SCRIPT = `#!/usr/bin/env bash
echo "::add-mask::${SECRET}"
echo "STEP_START:Test"
cat >> "$GITHUB_STEP_SUMMARY" <<'EOF'
## Test results
| Suite | Passed |
|:--|--:|
| parser | **12** |
EOF
echo "STEP_COMPLETE:Test"
{
  echo ''
  echo '${HOSTILE_SCRIPT} then ${HOSTILE_IMG}'
  echo ''
  echo '\`\`\`'
  echo 'token=${SECRET}'
  echo '\`\`\`'
} >> "$GITHUB_STEP_SUMMARY"
`;

/** Tag names of every element in the document and its shadow roots. */
function allTags() {
  const out = [];
  const walk = (node) => {
    for (const el of node.querySelectorAll('*')) {
      out.push(el.tagName.toLowerCase());
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return out;
}

describe('history panel: the step summary tab (code-server + Chromium)', function () {
  this.timeout(180_000);
  let workbench;
  let home;
  let workspace;

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-summary-home-'));
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-summary-ws-'));
    const script = path.join(workspace, 'summary.sh');
    fs.writeFileSync(script, SCRIPT, { mode: 0o755 });
    const env = { ...process.env, STEPFLOW_HOME: home, GITHUB_STEP_SUMMARY: '' };
    const r = spawnSync(process.execPath, [path.join(root, 'bin', 'stepflow.js'), 'run', script, '--json'], { env, encoding: 'utf8' });
    assert.ok(JSON.parse(r.stdout).summary.includes('## Test results'), r.stderr);
    workbench = await ui.openWorkbench({ folder: workspace, extensionDevelopmentPath: root, env: { STEPFLOW_HOME: home }, viewport: { width: 1440, height: 900 } });
  });

  after(async () => {
    await workbench?.close();
    for (const dir of [home, workspace]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('renders the Markdown, shows hostile HTML as text and the secret masked', async () => {
    const { page } = workbench;
    await page.locator('.activitybar .action-item a.action-label[aria-label*="StepFlow"]').first().waitFor({ timeout: 60_000 });
    await ui.runCommand(page, 'StepFlow: Show History');
    const view = ui.webviewFrame(page);
    await view.locator('sf-run-list .row', { hasText: 'summary.sh' }).first().click({ timeout: 60_000 });
    await view.locator('sf-run-detail nav button[data-tab="summary"]').click();
    const summary = view.locator('sf-summary article.markdown');
    await summary.locator('h2', { hasText: 'Test results' }).waitFor();
    assert.equal(await summary.locator('th.a-right').innerText(), 'Passed');
    assert.equal(await summary.locator('td strong').innerText(), '12');
    assert.equal(await summary.locator('p', { hasText: 'then' }).innerText(), `${HOSTILE_SCRIPT} then ${HOSTILE_IMG}`);
    assert.equal(await summary.locator('pre code').innerText(), 'token=***');
    assert.ok(!(await summary.innerText()).includes(SECRET));
    await ui.screenshot(page, 'history-summary');

    const frame = await summary.elementHandle().then((h) => h.ownerFrame());
    const tags = await frame.evaluate(allTags);
    assert.ok(!tags.includes('img'), 'no <img> from the summary');
    assert.equal(await frame.evaluate(() => window.__pwned), undefined);
    assert.equal(await summary.locator('script').count(), 0);
  });
});
