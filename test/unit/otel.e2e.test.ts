// OpenTelemetry trace export end to end (docs/architecture.md, "Trace export"): the built
// CLI runs a real nested, failing script with the standard OTEL_* variables pointing at a
// loopback OTLP/HTTP receiver, which decodes what the official exporter sent. Timing is
// checked as order and containment against the run record's own timestamps, never against
// the wall clock. A collector that is down costs one warning line and nothing else.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { STEPFLOW_BIN, runCli, tempDir, writeScript } from '../support/cli';
import { closedPort, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlpReceiver';
import { LspClient } from '../support/lspClient';
import { GetRunRequest, RunRequest } from '../../sidecar/protocol/lsp';
import type { RunRecord, StepRecord } from '../../sidecar/protocol/model';

const NESTED_FAILING = [
  '#!/usr/bin/env bash',
  'echo "STEP_START:Build"',
  'echo "META:DESCRIPTION:compile and link"',
  'echo "STEP_START:Compile"',
  'echo "ARTIFACT:out/app.bin:Binary"',
  'echo "STEP_WARNING:src/a.c:7: unused variable x"',
  'echo "STEP_COMPLETE:Compile"',
  'echo "STEP_START:Link"',
  'echo "STEP_ERROR:src/link.c:42:3: undefined symbol main"',
  'echo "STEP_COMPLETE:Build"',
  'echo "STEP_START:Package"',
  'echo "STEP_COMPLETE:Package"',
  'exit 3',
].join('\n');

/** No OTEL_* of the machine running the tests leaks into a run. */
function cleanOtelEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of Object.keys(process.env)) if (key.startsWith('OTEL_')) env[key] = '';
  return { ...env, ...extra };
}

const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;

