// The dashboard opened without its link: a browser (Accept: text/html) gets a 401 page that
// says how to get the link, API clients keep the 401 JSON error, and the page echoes nothing
// of the request and runs under a CSP that allows no script.
import { strict as assert } from 'node:assert';
import { TOKEN, request, startFixture, type Fixture } from '../support/serverClient';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('server: 401 page for a browser without the token', () => {
  let fx: Fixture;
  let port: number;
  before(async () => {
    fx = await startFixture();
    port = fx.server.port;
  });
  after(() => fx.close());

  it('explains how to get the link when a browser opens the dashboard without it', async () => {
    const r = await request(port, { path: '/', token: null, headers: { Accept: BROWSER_ACCEPT } });
    assert.equal(r.status, 401);
    assert.match(r.headers['content-type'] ?? '', /^text\/html/);
    assert.match(r.text, /stepflow serve/);
    assert.ok(r.text.includes(`http://127.0.0.1:${port}/?token=`), 'the link to look for');
    assert.match(r.text, /~\/\.stepflow\/token/);
    assert.doesNotMatch(r.text, new RegExp(TOKEN), 'never the token itself');
    const csp = String(r.headers['content-security-policy'] ?? '');
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /script-src|unsafe-inline/);
    assert.doesNotMatch(r.text, /<script/i);
  });

  it('says so when the link carries a wrong token', async () => {
    const r = await request(port, { path: '/?token=not-the-token', token: null, headers: { Accept: BROWSER_ACCEPT } });
    assert.equal(r.status, 401);
    assert.match(r.text, /not the one this service uses/);
    assert.doesNotMatch(r.text, /not-the-token/, 'nothing of the request is echoed');
  });

  it('echoes nothing of the path into the page', async () => {
    const r = await request(port, { path: '/%3Cscript%3Ealert(1)%3C/script%3E', token: null, headers: { Accept: BROWSER_ACCEPT } });
    assert.equal(r.status, 401);
    assert.doesNotMatch(r.text, /alert/);
  });

  it('keeps the JSON error for API calls and clients that do not ask for HTML', async () => {
    for (const [path, accept] of [['/api/health', BROWSER_ACCEPT], ['/', '*/*'], ['/', 'application/json'], ['/api/executions', '']] as const) {
      const r = await request(port, { path, token: null, headers: accept ? { Accept: accept } : {} });
      assert.equal(r.status, 401, `${path} ${accept}`);
      assert.match(r.headers['content-type'] ?? '', /application\/json/, `${path} ${accept}`);
      assert.equal(r.json.error.code, 'unauthorized');
    }
    const post = await request(port, { method: 'POST', path: '/', token: null, headers: { Accept: BROWSER_ACCEPT }, body: '{}' });
    assert.match(post.headers['content-type'] ?? '', /application\/json/, 'only GET/HEAD get the page');
  });
});
