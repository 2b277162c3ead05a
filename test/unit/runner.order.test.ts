// Output order: the stored log is in exactly the order the script wrote it, stdout and
// stderr mixed, from the script and from its children; every line belongs to the step that
// was open when it was written. Real processes, a real database file.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunSession } from '../../sidecar/runs/runSession';
import { loadProjectConfig } from '../../sidecar/runs/profiles';
import { Store } from '../../sidecar/store/store';
import type { StepRecord } from '../../sidecar/protocol/model';
import { tempFolderWithStores } from '../support/tempFolder';

const STEPS = 30;
const PER_STEP = 100; // lines per stream per step: 6,000 interleavings from the script itself

function script(): string {
  return [
    '#!/usr/bin/env bash',
    `for k in $(seq 1 ${STEPS}); do`,
    '  echo "STEP_START:S$k"',
    `  for i in $(seq 1 ${PER_STEP}); do`,
    '    echo "S$k out $i"',
    '    echo "S$k err $i" >&2',
    '  done',
    // Children write too, to both streams, in between the script's own lines.
    '  sh -c "echo S$k child out; echo S$k child err >&2"',
    '  echo "S$k after child"',
    '  echo "expected 200, got 500 (S$k)" >&2',
    '  echo "STEP_ERROR:S$k failed"',
    '  echo "STEP_COMPLETE:S$k"',
    'done',
  ].join('\n');
}

function expectedLines(): string[] {
  const out: string[] = [];
  for (let k = 1; k <= STEPS; k++) {
    out.push(`STEP_START:S${k}`);
    for (let i = 1; i <= PER_STEP; i++) out.push(`S${k} out ${i}`, `S${k} err ${i}`);
    out.push(`S${k} child out`, `S${k} child err`, `S${k} after child`, `expected 200, got 500 (S${k})`, `STEP_ERROR:S${k} failed`, `STEP_COMPLETE:S${k}`);
  }
  return out;
}

describe('output order', function () {
  this.timeout(60_000);
  const folder = tempFolderWithStores('stepflow-order-');
  let store: Store;
  beforeEach(() => (store = folder.closeAfterTest(new Store(path.join(folder.path, 'stepflow.db')))));

  it('stores stdout and stderr lines, from the script and its children, in the order they were written, each in its step', async () => {
    const file = path.join(folder.path, 'mixed.sh');
    fs.writeFileSync(file, script(), { mode: 0o755 });
    const session = new RunSession(store, { script: file });
    await session.start();
    const result = await session.done;
    const record = store.getRun(result.runId)!;
    const lines = store.readLog(result.runId, 1, 1_000_000);
    const expected = expectedLines();
    assert.equal(lines.length, expected.length);
    const texts = lines.map((l) => l.text);
    const firstDiff = texts.findIndex((t, i) => t !== expected[i]);
    assert.equal(firstDiff, -1, `line ${firstDiff + 1}: got ${JSON.stringify(texts[firstDiff])}, expected ${JSON.stringify(expected[firstDiff])}`);

    const steps: StepRecord[] = record.steps;
    assert.equal(steps.length, STEPS);
    for (const line of lines) {
      // (A STEP_COMPLETE line after the step failed is past the step's end: not checked.)
      const m = /^(?:STEP_(?:START|ERROR):)?S(\d+)\b|\(S(\d+)\)$/.exec(line.text);
      if (!m) continue;
      const k = Number(m[1] ?? m[2]);
      const owner = steps.find((s) => line.line >= s.firstLine && line.line <= (s.lastLine ?? Infinity));
      assert.equal(owner?.name, `S${k}`, `line ${line.line} "${line.text}" belongs to S${k}`);
    }
    // The error message printed on stderr right before STEP_ERROR sits in the failing step.
    for (const step of steps) assert.equal(step.status, 'failed');
  });

  it('keeps the streams apart (each line marked stdout/stderr) with "capture": {"separateStderr": true}', async () => {
    fs.writeFileSync(path.join(folder.path, 'stepflow.json'), JSON.stringify({ capture: { separateStderr: true } }));
    const config = loadProjectConfig(folder.path);
    assert.equal(config.separateStderr, true);
    const file = path.join(folder.path, 'two.sh');
    fs.writeFileSync(file, '#!/bin/sh\necho to-out\necho to-err >&2\n', { mode: 0o755 });
    const session = new RunSession(store, { script: file, separateStderr: true });
    await session.start();
    const result = await session.done;
    const lines = store.readLog(result.runId, 1, 100);
    assert.deepEqual(
      lines.map((l) => [l.text, l.stream]).sort(),
      [['to-err', 'stderr'], ['to-out', 'stdout']],
    );
  });
});
