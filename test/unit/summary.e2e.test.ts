// $GITHUB_STEP_SUMMARY end to end with the built CLI (docs/spec.md §1 "Step summary"): the
// script appends Markdown twice — a hostile <script> and a masked secret among it — and the
// run keeps it masked as its summary: in `run --json`, `show`, both reports, the database's
// files, and the summary file is gone with the run's temp folder.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, tempDir, writeScript } from '../support/cli';
import type { RunRecord } from '../../sidecar/protocol/model';

const SECRET = 'sfx-summary-secret-9c1e';

const SCRIPT = `#!/usr/bin/env bash
set -e
echo "::add-mask::${SECRET}"
echo "summary file: $GITHUB_STEP_SUMMARY"
echo "STEP_START:Build"
cat >> "$GITHUB_STEP_SUMMARY" <<'EOF'
# Build report
| Test | Result |
|:--|--:|
| parser | ✅ |
EOF
echo "STEP_COMPLETE:Build"
{
  echo ''
  echo '<script>alert("pwned")</script> and **bold** text'
  echo "deploy token: ${SECRET}"
} >> "$GITHUB_STEP_SUMMARY"
`;

/** Every file under `dir`, read as bytes. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('step summary ($GITHUB_STEP_SUMMARY) end to end', function () {
  this.timeout(60_000);
  let home: string;
  let db: string;
  let run: RunRecord;
  let summaryFile: string;

  before(async () => {
    home = tempDir('stepflow-summary-');
    db = path.join(home, 'stepflow.db');
    const script = writeScript(home, 'summary.sh', SCRIPT);
    const result = await runCli(['run', script, '--json', '--db', db], { home, env: { GITHUB_STEP_SUMMARY: '' } });
    assert.equal(result.code, 0, result.stderr);
    run = JSON.parse(result.stdout) as RunRecord;
    const log = await runCli(['show', run.id, '--log', '--db', db], { home });
    summaryFile = /^summary file: (.+)$/m.exec(log.stdout)![1]!;
  });

  after(() => fs.rmSync(home, { recursive: true, force: true }));

  it('keeps both appends, masked, as the run summary of `run --json`', () => {
    assert.equal(run.status, 'succeeded');
    assert.equal(
      run.summary,
      '# Build report\n| Test | Result |\n|:--|--:|\n| parser | ✅ |\n\n<script>alert("pwned")</script> and **bold** text\ndeploy token: ***\n',
    );
  });

  it('gave the script a fresh file beside the database, removed after the run', () => {
    assert.ok(summaryFile.startsWith(`${db}-logs${path.sep}stepflow-summary-`), summaryFile);
    assert.ok(!fs.existsSync(summaryFile));
    assert.ok(!fs.existsSync(path.dirname(summaryFile)));
  });

  it('`stepflow show` prints it, and `show --json` returns it with the record', async () => {
    const shown = await runCli(['show', run.id, '--db', db], { home });
    assert.match(shown.stdout, /^ {2}Summary\n {4}# Build report\n/m);
    assert.match(shown.stdout, /^ {4}deploy token: \*\*\*$/m);
    const json = JSON.parse((await runCli(['show', run.id, '--json', '--db', db], { home })).stdout) as RunRecord;
    assert.equal(json.summary, run.summary);
  });

  it('the HTML report renders the Markdown with the <script> as text', async () => {
    const file = path.join(home, 'report.html');
    assert.equal((await runCli(['report', run.id, '--html', file, '--db', db], { home })).code, 0);
    const page = fs.readFileSync(file, 'utf8');
    const section = /<section id="step-summary">([\s\S]*?)<\/section>/.exec(page)![1]!;
    assert.match(section, /<h1>Build report<\/h1>/);
    assert.match(section, /<th class="a-left">Test<\/th><th class="a-right">Result<\/th>/);
    assert.match(section, /&#60;script&#62;alert\(&#34;pwned&#34;\)&#60;\/script&#62; and <strong>bold<\/strong> text/);
    assert.ok(!/<script/i.test(page));
  });

  it('the Markdown report keeps the structure and escapes the HTML', async () => {
    const file = path.join(home, 'report.md');
    assert.equal((await runCli(['report', run.id, '--markdown', file, '--db', db], { home })).code, 0);
    const md = fs.readFileSync(file, 'utf8');
    const part = md.slice(md.indexOf('### Step summary'));
    assert.match(part, /^#### Build report$/m);
    assert.match(part, /^\| Test \| Result \|\n\| :-- \| --: \|\n\| parser \| ✅ \|$/m);
    assert.match(part, /&lt;script&gt;alert\\\(&quot;pwned&quot;\\\)&lt;\/script&gt; and \*\*bold\*\* text/);
    assert.ok(!part.includes('<script'));
  });

  it('the secret is in no file of the database (the database, its WAL, its log folder)', () => {
    // Only StepFlow's files: the scripts the tests write hold the secret themselves, and
    // another test of this file may have written one before this runs (shuffled order).
    const stored = filesUnder(home).filter((file) => path.relative(home, file).startsWith(path.basename(db)));
    assert.ok(stored.some((file) => file.endsWith('.db')), `the database is among ${JSON.stringify(stored)}`);
    for (const file of stored) assert.ok(!fs.readFileSync(file).includes(SECRET), file);
  });

  it('a run that writes nothing has no summary; inside a GitHub job the summary is passed on', async () => {
    const quiet = writeScript(home, 'quiet.sh', '#!/usr/bin/env bash\necho hello\n');
    const none = JSON.parse((await runCli(['run', quiet, '--json', '--db', db], { home, env: { GITHUB_STEP_SUMMARY: '' } })).stdout) as RunRecord;
    assert.equal(none.summary, null);
    const outer = path.join(home, 'outer-summary.md');
    fs.writeFileSync(outer, 'before\n');
    const writer = writeScript(home, 'writer.sh', `#!/usr/bin/env bash\necho "::add-mask::${SECRET}"\necho "from the script ${SECRET}" >> "$GITHUB_STEP_SUMMARY"\n`);
    const passed = JSON.parse((await runCli(['run', writer, '--json', '--db', db], { home, env: { GITHUB_STEP_SUMMARY: outer } })).stdout) as RunRecord;
    assert.equal(passed.summary, 'from the script ***\n');
    assert.equal(fs.readFileSync(outer, 'utf8'), 'before\nfrom the script ***\n');
  });
});
