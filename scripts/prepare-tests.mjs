// What `npm test` needs besides node_modules, installed the way `npm start` installs it:
// the Debian packages of scripts/install-test-deps.sh (Chromium, ruby, perl, build tools),
// the two code-server releases the extension-host and UI suites run on (the minimum and the
// newest, scripts/install-code-server.mjs) and the Nodes from npm they and the store's
// node:sqlite tests need (scripts/install-node.mjs), all in .vscode-test/. Idempotent and
// quick when everything is there (a few dpkg queries and package.json reads).
//
// Where apt cannot install (macOS, other distributions, no root and no sudo) it says in
// one line what is missing and how to get it, and returns what is missing, so that
// test/run-all.mjs reports the suites that need it as not run instead of letting them fail
// somewhere deep inside a browser launch.
//
//   node scripts/prepare-tests.mjs            # prints what it did or what is missing
//   import { prepareTests } from './scripts/prepare-tests.mjs'
//   const { missing } = await prepareTests(); // e.g. ['chromium', 'code-server newest']
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedCodeServerVersions, ensureCodeServer, testedCodeServerTargets } from './install-code-server.mjs';
import { ensureNode } from './install-node.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The programs the suites run for real, and where a user gets them. */
const PROGRAMS = [
  { name: 'chromium', found: () => fs.existsSync('/usr/bin/chromium'), why: 'the browser the VS Code and UI suites drive' },
  { name: 'ruby', found: () => onPath('ruby'), why: 'the runner test of Ruby scripts' },
  { name: 'perl', found: () => onPath('perl'), why: 'the runner test of Perl scripts' },
  { name: 'postgresql', found: () => postgresInstalled(), why: 'the team hub tests (a real PostgreSQL server)' },
];

function postgresInstalled() {
  const root = '/usr/lib/postgresql';
  return fs.existsSync(root) && fs.readdirSync(root).some((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')));
}

function onPath(command) {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, command)));
}

function canUseApt() {
  if (!onPath('apt-get') || !onPath('dpkg-query')) return false;
  return process.getuid?.() === 0 || onPath('sudo');
}

/** Installs what it can; returns the names of what is still missing. */
export async function prepareTests({ log = console.log } = {}) {
  if (canUseApt()) {
    // Quiet ("all present") when nothing is missing; otherwise it names what it installs.
    const apt = spawnSync('bash', [path.join(root, 'scripts', 'install-test-deps.sh')], { stdio: 'inherit' });
    if (apt.status !== 0) log('npm test: installing the Debian packages failed (see above); the suites that need them will say so');
  }
  const missing = PROGRAMS.filter((p) => !p.found());
  if (missing.length > 0) {
    const list = missing.map((p) => `${p.name} (${p.why})`).join(', ');
    log(`npm test: missing ${list}: install them with your package manager (on Debian/Ubuntu: bash scripts/install-test-deps.sh)`);
  }

  // Node 22 from npm: the store's tests run under its node:sqlite (the sidecar's zero-install
  // driver) at .vscode-test/node-22/bin/node.
  const lacking = [];
  try {
    await ensureNode(22);
  } catch (err) {
    log(`npm test: Node 22 (for the node:sqlite store tests) could not be installed: ${String(err.message).split('\n').join(' ')}`);
    lacking.push('node 22');
  }
  for (const target of testedCodeServerTargets()) {
    // Only a package.json read when it is there; ensureCodeServer also starts it once to check.
    if (cachedCodeServerVersions(target).version === target.version) continue;
    log(`npm test: installing code-server ${target.version} (the ${target.name} VS Code the extension and UI suites run on) into .vscode-test/`);
    try {
      await ensureCodeServer(target.name);
    } catch (err) {
      log(`npm test: code-server ${target.version} could not be installed: ${String(err.message).split('\n').join(' ')}`);
      lacking.push(`code-server ${target.name}`);
    }
  }
  return { missing: [...missing.map((p) => p.name), ...lacking] };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { missing } = await prepareTests();
  console.log(missing.length ? `missing: ${missing.join(', ')}` : 'everything the tests need is installed');
}
