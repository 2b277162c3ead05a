#!/usr/bin/env node
// Installs code-server (VS Code's own server + web workbench) into the git-ignored cache
// folder .vscode-test/, outside the project's dependencies — the way @vscode/test-electron
// caches its VS Code download. Two releases, the "targets" the extension-host and UI suites
// run on (docs/testing.md, "Two VS Code versions"):
//   minimum  code-server 4.100.3 = VS Code 1.100 (the manifest's engines.vscode), on Node 20,
//            in .vscode-test/code-server/
//   newest   the newest code-server release tested here (NEWEST_CODE_SERVER below), on the
//            Node its package.json asks for (installed from npm by scripts/install-node.mjs),
//            in .vscode-test/code-server-<version>/
//
//   node scripts/install-code-server.mjs [minimum|newest]   # install if needed, print the entry
//   import { ensureCodeServer, codeServerTarget } from './scripts/install-code-server.mjs'
//   const cs = await ensureCodeServer('newest');  // { version, vscodeVersion, node, entry, … }
//   spawn(cs.node, [cs.entry, …])                  // code-server on its own Node
//
// Needs (scripts/install-test-deps.sh installs them): Debian `ripgrep` (/usr/bin/rg, used to
// pre-seed @vscode/ripgrep's download cache for releases whose postinstall downloads it from
// GitHub), `libkrb5-dev` (the `kerberos` module compiles against gssapi), python3/make/g++.
// Node builtins only. Idempotent: skips when the installed entry reports the wanted version.
//
// Env: STEPFLOW_CODE_SERVER = minimum (default) | newest picks the target of everything that
//      starts code-server (test/vscode/codeServer.mjs, hence the launcher, the UI tests and
//      `npm start -- --newest`); STEPFLOW_CODE_SERVER_DIR overrides the minimum's cache folder.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNode } from './install-node.mjs';
import { withInstallLock } from './installLock.mjs';

// Moving the newest target to a later release: set the version here, check its Node
// (`npm view code-server@<version> engines.node`; NODE_RELEASES in install-node.mjs must pin
// that major), run `STEPFLOW_CODE_SERVER=newest npm run test:vscode` and the workbench UI
// files, fix what the new VS Code breaks in the product, and update docs/testing.md's table.
const NEWEST_CODE_SERVER = { version: '4.139.1', nodeMajor: 24 };

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = path.join(PROJECT_ROOT, '.vscode-test');

/** The code-server releases the suites run on; see the header. */
export const CODE_SERVER_TARGETS = {
  minimum: {
    name: 'minimum',
    version: '4.100.3',
    nodeMajor: 20,
    dir: process.env.STEPFLOW_CODE_SERVER_DIR ? path.resolve(process.env.STEPFLOW_CODE_SERVER_DIR) : path.join(CACHE, 'code-server'),
  },
  newest: {
    name: 'newest',
    ...NEWEST_CODE_SERVER,
    dir: path.join(CACHE, `code-server-${NEWEST_CODE_SERVER.version}`),
  },
};

/**
 * The targets `npm test` installs and runs its extension-host and UI suites on: the minimum,
 * and the newest too when STEPFLOW_TEST_NEWEST=1. The newest is opt-in until its suites pass
 * there (docs/testing.md, "Two VS Code versions": three extension-host tests and the workbench
 * UI files still fail on 1.139) and because its install takes minutes a fresh CI machine
 * would spend on every run.
 */
export function testedCodeServerTargets(env = process.env) {
  return env.STEPFLOW_TEST_NEWEST === '1' ? Object.values(CODE_SERVER_TARGETS) : [CODE_SERVER_TARGETS.minimum];
}

/** A target by name (default: $STEPFLOW_CODE_SERVER, else minimum); a target object passes through. */
export function codeServerTarget(name = process.env.STEPFLOW_CODE_SERVER || 'minimum') {
  if (typeof name === 'object') return name;
  const target = CODE_SERVER_TARGETS[name];
  if (!target) throw new Error(`unknown code-server target "${name}" (STEPFLOW_CODE_SERVER): use ${Object.keys(CODE_SERVER_TARGETS).join(' or ')}`);
  return target;
}

/** code-server's package folder and its JS entry (what node_modules/.bin/code-server links to). */
const packageDir = (target) => path.join(target.dir, 'node_modules', 'code-server');
const entryOf = (target) => path.join(packageDir(target), 'out', 'node', 'entry.js');

/** The installed code-server version and its VS Code's, read from package.json files (no process started). */
export function cachedCodeServerVersions(target = codeServerTarget()) {
  try {
    const read = (f) => JSON.parse(fs.readFileSync(path.join(packageDir(target), f), 'utf8')).version;
    return { version: read('package.json'), vscodeVersion: read('lib/vscode/package.json') };
  } catch {
    return { version: null, vscodeVersion: null };
  }
}

/**
 * The Node a target runs on: this process's when it is the right major (the machine's Node 20
 * for the minimum), else the release scripts/install-node.mjs installs from npm.
 */
async function nodeFor(target) {
  if (Number(process.versions.node.split('.')[0]) === target.nodeMajor && !process.versions.electron) {
    return { node: process.execPath, version: process.versions.node, dir: null };
  }
  return ensureNode(target.nodeMajor);
}

// @vscode/ripgrep version → release tag its postinstall downloads (lib/postinstall.js `VERSION`).
// Unknown versions are looked up by reading that file from `npm pack`.
const KNOWN_RIPGREP_TAGS = { '1.15.11': 'v13.0.0-10' };

