#!/usr/bin/env node
// Installs code-server (VS Code's own server + web workbench) into the git-ignored cache
// folder .vscode-test/code-server/, outside the project's dependencies — the way
// @vscode/test-electron caches its VS Code download. See docs/testing.md, "Testing in a real VS Code".
//
//   node scripts/install-code-server.mjs          # install if needed, print the bin path
//   import { ensureCodeServer } from './scripts/install-code-server.mjs'
//   const bin = await ensureCodeServer();          // same, returns the bin path
//
// Needs (scripts/install-test-deps.sh installs them): Debian `ripgrep` (/usr/bin/rg, used to
// pre-seed @vscode/ripgrep's download cache, since its postinstall downloads from GitHub),
// `libkrb5-dev` (the `kerberos` module compiles against gssapi), python3/make/g++.
// Node builtins only. Idempotent: skips when the installed bin reports the wanted version.
//
// Env: STEPFLOW_CODE_SERVER_DIR overrides the cache folder.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CODE_SERVER_DIR = process.env.STEPFLOW_CODE_SERVER_DIR
  ? path.resolve(process.env.STEPFLOW_CODE_SERVER_DIR)
  : path.join(PROJECT_ROOT, '.vscode-test', 'code-server');
export const CODE_SERVER_BIN = path.join(CODE_SERVER_DIR, 'node_modules', '.bin', 'code-server');

// @vscode/ripgrep version → release tag its postinstall downloads (lib/postinstall.js `VERSION`).
// Unknown versions are looked up by reading that file from `npm pack`.
const KNOWN_RIPGREP_TAGS = { '1.15.11': 'v13.0.0-10' };

const log = (msg) => console.log(`[code-server] ${msg}`);
const secs = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

/** The version the installed bin reports, or null. */
export function installedCodeServerVersion(bin = CODE_SERVER_BIN) {
  if (!fs.existsSync(bin)) return null;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-version-'));
  try {
    const r = spawnSync(bin, ['--version'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_DATA_HOME: path.join(home, '.local/share') },
    });
    if (r.status !== 0) return null;
    // "4.100.3 409c64e0… with Code 1.100.3"
    const m = /^(\d+\.\d+\.\d+)\b/m.exec(r.stdout.trim());
    return m ? m[1] : null;
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    const out = [];
    const keep = (chunk) => {
      out.push(chunk);
      if (opts.verbose) process.stdout.write(chunk);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const text = Buffer.concat(out).toString('utf8');
      if (code === 0) resolve(text);
      else {
        const err = new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`})\n--- last output ---\n${text.slice(-6000)}`);
        err.output = text;
        reject(err);
      }
    });
  });
}

function which(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {}
  }
  return null;
}

function checkPrerequisites() {
  const problems = [];
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20) problems.push(`code-server ${CODE_SERVER_VERSION} needs Node 20 (this is ${process.version})`);
  if (!which('rg')) problems.push('ripgrep (rg) is not installed');
  if (!fs.existsSync('/usr/include/gssapi/gssapi.h') && !which('krb5-config'))
    problems.push('libkrb5-dev (gssapi headers) is not installed');
  for (const tool of ['tar', 'make', 'g++', 'python3']) if (!which(tool)) problems.push(`${tool} is not installed`);
  if (problems.length)
    throw new Error(`cannot install code-server:\n  - ${problems.join('\n  - ')}\n  run: bash scripts/install-test-deps.sh`);
}

function ripgrepTarget() {
  const arch = process.env.npm_config_arch || os.arch();
  if (os.platform() !== 'linux') throw new Error(`unsupported platform ${os.platform()} (this installer is for Linux)`);
  const t = { x64: 'x86_64-unknown-linux-musl', arm64: 'aarch64-unknown-linux-musl' }[arch];
  if (!t) throw new Error(`unsupported arch ${arch}`);
  return t;
}

