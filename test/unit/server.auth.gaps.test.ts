// The token file in the cases the first tests left open (found by mutation testing,
// docs/testing.md "Mutation testing"): a symbolic link where the token file should be, a
// token with junk in front of it, two `stepflow serve` creating the file at the same moment,
// and a token that cannot be saved; and a Cookie header part without a value. Real files in a temporary folder; the two races are
// staged by wrapping fs.writeFileSync once, which is where a second process would step in.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cookieValue, loadOrCreateToken } from '../../sidecar/server/auth';
// The module object itself (the namespace import above is read-only): what auth.ts calls.
import nodeFs = require('node:fs');
import { tempFolderPerTest } from '../support/tempFolder';

const GOOD = 'A'.repeat(16) + 'b-_9'.repeat(4); // 32 characters of the token alphabet
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32}$/;

describe('server: token file (gaps)', () => {
  let dir: string;
  let file: string;
  const realWrite = fs.writeFileSync;
  tempFolderPerTest('stepflow-auth-gaps-', {
    beforeTest: (folder) => {
      dir = folder;
      file = path.join(dir, 'home', 'token');
      fs.mkdirSync(path.dirname(file), { mode: 0o700 });
    },
    afterTest: () => {
      nodeFs.writeFileSync = realWrite;
    },
  });

  /** Runs `before` once, right before the next write of the token file. */
  const beforeNextWrite = (before: () => void) => {
    nodeFs.writeFileSync = ((...args: Parameters<typeof fs.writeFileSync>) => {
      nodeFs.writeFileSync = realWrite;
      before();
      return realWrite(...args);
    }) as typeof fs.writeFileSync;
  };

  it('replaces a dangling symbolic link in place of the token file with a real owner-only file', () => {
    const target = path.join(dir, 'elsewhere', 'token');
    fs.symlinkSync(target, file);
    const token = loadOrCreateToken(file);
    assert.match(token, TOKEN_SHAPE);
    assert.equal(fs.lstatSync(file).isFile(), true, 'a regular file, not the link');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.existsSync(target), false, 'nothing written where the link pointed');
    assert.equal(loadOrCreateToken(file), token, 'and it is kept');
  });

  it('does not trust a symbolic link to a private token file: the link is replaced, its target left alone', () => {
    const target = path.join(dir, 'shared-token');
    realWrite(target, `${GOOD}\n`, { mode: 0o600 });
    fs.symlinkSync(target, file);
    const token = loadOrCreateToken(file);
    assert.notEqual(token, GOOD);
    assert.match(token, TOKEN_SHAPE);
    assert.equal(fs.lstatSync(file).isFile(), true);
    assert.equal(fs.readFileSync(target, 'utf8'), `${GOOD}\n`);
  });

  it('does not trust a token with a character outside the alphabet in front of it', () => {
    realWrite(file, `!${GOOD}\n`, { mode: 0o600 });
    const token = loadOrCreateToken(file);
    assert.notEqual(token, `!${GOOD}`);
    assert.match(token, TOKEN_SHAPE);
  });

  it('trusts every character of the token alphabet: letters, digits, "-" and "_"', () => {
    const all = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    realWrite(file, `${all}\n`, { mode: 0o600 });
    assert.equal(loadOrCreateToken(file), all);
  });

  it('uses the token of another serve that created the file between its look and its write', () => {
    beforeNextWrite(() => realWrite(file, `${GOOD}\n`, { mode: 0o600, flag: 'wx' }));
    assert.equal(loadOrCreateToken(file), GOOD);
    assert.equal(fs.readFileSync(file, 'utf8'), `${GOOD}\n`, 'the other serve’s file is not overwritten');
  });

  it('never hands out a token it could not save (it would not survive a restart)', () => {
    beforeNextWrite(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    });
    assert.throws(() => loadOrCreateToken(file), /ENOSPC/);
    assert.equal(fs.existsSync(file), false);
  });

  it('refuses a folder in place of the token file with the file system’s own error, not a stack overflow', () => {
    fs.mkdirSync(file);
    assert.throws(
      () => loadOrCreateToken(file),
      (err: NodeJS.ErrnoException) => !(err instanceof RangeError) && typeof err.code === 'string' && /EISDIR|EPERM/.test(err.code),
    );
    assert.equal(fs.statSync(file).isDirectory(), true, 'the folder is left alone');
  });
});

describe('server: presented credentials (gaps)', () => {
  it('does not read a cookie part without "=" as the cookie, even when it starts with its name', () => {
    assert.equal(cookieValue('sf_tokenX; other=1', 'sf_token'), undefined);
    assert.equal(cookieValue('sf_token', 'sf_token'), undefined);
    assert.equal(cookieValue('sf_tokenX; sf_token=abc', 'sf_token'), 'abc');
  });
});
