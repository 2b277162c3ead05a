#!/usr/bin/env node
// The `stepflow` command: a thin launcher for the bundled sidecar, which is also the CLI.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const bundle = path.join(__dirname, '..', 'dist', 'sidecar.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write('stepflow: not built yet — run `npm run build` in ' + path.dirname(__dirname) + '\n');
  process.exit(1);
}
require(bundle).main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write('stepflow: ' + (err && err.message ? err.message : String(err)) + '\n'); process.exitCode = 1; },
);
