// The service's gates against a real server on loopback: token, Origin, Host (DNS
// rebinding), the page's token-to-cookie hand-over, artifact paths and request bodies.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadOrCreateToken } from '../../sidecar/server/auth';
import { LiveClient, TOKEN, postJson, request, startFixture, storeRun, type Fixture } from '../support/serverClient';

describe('server security', () => {
  let fx: Fixture;
  let port: number;
  let runId: string;
  let artifact: string;

  before(async () => {
    fx = await startFixture();
    port = fx.server.port;
    artifact = path.join(fx.dir, 'report.txt');
    fs.writeFileSync(artifact, 'the report\n');
    runId = 'secrun0001';
    storeRun(fx.store, { id: runId, script: path.join(fx.dir, 'a.sh'), startedAt: Date.now(), artifacts: [artifact, path.join(fx.dir, 'gone.txt'), fx.dir] });
  });

  after(() => fx.close());

  const noStack = (text: string) => assert.doesNotMatch(text, /\n\s+at |\.ts:\d+|node:internal/, 'no stack trace in the answer');

  describe('token', () => {
    it('refuses a request without a token with 401 JSON', async () => {
      const r = await request(port, { path: '/api/health', token: null });
      assert.equal(r.status, 401);
      assert.equal(r.json.error.code, 'unauthorized');
      assert.match(r.headers['content-type'] ?? '', /application\/json/);
    });

    it('refuses a wrong token, and one of the same length', async () => {
      for (const token of ['nope', TOKEN.slice(0, -1) + 'X']) {
        const r = await request(port, { path: '/api/executions', token });
        assert.equal(r.status, 401, token);
      }
    });

    it('accepts the right bearer token', async () => {
      const r = await request(port, { path: '/api/health' });
      assert.equal(r.status, 200);
      assert.equal(r.json.status, 'ok');
    });

    it('refuses the token in the query string of an API call', async () => {
      const r = await request(port, { path: `/api/health?token=${TOKEN}`, token: null });
      assert.equal(r.status, 401);
    });

    it('moves a page token into an HttpOnly SameSite=Strict cookie, then serves the page under a nonce CSP', async () => {
      const wrong = await request(port, { path: '/?token=wrong', token: null });
      assert.equal(wrong.status, 401);
      const r = await request(port, { path: `/?token=${TOKEN}`, token: null });
      assert.equal(r.status, 303);
      assert.equal(r.headers.location, '/');
      const cookie = r.headers['set-cookie']![0]!;
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Strict/);
      const page = await request(port, { path: '/', token: null, headers: { Cookie: cookie.split(';')[0]! } });
      assert.equal(page.status, 200);
      const csp = String(page.headers['content-security-policy']);
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      assert.ok(nonce, csp);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.match(csp, /default-src 'none'/);
      assert.ok(page.text.includes(`<script type="module" nonce="${nonce}" src="/assets/webview.js">`));
      const api = await request(port, { path: '/api/health', token: null, headers: { Cookie: cookie.split(';')[0]! } });
      assert.equal(api.status, 200);
    });

    it('creates the token file owner-only, reuses it, and replaces one others can read', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-token-'));
      try {
        const file = path.join(dir, 'home', 'token');
        const token = loadOrCreateToken(file);
        assert.match(token, /^[A-Za-z0-9_-]{32}$/);
        assert.equal(fs.statSync(file).mode & 0o777, 0o600);
        assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
        assert.equal(loadOrCreateToken(file), token);
        fs.chmodSync(file, 0o644);
        const replaced = loadOrCreateToken(file);
        assert.notEqual(replaced, token);
        assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('Origin and Host', () => {
    it('refuses a foreign Origin even with the token', async () => {
      for (const origin of ['http://evil.example', 'null', 'http://127.0.0.1:1', `https://127.0.0.1:${port}`]) {
        const r = await request(port, { path: '/api/health', headers: { Origin: origin } });
        assert.equal(r.status, 403, origin);
        assert.equal(r.json.error.code, 'forbidden');
      }
    });

    it('accepts its own Origin', async () => {
      for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
        const r = await request(port, { path: '/api/health', headers: { Origin: origin } });
        assert.equal(r.status, 200, origin);
      }
    });

    it('refuses a rebinding Host even with the token', async () => {
      for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${port + 1}`, `127.0.0.1.evil.example:${port}`]) {
        const r = await request(port, { path: '/api/health', headers: { Host: host } });
        assert.equal(r.status, 403, host);
      }
      assert.equal((await request(port, { path: '/api/health', headers: { Host: `localhost:${port}` } })).status, 200);
    });

    it('refuses a cross-site request a browser marks as such', async () => {
      const r = await request(port, { method: 'POST', path: '/api/health/optimize', headers: { 'Sec-Fetch-Site': 'cross-site' } });
      assert.equal(r.status, 403);
    });

    it('refuses WebSocket upgrades without the token, from a foreign Origin or a foreign Host', async () => {
      await assert.rejects(new LiveClient(port, {}).opened, /HTTP 401/);
      await assert.rejects(new LiveClient(port, { Authorization: `Bearer ${TOKEN}`, Origin: 'http://evil.example' }).opened, /HTTP 403/);
      await assert.rejects(new LiveClient(port, { Authorization: `Bearer ${TOKEN}`, Host: 'evil.example' }).opened, /HTTP 403/);
      const ok = new LiveClient(port);
      await ok.opened;
      ok.close();
    });
  });

  describe('artifacts', () => {
    it('serves a recorded artifact by its index, as a download', async () => {
      const r = await request(port, { path: `/api/executions/${runId}/artifacts/0` });
      assert.equal(r.status, 200);
      assert.equal(r.text, 'the report\n');
      assert.match(String(r.headers['content-disposition']), /^attachment; filename="report.txt"/);
      assert.equal(r.headers['content-type'], 'application/octet-stream');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
    });

    it('refuses `..` and absolute paths in every spelling', async () => {
      const attempts = [
        `/api/executions/${runId}/artifacts/..%2F..%2F..%2Fetc%2Fpasswd`,
        `/api/executions/${runId}/artifacts/%2Fetc%2Fpasswd`,
        `/api/executions/${runId}/artifacts/..`,
        `/api/executions/${runId}/artifacts/%2e%2e%2f%2e%2e%2fetc%2fpasswd`,
        `/api/executions/${runId}/artifacts/0%2F..%2F..%2Fetc%2Fpasswd`,
        `/api/executions/${runId}/artifacts/${encodeURIComponent(artifact)}`,
        `/api/executions/${runId}/artifacts/-1`,
        `/api/executions/${runId}/artifacts/1e3`,
        `/api/executions/${runId}/artifacts/../../../../etc/passwd`,
        `/api/executions/${runId}/artifacts/..\\..\\etc\\passwd`,
      ];
      for (const p of attempts) {
        const r = await request(port, { path: p });
        assert.ok([400, 404].includes(r.status), `${p} → ${r.status}`);
        assert.doesNotMatch(r.text, /root:/);
        noStack(r.text);
      }
    });

    it('answers 404 for an artifact index the run does not have, a file that is gone, or a directory', async () => {
      for (const index of [1, 2, 3]) assert.equal((await request(port, { path: `/api/executions/${runId}/artifacts/${index}` })).status, 404, String(index));
      assert.equal((await request(port, { path: `/api/executions/nosuchrun/artifacts/0` })).status, 404);
    });
  });

  describe('request bodies and errors', () => {
    it('refuses an oversized body with 413', async () => {
      const big = JSON.stringify({ script: 'x'.repeat(200 * 1024) });
      const r = await request(port, { method: 'POST', path: '/api/executions', headers: { 'Content-Type': 'application/json' }, body: big });
      assert.equal(r.status, 413);
      assert.equal(r.json.error.code, 'payload_too_large');
    });

    it('refuses invalid JSON with 400, a wrong type with 415 and a wrong shape with 400', async () => {
      const bad = await request(port, { method: 'POST', path: '/api/executions', headers: { 'Content-Type': 'application/json' }, body: '{"script": ' });
      assert.equal(bad.status, 400);
      assert.match(bad.json.error.message, /not valid JSON/);
      noStack(bad.text);
      const form = await request(port, { method: 'POST', path: '/api/executions', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'script=/bin/sh' });
      assert.equal(form.status, 415);
      for (const body of [{}, { script: 42 }, { script: '/x', args: 'not an array' }, [1, 2]]) {
        const r = await postJson(port, '/api/executions', body);
        assert.equal(r.status, 400, JSON.stringify(body));
      }
    });

    it('answers unknown paths 404 and wrong methods 405, as JSON without stack traces', async () => {
      const missing = await request(port, { path: '/api/nope' });
      assert.equal(missing.status, 404);
      assert.equal(missing.json.error.code, 'not_found');
      const method = await request(port, { method: 'DELETE', path: '/api/executions' });
      assert.equal(method.status, 405);
      const script = await postJson(port, '/api/executions', { script: path.join(fx.dir, 'missing.sh') });
      assert.equal(script.status, 400);
      assert.match(script.json.error.message, /script not found/);
      noStack(script.text);
      const malformed = await request(port, { path: '/api/executions/%E0%A4%A' });
      assert.equal(malformed.status, 400);
    });
  });
});