/** Release tag @vscode/ripgrep@version downloads, read from its postinstall source if not known. */
async function ripgrepTag(version, env) {
  if (KNOWN_RIPGREP_TAGS[version]) return KNOWN_RIPGREP_TAGS[version];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rg-pack-'));
  try {
    log(`reading @vscode/ripgrep@${version}'s postinstall to find the ripgrep tag`);
    await run('npm', ['pack', `@vscode/ripgrep@${version}`, '--silent'], { cwd: dir, env });
    const tgz = fs.readdirSync(dir).find((f) => f.endsWith('.tgz'));
    await run('tar', ['xzf', tgz, 'package/lib/postinstall.js'], { cwd: dir });
    const src = fs.readFileSync(path.join(dir, 'package/lib/postinstall.js'), 'utf8');
    const m = /const VERSION = '([^']+)'/.exec(src);
    if (!m) throw new Error(`no VERSION constant in @vscode/ripgrep@${version} lib/postinstall.js`);
    return m[1];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Puts Debian's rg into the cache tarball @vscode/ripgrep's postinstall looks for first. */
async function seedRipgrepCache(rgVersion, tmpdir, env) {
  const tag = await ripgrepTag(rgVersion, env);
  const cacheDir = path.join(tmpdir, `vscode-ripgrep-cache-${rgVersion}`);
  const asset = path.join(cacheDir, `ripgrep-${tag}-${ripgrepTarget()}.tar.gz`);
  fs.mkdirSync(cacheDir, { recursive: true });
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'rg-stage-'));
  try {
    fs.copyFileSync(fs.realpathSync(which('rg')), path.join(stage, 'rg'));
    fs.chmodSync(path.join(stage, 'rg'), 0o755);
    await run('tar', ['czf', asset, '-C', stage, 'rg']);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
  log(`seeded ripgrep cache ${asset}`);
}

function rgVersionFromShrinkwrap(pkgDir) {
  const wrap = JSON.parse(fs.readFileSync(path.join(pkgDir, 'lib/vscode/npm-shrinkwrap.json'), 'utf8'));
  const v = wrap.packages?.['node_modules/@vscode/ripgrep']?.version;
  if (!v) throw new Error('no @vscode/ripgrep in code-server lib/vscode/npm-shrinkwrap.json');
  return v;
}

/**
 * Declares, in a package.json, the dependencies its lock file marks as having install scripts
 * (npm's `allowScripts`), so an npm that blocks undeclared install scripts still runs them.
 */
function declareAllowScripts(pkgJson, lockFile) {
  const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
  const names = Object.entries(lock.packages ?? {})
    .filter(([key, v]) => key && v.hasInstallScript)
    .map(([key, v]) => v.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length));
  if (!names.length) return;
  const pkg = JSON.parse(fs.readFileSync(pkgJson, 'utf8'));
  pkg.allowScripts = { ...Object.fromEntries(names.map((n) => [n, true])), ...pkg.allowScripts };
  fs.writeFileSync(pkgJson, JSON.stringify(pkg, null, 2) + '\n');
}

