#!/usr/bin/env node
// Node.js with StepFlow markers: console.log is all it takes.
const { setTimeout: sleep } = require('node:timers/promises');
const fs = require('node:fs');
const path = require('node:path');

async function main() {
  console.log('STEP_START:Install');
  console.log('META:ESTIMATED_DURATION:1');
  await sleep(400);
  console.log('added 42 packages');
  console.log('STEP_COMPLETE:Install');

  console.log('STEP_START:Bundle');
  for (const entry of ['extension', 'sidecar', 'webview']) {
    console.log(`bundling ${entry}`);
    await sleep(200);
  }
  const out = path.join(__dirname, 'out');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'bundle.js'), '// bundled\n');
  console.log('ARTIFACT:out/bundle.js:Bundle');
  console.log('STEP_COMPLETE:Bundle');
}

main();
