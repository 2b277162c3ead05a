// Secret masking end to end (docs/spec.md §1 "Secret masking"): a script registers secrets
// and prints them 10,000 times, cut into writes of every size, in plain lines, step names,
// error messages and annotations. Afterwards the secrets' bytes are nowhere under the
// database folder (grepped file by file, WAL and log files included), nowhere in the
// terminal output of `stepflow run`, and in no API or WebSocket answer of `stepflow serve`.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, tempDir, writeScript } from '../support/cli';
import { LiveClient, postJson, request, startFixture, type Fixture } from '../support/serverClient';

const SECRET = 'Zq9-hunter2-Vx7';
const ENV_SECRET = 'env-token-8a1c55';

/** Python, so that the writes are exactly the pieces it chooses (os.write, unbuffered). */
function secretScript(seed: number): string {
  return `#!/usr/bin/env python3
import os, random
secret = ${JSON.stringify(SECRET)}
os.write(1, ("::add-mask::" + secret + "\\n").encode())
os.write(1, ("##vso[task.setvariable variable=x;issecret=true]" + secret + "-azure\\n").encode())
lines = []
for i in range(10000):
    k = i % 6
    if k == 0: line = "plain %d %s tail" % (i, secret)
    elif k == 1: line = "STEP_START:deploy %s %d" % (secret, i)
    elif k == 2: line = "STEP_ERROR:src/%s.py:%d: failed with %s" % (secret, i + 1, secret)
    elif k == 3: line = "::warning file=%s.ts,line=1::careful %s" % (secret, secret)
    elif k == 4: line = "META:KEY:%s and %s-azure" % (secret, secret)
    else: line = secret + secret + " " + os.environ.get("SF_TEST_TOKEN", "")
    lines.append(line + "\\n")
# Plain output around it, so that some chunks are exactly the spool's bytes and the store
# keeps the spool file itself as the run's log file: its secrets must be overwritten too.
plain = "".join("plain line %d without anything secret\\n" % i for i in range(8000)).encode()
os.write(1, plain)
data = "".join(lines).encode() + plain
rng = random.Random(${seed})
pos = 0
while pos < len(data):
    n = rng.choice([1, 2, 5, 11, 64, 512, 4096])
    os.write(1, data[pos:pos + n])
    pos += n
`;
}

/** Every file under `dir` whose bytes contain one of the secrets. */
function filesContaining(dir: string, secrets: string[]): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) {
        const bytes = fs.readFileSync(p);
        if (secrets.some((s) => bytes.includes(Buffer.from(s)))) found.push(p);
      }
    }
  };
  walk(dir);
  return found;
}

describe('masking: end to end', function () {
  this.timeout(120_000);

  it('stepflow run: nothing of the secrets on disk or in the terminal, whatever the chunking', async () => {
    const home = tempDir('stepflow-mask-');
    try {
      const dir = tempDir('stepflow-mask-script-');
      fs.writeFileSync(path.join(dir, 'stepflow.json'), JSON.stringify({ masking: { env: ['SF_TEST_TOKEN'] } }));
      const script = writeScript(dir, 'secrets.py', secretScript(11));
      const db = path.join(home, 'db', 'stepflow.db');
      const result = await runCli(['run', script, '--db', db], { home, env: { SF_TEST_TOKEN: ENV_SECRET } });
      assert.equal(result.code, 0, result.stderr); // the script's own exit code
      assert.ok(result.stdout.includes(`plain 0 *** tail`), result.stdout.slice(0, 500));
      for (const s of [SECRET, ENV_SECRET]) {
        assert.ok(!result.stdout.includes(s), `terminal shows ${s}`);
        assert.ok(!result.stderr.includes(s), `stderr shows ${s}`);
      }
      const shown = await runCli(['show', 'x', '--db', db], { home }); // warm: unknown id is one line
      assert.notEqual(shown.code, 0);
      const history = await runCli(['history', '--json', '--db', db, '--search', SECRET], { home });
      assert.equal(JSON.parse(history.stdout).runs?.length ?? JSON.parse(history.stdout).length, 0, history.stdout);
      const id = JSON.parse((await runCli(['history', '--json', '--db', db], { home })).stdout);
      const runId = (id.runs ?? id)[0].id as string;
      const log = await runCli(['show', runId, '--db', db, '--json', '--log'], { home });
      assert.ok(log.stdout.includes('deploy ***'));
      assert.ok(!log.stdout.includes(SECRET) && !log.stdout.includes(ENV_SECRET));
      // More than 256 KiB of output: most of it lives in files beside the database.
      assert.ok(fs.readdirSync(path.join(home, 'db', 'stepflow.db-logs')).length > 0);
      assert.deepEqual(filesContaining(path.join(home, 'db'), [SECRET, ENV_SECRET]), []);
      fs.rmSync(dir, { recursive: true, force: true });
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  describe('stepflow serve', () => {
    let fx: Fixture;
    before(async () => (fx = await startFixture()));
    after(async () => fx.close());

    it('no API answer and no WebSocket message carries a secret', async () => {
      const port = fx.server.port;
      const script = writeScript(fx.dir, 'secrets.py', secretScript(23));
      const live = new LiveClient(port);
      const seen: string[] = [];
      live.ws.on('message', (data) => seen.push(data.toString()));
      await live.opened;
      live.send({ kind: 'notification', method: 'live/subscribe', params: { runId: null } });
      await live.next((m) => m.method === 'live/subscribed');
      const started = await postJson(port, '/api/executions', { script });
      assert.equal(started.status, 201, started.text);
      const id = started.json.id as string;
      await live.next((m) => m.method === 'live/events' && m.params.events.some((e: { type: string; runId: string }) => e.type === 'runFinished' && e.runId === id), 90_000);
      live.close();
      const answers = await Promise.all(
        [`/api/executions/${id}`, `/api/executions/${id}/log?from=8000&limit=5000`, `/api/executions`, `/api/logs/search?q=${encodeURIComponent(SECRET)}`, '/api/statistics']
          .map((p) => request(port, { path: p })),
      );
      for (const answer of answers) assert.equal(answer.status, 200, answer.text.slice(0, 200));
      assert.ok(answers[1]!.text.includes('plain 0 *** tail'));
      assert.deepEqual(answers[3]!.json.hits, [], answers[3]!.text.slice(0, 300));
      for (const text of [...answers.map((a) => a.text), ...seen]) assert.ok(!text.includes(SECRET), text.slice(0, 300));
      fx.store.flush();
      assert.deepEqual(filesContaining(fx.dir, [SECRET]).filter((f) => f !== script), []);
    });
  });
});
