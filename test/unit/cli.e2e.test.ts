// The `stepflow` CLI end to end: real scripts, a real database file, the --json contract.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, tempDir, writeScript } from '../support/cli';

describe('stepflow CLI', function () {
  // Not a speed limit: a test runs several `stepflow` processes one after another,
  // each taking seconds to start on a loaded two-core machine (14–18 s for a test here at
  // load 25, near mocha's 20 s default).
  this.timeout(120_000);
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

  it('prints exactly one JSON run record with nested steps, errors, meta and artifacts, and exits with the script code', async () => {
    const script = writeScript(
      work,
      'build.sh',
      [
        '#!/usr/bin/env bash',
        'echo "STEP_START:Setup"',
        'echo "STEP_COMPLETE:Setup"',
        'echo "STEP_START:Tests"',
        'echo "META:ESTIMATED_DURATION:300"',
        'echo "STEP_START:unit"',
        'echo "ARTIFACT:out/report.xml:Test Report"',
        'echo "STEP_ERROR:2 tests failed"',
        'echo "STEP_ERROR:src/app.ts:12:5: expected ;"',
        'exit 3',
      ].join('\n'),
    );
    const result = await runCli(['run', script, '--json'], { home });
    assert.equal(result.code, 3, result.stderr);
    const record = JSON.parse(result.stdout);
    for (const key of ['id', 'script', 'args', 'cwd', 'profile', 'status', 'exitCode', 'signal', 'startedAt', 'endedAt', 'durationMs', 'lineCount', 'steps', 'artifacts']) {
      assert.ok(key in record, `run record has ${key}`);
    }
    assert.equal(record.script, script);
    assert.equal(record.cwd, work);
    assert.equal(record.status, 'failed');
    assert.equal(record.exitCode, 3);
    assert.equal(record.signal, null);
    assert.equal(record.lineCount, 8);
    assert.deepEqual(
      record.steps.map((s: { name: string; status: string }) => [s.name, s.status]),
      [['Setup', 'succeeded'], ['Tests', 'failed']],
    );
    const tests = record.steps[1];
    assert.equal(tests.meta.ESTIMATED_DURATION, '300');
    assert.deepEqual(tests.error, { message: 'expected ;', file: 'src/app.ts', line: 12, column: 5 });
    assert.equal(tests.children[0].name, 'unit');
    assert.equal(tests.children[0].status, 'failed');
    assert.equal(tests.children[0].error.message, '2 tests failed');
    for (const key of ['name', 'status', 'durationMs', 'error', 'warnings', 'meta', 'children']) assert.ok(key in tests, `step has ${key}`);
    assert.deepEqual(record.artifacts, [{ path: path.join(work, 'out/report.xml'), description: 'Test Report', step: 'unit', stepId: 3 }]);
  });

  it('measures a step by when its marker lines arrive, even from a buffering Python child', async () => {
    // Logical, not timed: after STEP_START the child waits for a gate that the test opens
    // only when `stepflow run` has reported the step started. A block-buffered child would
    // deliver STEP_START only at its exit, so the gate would never open (STEP_GATE:shut);
    // and the step's recorded start and end must lie on either side of the moment the test
    // opened the gate (timestamps the test controls, compared for order only).
    const gate = path.join(work, 'gate');
    const script = writeScript(
      work,
      'slow.py',
      'import os, time\nprint("STEP_START:a")\nfor _ in range(600):\n    if os.path.exists(os.environ["GATE"]): break\n    time.sleep(0.05)\nprint("STEP_GATE:" + ("open" if os.path.exists(os.environ["GATE"]) else "shut"))\nprint("STEP_COMPLETE:a")\n',
    );
    let openedAt = 0;
    const result = await runCli(['run', script], {
      home,
      env: { GATE: gate },
      onStdout: (text) => {
        if (openedAt === 0 && /^\[stepflow\] ▶ a$/m.test(text)) {
          openedAt = Date.now();
          fs.writeFileSync(gate, '');
        }
      },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^STEP_GATE:open$/m, 'the start marker arrived while the child was still waiting');
    const [run] = JSON.parse((await runCli(['history', '--json'], { home })).stdout);
    const step = JSON.parse((await runCli(['show', run.id, '--json'], { home })).stdout).steps[0];
    assert.equal(step.status, 'succeeded');
    assert.ok(step.startedAt <= openedAt, `started ${step.startedAt}, gate opened ${openedAt}`);
    assert.ok(step.endedAt >= openedAt, `ended ${step.endedAt}, gate opened ${openedAt}`);
    assert.equal(step.durationMs, step.endedAt - step.startedAt);
  });

  it('passes output through and prints each marker once, as its [stepflow] line, when stdout is not a terminal', async () => {
    const script = writeScript(
      work,
      'plain.sh',
      '#!/bin/sh\necho hello\necho "STEP_START:Build"\necho "META:PROGRESS:50"\necho compiling\necho "  STEP_WARNING:slow disk" >&2\necho "STEP_COMPLETE:Build"\nprintf "no newline"\n',
    );
    const result = await runCli(['run', script], { home });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split('\n');
    assert.ok(lines.includes('hello') && lines.includes('compiling'), result.stdout);
    assert.deepEqual(
      lines.filter((l) => /Build|slow disk/.test(l)).map((l) => l.replace(/ \d+ ms$/, ' N ms')),
      ['[stepflow] ▶ Build', '[stepflow] ⚠ Build: slow disk', '[stepflow] ✓ Build N ms'],
      result.stdout,
    );
    assert.ok(!/STEP_(START|COMPLETE|WARNING)/.test(result.stdout + result.stderr), result.stdout + result.stderr);
    // META has no [stepflow] line of its own, so its raw line stays; so does a last line without a newline.
    assert.ok(lines.includes('META:PROGRESS:50'), result.stdout);
    assert.ok(result.stdout.includes('no newline'), result.stdout);
    assert.ok(lines.indexOf('hello') < lines.findIndex((l) => l.startsWith('[stepflow] ▶ Build')));
  });

  it('shows CI dialect command lines as it shows markers: one [stepflow] line each, an error annotation at once', async () => {
    const script = writeScript(
      work,
      'ci.sh',
      [
        '#!/bin/bash',
        'echo "::group::Build"',
        'echo compiling',
        'echo "::error file=src/a.c,line=3::undefined symbol"',
        'echo "::endgroup::"',
        "echo \"##teamcity[blockOpened name='Tests']\"",
        "echo \"##teamcity[blockClosed name='Tests']\"",
        'echo -e "\\e[0Ksection_start:$(date +%s):deploy\\r\\e[0KDeploy"',
        'echo -e "\\e[0Ksection_end:$(date +%s):deploy\\r\\e[0K"',
        '',
      ].join('\n'),
    );
    const result = await runCli(['run', script], { home });
    assert.equal(result.code, 0, result.stderr);
    const shown = result.stdout.split('\n').filter((l) => l !== '').map((l) => l.replace(/ \d+(\.\d+)? m?s/, ' N'));
    assert.deepEqual(shown.slice(0, 5), [
      '[stepflow] ▶ Build',
      'compiling',
      '[stepflow] ✗ undefined symbol (src/a.c:3)',
      '[stepflow] ✗ Build N — undefined symbol (src/a.c:3)',
      '[stepflow] ▶ Tests',
    ], result.stdout);
    assert.ok(!/::group|::endgroup|::error|##teamcity|section_/.test(result.stdout), result.stdout);
    assert.ok(shown.includes('[stepflow] ▶ Deploy'), result.stdout);
  });

  it('shows hostile step names as visible text, never as terminal control sequences', async () => {
    const script = writeScript(work, 'hostile.sh', "#!/bin/bash\nprintf 'STEP_START:evil\\x1b]0;pwned\\x07\\x1b[2Jname\\n'\n");
    const result = await runCli(['run', script], { home });
    const eventLine = result.stdout.split('\n').find((l) => l.startsWith('[stepflow] ▶'));
    assert.ok(eventLine, result.stdout);
    assert.ok(!eventLine.includes('\x1b'), JSON.stringify(eventLine));
  });

  it('exits 128+signal when the script is killed, and records the signal', async () => {
    const script = writeScript(work, 'killed.sh', '#!/bin/bash\necho "STEP_START:doomed"\nkill -KILL $$\n');
    const result = await runCli(['run', script, '--json'], { home });
    assert.equal(result.code, 137);
    const record = JSON.parse(result.stdout);
    assert.equal(record.signal, 'SIGKILL');
    assert.equal(record.status, 'failed');
    assert.equal(record.steps[0].status, 'failed');
  });

  it('stops a script at --timeout and records timed_out', async () => {
    const script = writeScript(work, 'hang.sh', '#!/bin/bash\necho "STEP_START:wait"\nsleep 60\n');
    const result = await runCli(['run', script, '--timeout', '0.5', '--json'], { home });
    const record = JSON.parse(result.stdout);
    assert.equal(record.status, 'timed_out');
    assert.equal(record.steps[0].status, 'cancelled');
    assert.ok(record.endedAt >= record.startedAt);
    assert.notEqual(result.code, 0);
  });

  it('cancels the run on Ctrl-C (SIGINT) and records it as cancelled', async () => {
    const script = writeScript(work, 'long.sh', '#!/bin/bash\necho "STEP_START:long"\necho ready\nsleep 60\n');
    let sent = false;
    const result = await runCli(['run', script], {
      home,
      onStdout: (text, child) => {
        if (!sent && text.includes('ready')) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    assert.ok(sent, 'the script started');
    assert.notEqual(result.code, 0);
    const history = JSON.parse((await runCli(['history', '--json'], { home })).stdout);
    assert.equal(history[0].status, 'cancelled');
  });

  it('applies a run profile from stepflow.json and records its name', async () => {
    fs.writeFileSync(path.join(work, 'stepflow.json'), JSON.stringify({ profiles: { ci: { env: { MODE: 'from-profile' }, args: ['--fast'] } } }));
    const script = writeScript(work, 'env.sh', '#!/bin/bash\necho "mode=$MODE args=$*"\n');
    const result = await runCli(['run', script, 'first', '--profile', 'ci', '--json'], { home });
    const record = JSON.parse(result.stdout);
    assert.equal(record.profile, 'ci');
    assert.deepEqual(record.args, ['first', '--fast']);
    const log = JSON.parse((await runCli(['show', record.id, '--json', '--log'], { home })).stdout).log;
    assert.deepEqual(log, ['mode=from-profile args=first --fast']);

    const unknown = await runCli(['run', script, '--profile', 'nope'], { home });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^stepflow: unknown profile "nope"/);
  });

  it('reads runs back with history, show and a log search', async () => {
    const ok = writeScript(work, 'ok.sh', '#!/bin/bash\necho "STEP_START:Greet"\necho "needle in the haystack"\necho "STEP_COMPLETE:Greet"\n');
    const bad = writeScript(work, 'bad.sh', '#!/bin/bash\necho nothing here\nexit 1\n');
    const first = JSON.parse((await runCli(['run', ok, '--json'], { home })).stdout);
    await runCli(['run', bad, '--json'], { home });

    const all = JSON.parse((await runCli(['history', '--json'], { home })).stdout);
    assert.deepEqual(all.map((r: { script: string }) => r.script), [bad, ok], 'newest first');
    const failed = JSON.parse((await runCli(['history', '--json', '--status', 'failed'], { home })).stdout);
    assert.deepEqual(failed.map((r: { script: string }) => r.script), [bad]);
    const found = JSON.parse((await runCli(['history', '--json', '--search', 'needle'], { home })).stdout);
    assert.deepEqual(found.map((r: { id: string }) => r.id), [first.id]);

    const shown = JSON.parse((await runCli(['show', first.id.slice(0, 10), '--json'], { home })).stdout);
    assert.equal(shown.id, first.id);
    assert.deepEqual(shown.steps, first.steps);
    const human = await runCli(['show', first.id], { home });
    assert.match(human.stdout, /✓ Greet/);
  });

  it('answers bad input with one line on stderr and a non-zero exit, never a stack trace', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['run', path.join(work, 'missing.sh')], /^stepflow: script not found: /],
      [['show', 'no-such-run'], /^stepflow: no run with id "no-such-run"/],
      [['frobnicate'], /^stepflow: unknown command "frobnicate"/],
      [['history', '--limit', 'many'], /^stepflow: option --limit needs a number/],
    ];
    for (const [args, expected] of cases) {
      const result = await runCli(args, { home });
      assert.notEqual(result.code, 0, args.join(' '));
      assert.match(result.stderr, expected);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
    fs.writeFileSync(path.join(work, 'garbage.db'), 'this is not a database, just text '.repeat(200));
    const garbage = await runCli(['history', '--db', path.join(work, 'garbage.db')], { home });
    assert.notEqual(garbage.code, 0);
    assert.equal(garbage.stderr.trim().split('\n').length, 1, garbage.stderr);
    assert.match(garbage.stderr, /^stepflow: /);
    assert.doesNotMatch(garbage.stderr, /\bat .*:\d+:\d+/);
  });
});