const log = (msg) => console.log(`[code-server] ${msg}`);
const secs = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

/** The version the installed code-server reports when started on its Node, or null. */
export function installedCodeServerVersion(target, node) {
  const entry = entryOf(target);
  if (!fs.existsSync(entry) || !fs.existsSync(node)) return null;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-version-'));
  try {
    const r = spawnSync(node, [entry, '--version'], {
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
  return wrap.packages?.['node_modules/@vscode/ripgrep']?.version ?? null;
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

async function install(target, runtime) {
  checkPrerequisites();
  const t0 = Date.now();
  const dir = target.dir;
  log(`installing code-server@${target.version} (the ${target.name} VS Code the extension and UI suites run on) into ${path.relative(process.cwd(), dir) || '.'}, on Node ${runtime.version} (a few minutes, ~400 MB)`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // Its own package.json so npm treats this folder as the project (never the repo's).
  fs.writeFileSync(
    path.join(dir, 'package.json'),
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
  if (runtime.dir) {
    // Another Node than this process's: npm (and so code-server's postinstall, which checks
    // the Node major in npm's user agent, and every install script) runs on it, and node-gyp
    // compiles against its headers instead of downloading them from nodejs.org.
    env.PATH = `${path.dirname(runtime.node)}${path.delimiter}${env.PATH ?? ''}`;
    env.npm_config_nodedir = runtime.dir;
  }
  const npmArgs = ['--prefix', dir, '--no-audit', '--no-fund'];

  // 1. Fetch code-server without running scripts, to read which @vscode/ripgrep it will install.
  log('npm install --ignore-scripts …');
  await run('npm', ['install', ...npmArgs, '--ignore-scripts', '--save-exact', `code-server@${target.version}`], { cwd: dir, env });
  const pkgDir = packageDir(target);
  log(`fetched (${secs(t0)})`);
  // code-server's postinstall runs `npm install` in lib/vscode and lib/vscode/extensions.
  declareAllowScripts(path.join(dir, 'package.json'), path.join(dir, 'package-lock.json'));
  for (const sub of ['lib/vscode', 'lib/vscode/extensions'])
    declareAllowScripts(path.join(pkgDir, sub, 'package.json'), path.join(pkgDir, sub, 'npm-shrinkwrap.json'));

  // 2. Pre-seed ripgrep's download cache with Debian's rg (releases that still use
  //    @vscode/ripgrep; later ones ship @vscode/ripgrep-universal, binaries included).
  const rgVersion = rgVersionFromShrinkwrap(pkgDir);
  if (rgVersion) await seedRipgrepCache(rgVersion, tmpdir, env);

  // 3. Run the install scripts: argon2/kerberos/node-pty compile, code-server's postinstall
  //    installs lib/vscode's and its extensions' dependencies.
  const t1 = Date.now();
  log('npm rebuild (install scripts: native modules, VS Code dependencies) …');
  await run('npm', ['rebuild', ...npmArgs], { cwd: dir, env, verbose: !!process.env.STEPFLOW_VERBOSE_INSTALL });
  log(`install scripts done (${secs(t1)})`);

  const rg = path.join(pkgDir, 'lib/vscode/node_modules/@vscode', rgVersion ? 'ripgrep/bin/rg' : 'ripgrep-universal');
  if (!fs.existsSync(rg)) throw new Error(`install finished but ${rg} is missing`);
  const got = installedCodeServerVersion(target, runtime.node);
  if (got !== target.version) throw new Error(`installed code-server reports ${got ?? 'nothing'}, expected ${target.version}`);
  log(`installed code-server ${got} in ${secs(t0)}`);
}

const pending = new Map();
/**
 * Installs a target's code-server (and its Node) if needed.
 * @param {'minimum'|'newest'|object} [name] default: $STEPFLOW_CODE_SERVER, else minimum
 * @returns {Promise<{ name: string, version: string, vscodeVersion: string, node: string,
 *                     nodeVersion: string, entry: string }>} start it as `node entry …`
 */
export function ensureCodeServer(name) {
  const target = codeServerTarget(name);
  if (!pending.has(target.name)) {
    const promise = (async () => {
      const runtime = await nodeFor(target);
      // Quiet when there is nothing to do.
      if (installedCodeServerVersion(target, runtime.node) !== target.version) {
        await withInstallLock(target.dir, async () => {
          // Another process may have installed it while we waited for the lock.
          if (installedCodeServerVersion(target, runtime.node) !== target.version) await install(target, runtime);
        });
      }
      const { vscodeVersion } = cachedCodeServerVersions(target);
      return { name: target.name, version: target.version, vscodeVersion, node: runtime.node, nodeVersion: runtime.version, entry: entryOf(target) };
    })();
    pending.set(target.name, promise);
    promise.catch(() => pending.delete(target.name));
  }
  return pending.get(target.name);
}

/** "code-server 4.100.3 (VS Code 1.100.3, Node 20.20.2)": what a suite's header says it runs on. */
export function describeCodeServer(cs) {
  return `code-server ${cs.version} (VS Code ${cs.vscodeVersion ?? '?'}, Node ${cs.nodeVersion})`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureCodeServer(process.argv[2]).then(
    (cs) => console.log(`${describeCodeServer(cs)}: ${cs.node} ${cs.entry}`),
    (err) => {
      console.error(`[code-server] ${err.message}`);
      process.exit(1);
    },
  );
}
