// The service's edges against a real server on loopback: one body limit for every
// route, checked before the body is read (Content-Length up front, bytes counted for
// chunked bodies), and artifact downloads only from inside the run's folder or a root the
// project configured. No sleeps: every wait is on an HTTP answer or a WebSocket event.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { LiveClient, TOKEN, postJson, request, startFixture, storeRun, type Answer, type Fixture } from '../support/serverClient';

const LIMIT = 64 * 1024;

/**
 * A POST whose body is sent in pieces: `declared` sets Content-Length (otherwise chunked),
 * `send` bytes are written, and the request is ended only when `end` is true. Resolves on
 * the answer, which may come while the body is still being sent; a reset of the
 * connection after the answer is what a server that stops reading does, not a failure.
 */
function streamingRequest(port: number, opts: { method?: string; path: string; declared?: number; send: number; end: boolean; type?: string }): Promise<Answer> {
  const headers: Record<string, string> = { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${TOKEN}`, 'Content-Type': opts.type ?? 'application/json' };
  if (opts.declared !== undefined) headers['Content-Length'] = String(opts.declared);
  else headers['Transfer-Encoding'] = 'chunked'; // Node would not chunk a GET's body by itself
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'POST', path: opts.path, headers }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      const finish = () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        req.destroy();
      };
      res.on('end', finish);
      res.on('error', finish);
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const piece = Buffer.alloc(16 * 1024, 0x20); // spaces: valid JSON whitespace
    let left = opts.send;
    const pump = () => {
      while (left > 0 && !answered) {
        const n = Math.min(left, piece.length);
        left -= n;
        if (!req.write(piece.subarray(0, n))) return void req.once('drain', pump);
      }
      if (opts.end && !answered) req.end();
    };
    pump();
  });
}

describe('server edges: request bodies', () => {
  let fx: Fixture;
  let port: number;

  before(async () => {
    fx = await startFixture();
    port = fx.server.port;
    storeRun(fx.store, { id: 'edgerun001', script: path.join(fx.dir, 'a.sh'), startedAt: Date.now() });
  });
  after(() => fx.close());

  const routes = [
    { method: 'POST', path: '/api/health/optimize' },
    { method: 'POST', path: '/api/executions/edgerun001/cancel' },
    { method: 'POST', path: '/api/executions' },
    { method: 'GET', path: '/api/health' },
    { method: 'GET', path: '/api/executions/edgerun001/artifacts/0' },
  ];

  it('answers 413 to a declared 10 MB body at once, before the body is sent, on every route', async () => {
    for (const route of routes) {
      // Only 1 KiB of the declared 10 MB is ever sent: the answer must not wait for the rest.
      const r = await streamingRequest(port, { ...route, declared: 10 * 1024 * 1024, send: 1024, end: false });
      assert.equal(r.status, 413, `${route.method} ${route.path}: ${r.text}`);
      assert.equal(r.json.error.code, 'payload_too_large');
      assert.match(r.json.error.message, /65536 bytes/);
      assert.equal(r.headers.connection, 'close', 'the rest of the body is not read: the connection closes');
    }
  });

  it('answers 413 to a chunked body as soon as it passes 64 KiB, without waiting for its end', async () => {
    for (const route of routes) {
      const r = await streamingRequest(port, { ...route, send: LIMIT + 1, end: false });
      assert.equal(r.status, 413, `${route.method} ${route.path}: ${r.text}`);
      assert.equal(r.json.error.code, 'payload_too_large');
    }
  });

  it('answers 413 to a whole 10 MB body, plain and chunked', async () => {
    for (const route of routes.slice(0, 2)) {
      const plain = await streamingRequest(port, { ...route, declared: 10 * 1024 * 1024, send: 10 * 1024 * 1024, end: true });
      assert.equal(plain.status, 413, `plain ${route.path}`);
      const chunked = await streamingRequest(port, { ...route, send: 10 * 1024 * 1024, end: true });
      assert.equal(chunked.status, 413, `chunked ${route.path}`);
    }
  });

  it('accepts a body of exactly 64 KiB where a body is read, and ignores a small one where none is needed', async () => {
    const exact = await streamingRequest(port, { path: '/api/health/optimize', declared: LIMIT, send: LIMIT, end: true });
    assert.equal(exact.status, 200, exact.text);
    const chunked = await streamingRequest(port, { path: '/api/health/optimize', send: LIMIT, end: true });
    assert.equal(chunked.status, 200, chunked.text);
    // The dashboard sends `{}` with its cancel: still the cancel's own answer, not a body error.
    const cancel = await postJson(port, '/api/executions/edgerun001/cancel', {});
    assert.equal(cancel.status, 409);
    const bad = await streamingRequest(port, { path: '/api/executions', declared: LIMIT, send: LIMIT, end: true });
    assert.equal(bad.status, 400, 'a body of only whitespace is no start request');
  });

  it('refuses an oversized body announced with Expect: 100-continue before the client sends it', async () => {
    const answer = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = http.request(
        { host: '127.0.0.1', port, method: 'POST', path: '/api/health/optimize', headers: { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'Content-Length': String(10 * 1024 * 1024), Expect: '100-continue' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, continued }));
        },
      );
      req.on('continue', () => (continued = true));
      req.on('error', reject);
      req.flushHeaders(); // headers only: the body is never sent
    });
    assert.equal(answer.status, 413);
    assert.equal(answer.continued, false, 'no 100 Continue for a body over the limit');
    // Within the limit the client is told to go on, and the route answers.
    const small = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = http.request(
        { host: '127.0.0.1', port, method: 'POST', path: '/api/health/optimize', headers: { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'Content-Length': '2', Expect: '100-continue' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, continued }));
        },
      );
      req.on('continue', () => {
        continued = true;
        req.end('{}');
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.deepEqual(small, { status: 200, continued: true });
  });

  it('keeps serving after refusing bodies', async () => {
    const r = await request(port, { path: '/api/health' });
    assert.equal(r.status, 200);
    assert.equal(r.json.status, 'ok');
  });
});

describe('server edges: artifacts outside the run', () => {
  let fx: Fixture;
  let port: number;
  let project: string;
  let secret: string;
  let shared: string;
  let runId: string;

  before(async () => {
    fx = await startFixture();
    port = fx.server.port;
    project = path.join(fx.dir, 'project');
    shared = path.join(fx.dir, 'shared');
    const elsewhere = path.join(fx.dir, 'elsewhere');
    for (const dir of [project, shared, elsewhere]) fs.mkdirSync(dir);
    secret = path.join(elsewhere, 'secret.txt');
    fs.writeFileSync(secret, 'SECRET\n');
    fs.writeFileSync(path.join(project, 'inside.txt'), 'inside\n');
    fs.writeFileSync(path.join(shared, 'configured.txt'), 'configured\n');
    fs.symlinkSync(secret, path.join(project, 'link-out.txt'));
    fs.symlinkSync(path.join(project, 'inside.txt'), path.join(project, 'link-in.txt'));
    fs.writeFileSync(path.join(project, 'stepflow.json'), JSON.stringify({ artifacts: { roots: ['../shared'] } }));
    fs.writeFileSync(
      path.join(project, 'build.sh'),
      [
        'echo "ARTIFACT:inside.txt:inside"',
        'echo "ARTIFACT:../../../../../../../../etc/passwd:passwd"',
        `echo "ARTIFACT:${secret}:absolute elsewhere"`,
        'echo "ARTIFACT:link-out.txt:symlink out"',
        'echo "ARTIFACT:link-in.txt:symlink in"',
        'echo "ARTIFACT:../shared/configured.txt:configured root"',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    // A real run through the service, waited for on its runFinished event.
    const live = new LiveClient(port);
    await live.opened;
    live.send({ kind: 'notification', method: 'live/subscribe', params: { runId: null } });
    const started = await postJson(port, '/api/executions', { script: path.join(project, 'build.sh') });
    assert.equal(started.status, 201, started.text);
    runId = started.json.id;
    await live.next((m) => m.method === 'live/events' && m.params.events.some((e: { type: string; runId: string }) => e.type === 'runFinished' && e.runId === runId));
    live.close();
    fx.store.flush();
  });
  after(() => fx.close());

  const expected: Array<[string, number, string | null]> = [
    ['inside', 200, 'inside\n'],
    ['passwd', 403, null],
    ['absolute elsewhere', 403, null],
    ['symlink out', 403, null],
    ['symlink in', 200, 'inside\n'],
    ['configured root', 200, 'configured\n'],
  ];

  it('serves only the artifacts inside the run folder or a configured root; the others get a clear 403', async () => {
    const record = (await request(port, { path: `/api/executions/${runId}` })).json;
    assert.deepEqual(
      record.artifacts.map((a: { description: string }) => a.description),
      expected.map(([d]) => d),
    );
    for (const [index, [description, status, body]] of expected.entries()) {
      const r = await request(port, { path: `/api/executions/${runId}/artifacts/${index}` });
      assert.equal(r.status, status, `${description}: ${r.text.slice(0, 200)}`);
      if (body !== null) assert.equal(r.text, body, description);
      else {
        assert.equal(r.json.error.code, 'forbidden', description);
        assert.match(r.json.error.message, /outside the run's folder/, description);
        assert.doesNotMatch(r.text, /root:|SECRET/);
      }
      const head = await request(port, { method: 'HEAD', path: `/api/executions/${runId}/artifacts/${index}` });
      assert.equal(head.status, status, `HEAD ${description}`);
    }
  });

  it('keeps the outside artifacts listed with their path, flagged for the views', async () => {
    const record = (await request(port, { path: `/api/executions/${runId}` })).json;
    for (const [index, [description, status]] of expected.entries()) {
      const artifact = record.artifacts[index];
      assert.ok(path.isAbsolute(artifact.path), description);
      assert.equal(artifact.outsideRun === true, status === 403, `${description}: ${JSON.stringify(artifact)}`);
    }
    assert.equal(record.artifacts[1].path, '/etc/passwd');
    assert.equal(record.artifacts[2].path, secret);
  });

  it('checks the link target when the request comes, not when the run recorded it', async () => {
    // The file the run recorded inside its folder is replaced by a link to the secret.
    const inside = path.join(project, 'inside.txt');
    fs.rmSync(inside);
    fs.symlinkSync(secret, inside);
    try {
      const r = await request(port, { path: `/api/executions/${runId}/artifacts/0` });
      assert.equal(r.status, 403, r.text);
      assert.doesNotMatch(r.text, /SECRET/);
    } finally {
      fs.rmSync(inside);
      fs.writeFileSync(inside, 'inside\n');
    }
  });
});