// A lock so two test runs do not install into the same folder at once.
async function withLock(fn) {
  const lock = `${CODE_SERVER_DIR}.lock`;
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let holder = NaN;
      try { holder = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8')); } catch {}
      let alive = false;
      if (holder) try { process.kill(holder, 0); alive = true; } catch {}
      if (!alive) {
        // Stale (holder gone) — or just created and pid not yet written: give it a moment.
        const age = Date.now() - fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
        if (holder || age > 5000) { fs.rmSync(lock, { recursive: true, force: true }); continue; }
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for install lock ${lock} (held by pid ${holder})`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

async function install() {
  checkPrerequisites();
  const t0 = Date.now();
  log(`installing code-server@${CODE_SERVER_VERSION} into ${path.relative(process.cwd(), CODE_SERVER_DIR) || '.'} (about a minute or two, ~300 MB)`);
  fs.rmSync(CODE_SERVER_DIR, { recursive: true, force: true });
  fs.mkdirSync(CODE_SERVER_DIR, { recursive: true });
  // Its own package.json so npm treats this folder as the project (never the repo's).
  fs.writeFileSync(
    path.join(CODE_SERVER_DIR, 'package.json'),
    JSON.stringify({ name: 'stepflow-code-server-cache', private: true, description: 'generated by scripts/install-code-server.mjs' }, null, 2) + '\n',
  );

  const tmpdir = os.tmpdir();
  const env = {
    ...process.env,
    CI: 'true',
    TMPDIR: tmpdir, // @vscode/ripgrep's cache lives under os.tmpdir() of the install
  };
  // Under `npm test` / `npm run`, npm exports its whole config as npm_config_* (local_prefix
  // pointing at the repo, yes/allow_scripts empty, …) plus npm_package_* / npm_lifecycle_*:
  // drop that, keeping only explicitly set values that say where/how to fetch.
  const KEEP = /^npm_config_(cache|registry|userconfig|globalconfig|cafile|ca|nodedir|node_gyp|proxy|https_proxy|noproxy|strict_ssl|loglevel|@.*:registry)$/i;
  for (const k of Object.keys(env)) {
    if (/^npm_/i.test(k) && !(KEEP.test(k) && env[k] !== '')) delete env[k];
  }
  Object.assign(env, {
    npm_config_unsafe_perm: 'true', // code-server's postinstall refuses to run as root otherwise
    npm_config_yes: 'true', // node-pty's postinstall runs `npx node-gyp`
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
    npm_config_loglevel: env.npm_config_loglevel || 'warn',
  });
  const npmArgs = ['--prefix', CODE_SERVER_DIR, '--no-audit', '--no-fund'];

  // 1. Fetch code-server without running scripts, to read which @vscode/ripgrep it will install.
  log('npm install --ignore-scripts …');
  await run('npm', ['install', ...npmArgs, '--ignore-scripts', '--save-exact', `code-server@${CODE_SERVER_VERSION}`], { cwd: CODE_SERVER_DIR, env });
  const pkgDir = path.join(CODE_SERVER_DIR, 'node_modules', 'code-server');
  log(`fetched (${secs(t0)})`);
  // code-server's postinstall runs `npm install` in lib/vscode and lib/vscode/extensions.
  declareAllowScripts(path.join(CODE_SERVER_DIR, 'package.json'), path.join(CODE_SERVER_DIR, 'package-lock.json'));
  for (const sub of ['lib/vscode', 'lib/vscode/extensions'])
    declareAllowScripts(path.join(pkgDir, sub, 'package.json'), path.join(pkgDir, sub, 'npm-shrinkwrap.json'));

  // 2. Pre-seed ripgrep's download cache with Debian's rg.
  await seedRipgrepCache(rgVersionFromShrinkwrap(pkgDir), tmpdir, env);

  // 3. Run the install scripts: argon2/kerberos/node-pty compile, code-server's postinstall
  //    installs lib/vscode's and its extensions' dependencies.
  const t1 = Date.now();
  log('npm rebuild (install scripts: native modules, VS Code dependencies) …');
  await run('npm', ['rebuild', ...npmArgs], { cwd: CODE_SERVER_DIR, env, verbose: !!process.env.STEPFLOW_VERBOSE_INSTALL });
  log(`install scripts done (${secs(t1)})`);

  const rg = path.join(pkgDir, 'lib/vscode/node_modules/@vscode/ripgrep/bin/rg');
  if (!fs.existsSync(rg)) throw new Error(`install finished but ${rg} is missing`);
  const got = installedCodeServerVersion();
  if (got !== CODE_SERVER_VERSION) throw new Error(`installed code-server reports ${got ?? 'nothing'}, expected ${CODE_SERVER_VERSION}`);
  log(`installed code-server ${got} in ${secs(t0)}`);
}

let pending = null;
/** Installs code-server@4.100.3 if needed; resolves to the path of its bin. */
export function ensureCodeServer() {
  pending ??= (async () => {
    if (installedCodeServerVersion() === CODE_SERVER_VERSION) return CODE_SERVER_BIN; // quiet when there is nothing to do
    await withLock(async () => {
      // Another process may have installed it while we waited for the lock.
      if (installedCodeServerVersion() !== CODE_SERVER_VERSION) await install();
    });
    return CODE_SERVER_BIN;
  })();
  pending.catch(() => { pending = null; });
  return pending;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureCodeServer().then(
    (bin) => console.log(bin),
    (err) => {
      console.error(`[code-server] ${err.message}`);
      process.exit(1);
    },
  );
}
