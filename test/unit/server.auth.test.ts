// The service's gatekeeping helpers (sidecar/server/auth.ts) on their own: which token files
// are trusted, how presented tokens, Host/Origin headers, cookies and bearer headers are
// read. A token file someone else could read, or one too short to be a real token, must
// never be trusted. Real files in a temporary folder.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { allowedHosts, bearerToken, cookieValue, loadOrCreateToken, originAllowed, stepflowHome, tokenMatches } from '../../sidecar/server/auth';
import { tempFolderPerTest } from '../support/tempFolder';

describe('server: token file', () => {
  let dir: string;
  let file: string;
  tempFolderPerTest('stepflow-auth-', {
    beforeTest: (folder) => {
      dir = folder;
      file = path.join(dir, 'home', 'token');
    },
  });

  const plant = (text: string, mode: number) => {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, text, { mode });
    fs.chmodSync(file, mode);
  };
  const GOOD = 'A'.repeat(16) + 'b-_9'.repeat(4); // 32 characters of the token alphabet

  it('trusts an owner-only token file of the required length, and keeps it as it is', () => {
    plant(`${GOOD}\n`, 0o600);
    assert.equal(loadOrCreateToken(file), GOOD);
    assert.equal(fs.readFileSync(file, 'utf8'), `${GOOD}\n`);
  });

  it('trusts an owner-only token file without a trailing newline, and a longer token', () => {
    plant(GOOD + 'xyz', 0o400);
    assert.equal(loadOrCreateToken(file), GOOD + 'xyz');
  });

  for (const [title, mode] of [['readable by the group (0640)', 0o640], ['writable by the group (0620)', 0o620], ['readable by others (0604)', 0o604], ['executable by others (0601)', 0o601]] as const) {
    it(`does not trust a token file ${title}: it is replaced by a new owner-only one`, () => {
      plant(`${GOOD}\n`, mode);
      const token = loadOrCreateToken(file);
      assert.notEqual(token, GOOD);
      assert.match(token, /^[A-Za-z0-9_-]{32}$/);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.equal(fs.readFileSync(file, 'utf8'), `${token}\n`);
    });
  }

  for (const [title, text] of [
    ['shorter than the required length (31 characters)', GOOD.slice(1)],
    ['empty', ''],
    ['with characters outside the token alphabet', GOOD.slice(1) + '!'],
    ['with two tokens on two lines', `${GOOD}\n${GOOD}`],
  ] as const) {
    it(`does not trust a token file ${title}`, () => {
      plant(text, 0o600);
      const token = loadOrCreateToken(file);
      assert.notEqual(token, text.trim());
      assert.match(token, /^[A-Za-z0-9_-]{32}$/);
      assert.equal(loadOrCreateToken(file), token, 'the new token is kept');
    });
  }

  it('creates the folder owner-only and a fresh token each time the file is missing', () => {
    const first = loadOrCreateToken(file);
    assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    fs.rmSync(file);
    const second = loadOrCreateToken(file);
    assert.notEqual(first, second);
  });

  it('refuses to use a folder in place of the token file', () => {
    fs.mkdirSync(file, { recursive: true });
    assert.throws(() => loadOrCreateToken(file));
  });

  it('lives in $STEPFLOW_HOME, else in ~/.stepflow', () => {
    assert.equal(stepflowHome({ STEPFLOW_HOME: 'rel/home' }), path.resolve('rel/home'));
    assert.equal(stepflowHome({ HOME: '/home/u' }), path.join('/home/u', '.stepflow'));
    assert.equal(stepflowHome({ USERPROFILE: 'C:/Users/u' }), path.join('C:/Users/u', '.stepflow'));
    assert.equal(stepflowHome({}), path.join(os.homedir(), '.stepflow'));
  });
});

describe('server: presented credentials', () => {
  it('accepts only the exact token', () => {
    const real = 'x'.repeat(32);
    assert.equal(tokenMatches(real, real), true);
    assert.equal(tokenMatches('x'.repeat(31) + 'y', real), false);
    assert.equal(tokenMatches('x'.repeat(31), real), false);
    assert.equal(tokenMatches('x'.repeat(33), real), false);
    assert.equal(tokenMatches('', real), false);
    assert.equal(tokenMatches(undefined, real), false);
  });

  it('reads a bearer token, case-insensitively, and nothing else', () => {
    assert.equal(bearerToken('Bearer abc'), 'abc');
    assert.equal(bearerToken('bearer   abc  '), 'abc');
    assert.equal(bearerToken('Basic abc'), undefined);
    assert.equal(bearerToken('Bearer a b'), undefined);
    assert.equal(bearerToken('Bearer '), undefined);
    assert.equal(bearerToken('xBearer abc'), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });

  it('reads a cookie by its exact name', () => {
    const header = 'other=1; sf_token = abc ; sf_token2=zzz;empty=';
    assert.equal(cookieValue(header, 'sf_token'), 'abc');
    assert.equal(cookieValue(header, 'sf_token2'), 'zzz');
    assert.equal(cookieValue(header, 'empty'), '');
    assert.equal(cookieValue(header, 'token'), undefined);
    assert.equal(cookieValue('=abc; x', 'x'), undefined);
    assert.equal(cookieValue(undefined, 'sf_token'), undefined);
    assert.equal(cookieValue('a=b=c', 'a'), 'b=c');
  });
});

describe('server: Host and Origin', () => {
  it('allows every loopback name of a loopback address, with the port', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]']) {
      assert.deepEqual([...allowedHosts(host, 7420)].sort(), ['127.0.0.1:7420', '[::1]:7420', 'localhost:7420'], host);
    }
  });

  it('allows only the bound name of another address, IPv6 in brackets, lower-cased', () => {
    assert.deepEqual([...allowedHosts('192.168.1.5', 80)], ['192.168.1.5:80']);
    assert.deepEqual([...allowedHosts('fe80::1', 8080)], ['[fe80::1]:8080']);
    assert.deepEqual([...allowedHosts('[fe80::2]', 8080)], ['[fe80::2]:8080']);
    assert.deepEqual([...allowedHosts('MyHost.Local', 1)], ['myhost.local:1']);
  });

  it('accepts an Origin that is http:// plus an allowed host, in any case, and nothing else', () => {
    const hosts = allowedHosts('127.0.0.1', 7420);
    assert.equal(originAllowed('http://127.0.0.1:7420', hosts), true);
    assert.equal(originAllowed('HTTP://LOCALHOST:7420', hosts), true);
    assert.equal(originAllowed('http://127.0.0.1:7421', hosts), false);
    assert.equal(originAllowed('https://127.0.0.1:7420', hosts), false);
    assert.equal(originAllowed('http://127.0.0.1:7420/', hosts), false);
    assert.equal(originAllowed('http://127.0.0.1:7420/x', hosts), false);
    assert.equal(originAllowed('xhttp://127.0.0.1:7420', hosts), false);
    assert.equal(originAllowed('http://evil.example', hosts), false);
    assert.equal(originAllowed('null', hosts), false);
  });
});