describe('OpenTelemetry trace export', function () {
  this.timeout(30_000);
  let home: string;
  let work: string;
  let receiver: OtlpReceiver | undefined;

  beforeEach(() => {
    home = tempDir('stepflow-home-');
    work = tempDir('stepflow-work-');
  });
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('exports a finished CLI run as one trace: step tree, real times, error status and location, warnings, META and artifacts', async () => {
    receiver = await startOtlpReceiver();
    const script = writeScript(work, 'build.sh', NESTED_FAILING);
    const result = await runCli(['run', script, '--json'], {
      home,
      env: cleanOtelEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer test-token' }),
    });
    assert.equal(result.code, 3, result.stderr);
    assert.doesNotMatch(result.stderr, /trace export/);
    const record = JSON.parse(result.stdout) as RunRecord;

    // The CLI waited for the export before it exited: the request is already here.
    assert.equal(receiver.requests.length, 1);
    const [request] = receiver.requests;
    assert.equal(request!.path, '/v1/traces');
    assert.equal(request!.headers.authorization, 'Bearer test-token');
    checkTrace(request!.spans, record, script);
  });

  it('takes the collector from stepflow.json\'s "telemetry" block', async () => {
    receiver = await startOtlpReceiver();
    fs.writeFileSync(path.join(work, 'stepflow.json'), JSON.stringify({ telemetry: { otlpEndpoint: receiver.endpoint } }));
    const script = writeScript(work, 'ok.sh', 'echo "STEP_START:Only"\necho "STEP_COMPLETE:Only"\n');
    const result = await runCli(['run', script, '--json'], { home, env: cleanOtelEnv({}) });
    assert.equal(result.code, 0, result.stderr);
    const record = JSON.parse(result.stdout) as RunRecord;
    const spans = receiver.requests.flatMap((r) => r.spans);
    assert.deepEqual(spans.map((s) => s.name).sort(), ['Only', `RUN ${script}`].sort());
    const root = spans.find((s) => s.parentSpanId === undefined)!;
    assert.equal(root.attributes['cicd.pipeline.run.id'], record.id);
    assert.equal(root.attributes['cicd.pipeline.result'], 'success');
    assert.equal(root.statusCode, 0);
  });

  it('a collector that is down: retried, then dropped with one warning line; the run, its record and exit code are the script\'s', async () => {
    const port = await closedPort();
    const script = writeScript(work, 'down.sh', 'echo "STEP_START:A"\necho "STEP_COMPLETE:A"\nexit 4\n');
    const result = await runCli(['run', script, '--json'], { home, env: cleanOtelEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` }) });
    assert.equal(result.code, 4, result.stderr);
    const record = JSON.parse(result.stdout) as RunRecord;
    assert.equal(record.status, 'failed');
    assert.equal(record.exitCode, 4);
    assert.deepEqual(record.steps.map((s) => [s.name, s.status]), [['A', 'succeeded']]);
    const warnings = result.stderr.split('\n').filter((l) => /trace export/.test(l));
    assert.equal(warnings.length, 1, result.stderr);
    assert.match(warnings[0]!, new RegExp(`^\\[stepflow\\] warning: trace export to http://127\\.0\\.0\\.1:${port}/v1/traces failed`));
    assert.match(warnings[0]!, /dropped/);
  });

  it('exports an editor run (the built language server, stepflow/run with the setting\'s endpoint) the same way', async () => {
    receiver = await startOtlpReceiver();
    const client = await LspClient.start(home, cleanOtelEnv({}));
    try {
      const script = writeScript(work, 'build.sh', NESTED_FAILING);
      const { runId } = await client.connection.sendRequest(RunRequest, { script, otlpEndpoint: receiver.endpoint });
      const [request] = await receiver.waitForRequests(1);
      const record = await client.connection.sendRequest(GetRunRequest, { runId });
      assert.equal(record?.status, 'failed');
      checkTrace(request!.spans, record!, script);
      assert.doesNotMatch(client.stderr, /trace export/);
    } finally {
      await client.stop();
    }
  });

  it('exports a run the service started (the built `stepflow serve`, POST /api/executions) with the OTEL_* variables it was started with', async () => {
    receiver = await startOtlpReceiver();
    const script = writeScript(work, 'build.sh', NESTED_FAILING);
    const serve = spawn(process.execPath, [STEPFLOW_BIN, 'serve', '--port', '0'], {
      env: { ...process.env, STEPFLOW_HOME: home, NO_COLOR: '1', ...cleanOtelEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => serve.on('close', resolve));
    try {
      let printed = '';
      const dashboard = await new Promise<RegExpExecArray>((resolve, reject) => {
        serve.on('close', () => reject(new Error(`stepflow serve ended: ${printed}`)));
        serve.stdout!.setEncoding('utf8').on('data', (text: string) => {
          printed += text;
          const match = /(http:\/\/\S+?)\/\?token=(\S+)/.exec(printed);
          if (match) resolve(match);
        });
      });
      const response = await fetch(`${dashboard[1]}/api/executions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${dashboard[2]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ script }),
      });
      assert.equal(response.status, 201);
      const { id } = (await response.json()) as { id: string };
      const [request] = await receiver.waitForRequests(1);
      const record = (await (await fetch(`${dashboard[1]}/api/executions/${id}`, { headers: { authorization: `Bearer ${dashboard[2]}` } })).json()) as RunRecord;
      checkTrace(request!.spans, record, script);
    } finally {
      serve.kill('SIGTERM');
      await exited;
    }
  });
});

/** The trace of NESTED_FAILING, against the run record StepFlow stored for it. */
function checkTrace(spans: ReceivedSpan[], record: RunRecord, script: string): void {
  const byName = new Map(spans.map((s) => [s.name, s]));
  assert.deepEqual([...byName.keys()].sort(), ['Build', 'Compile', 'Link', 'Package', `RUN ${script}`].sort());
  const root = byName.get(`RUN ${script}`)!;
  const [build, compile, link, pkg] = ['Build', 'Compile', 'Link', 'Package'].map((n) => byName.get(n)!);

  // One trace; the tree as the steps nest.
  assert.equal(new Set(spans.map((s) => s.traceId)).size, 1);
  assert.equal(root.parentSpanId, undefined);
  assert.equal(build!.parentSpanId, root.spanId);
  assert.equal(compile!.parentSpanId, build!.spanId);
  assert.equal(link!.parentSpanId, build!.spanId);
  assert.equal(pkg!.parentSpanId, root.spanId);

  // Times are the record's own (ms → ns), so order and containment follow from the run.
  const steps = flatten(record.steps);
  assert.equal(root.startNs, ns(Date.parse(record.startedAt)));
  assert.equal(root.endNs, ns(Date.parse(record.endedAt!)));
  for (const span of [build!, compile!, link!, pkg!]) {
    const step = steps.find((s) => s.name === span.name)!;
    assert.equal(span.startNs, ns(step.startedAt), `${span.name} starts when its step started`);
    assert.equal(span.endNs, ns(step.endedAt!), `${span.name} ends when its step ended`);
  }
  const within = (child: ReceivedSpan, parent: ReceivedSpan) => {
    assert.ok(parent.startNs <= child.startNs && child.endNs <= parent.endNs, `${child.name} lies within ${parent.name}`);
  };
  within(build!, root);
  within(compile!, build!);
  within(link!, build!);
  within(pkg!, root);
  assert.ok(compile!.endNs <= link!.startNs, 'Compile ends before Link starts');
  assert.ok(build!.endNs <= pkg!.startNs, 'Build ends before Package starts');

  // Status: the failing step, its parent (a failure is never hidden), the run.
  assert.equal(link!.statusCode, 2);
  assert.equal(link!.statusMessage, 'undefined symbol main');
  const exception = link!.events.find((e) => e.name === 'exception')!;
  assert.equal(exception.attributes['exception.message'], 'undefined symbol main');
  assert.equal(exception.attributes['code.file.path'], 'src/link.c');
  assert.equal(exception.attributes['code.line.number'], 42);
  assert.equal(exception.attributes['code.column.number'], 3);
  assert.equal(exception.attributes['code.filepath'], 'src/link.c');
  assert.equal(exception.attributes['code.lineno'], 42);
  assert.ok(link!.startNs <= exception.timeNs && exception.timeNs <= link!.endNs);
  assert.equal(build!.statusCode, 2);
  assert.equal(build!.statusMessage, '1 child step failed');
  assert.equal(compile!.statusCode, 0);
  assert.equal(pkg!.statusCode, 0);
  assert.equal(root.statusCode, 2);

  // CI/CD conventions and StepFlow's own attributes.
  assert.equal(root.attributes['cicd.pipeline.name'], script);
  assert.equal(root.attributes['cicd.pipeline.run.id'], record.id);
  assert.equal(root.attributes['cicd.pipeline.result'], 'failure');
  assert.equal(root.attributes['process.exit.code'], 3);
  assert.equal(root.resource['service.name'], 'stepflow');
  assert.equal(link!.attributes['cicd.pipeline.task.name'], 'Link');
  assert.equal(link!.attributes['cicd.pipeline.task.run.result'], 'failure');
  assert.equal(compile!.attributes['cicd.pipeline.task.run.result'], 'success');
  assert.equal(new Set(spans.map((s) => s.attributes['cicd.pipeline.task.run.id']).filter(Boolean)).size, 4);
  assert.equal(build!.attributes['stepflow.meta.DESCRIPTION'], 'compile and link');
  assert.deepEqual(compile!.attributes['stepflow.artifact.paths'], [path.join(record.cwd, 'out/app.bin')]);
  assert.deepEqual(compile!.attributes['stepflow.artifact.descriptions'], ['Binary']);
  const warning = compile!.events.find((e) => e.name === 'stepflow.warning')!;
  assert.equal(warning.attributes['stepflow.warning.message'], 'unused variable x');
  assert.equal(warning.attributes['code.file.path'], 'src/a.c');
  assert.equal(warning.attributes['code.line.number'], 7);
}

function flatten(steps: StepRecord[]): StepRecord[] {
  return steps.flatMap((s) => [s, ...flatten(s.children)]);
}
