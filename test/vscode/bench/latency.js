// Workspace script of the extension-host benchmark (test/vscode/bench/index.ts). Prints STEP
// markers in three phases and records, for each marker, the wall-clock time (Date.now()) just
// before its line is written to stdout; the times go to marks-<run id>.json next to this script
// at the end. Pauses come from a fixed pseudo-random sequence, so every run is the same.
//   a<i>  dense: markers 20–80 ms apart, one log line between start and complete
//   b<i>  sparse: markers 300–450 ms apart, no other output
//   c<i>  sparse markers as b, but a log line every 25 ms in between (a chatty build)
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const DENSE = Number(process.env.STEPFLOW_BENCH_DENSE) || 100;
const SPARSE = Number(process.env.STEPFLOW_BENCH_SPARSE) || 20;
let seed = 12345;
const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const pause = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms) => Atomics.wait(pause, 0, 0, ms);
const marks = [];
const marker = (kind, name) => {
  const t = Date.now();
  fs.writeSync(1, `${kind === 'start' ? 'STEP_START' : 'STEP_COMPLETE'}:${name}\n`);
  marks.push([kind, name, t]);
};
/** Sleeps ms; with chatty, prints a log line every 25 ms meanwhile. */
const wait = (ms, chatty) => {
  if (!chatty) return sleep(ms);
  for (let left = ms; left > 0; left -= 25) {
    sleep(Math.min(25, left));
    fs.writeSync(1, `compiling unit ${Math.floor(rnd() * 1e6)}: ok\n`);
  }
};

sleep(1500); // the run is in the tree and revealed before the first marker
for (let i = 0; i < DENSE; i++) {
  marker('start', `a${i}`);
  sleep(10 + rnd() * 30);
  fs.writeSync(1, `working on a${i}\n`);
  sleep(10 + rnd() * 30);
  marker('complete', `a${i}`);
  sleep(20 + rnd() * 30);
}
sleep(1000); // let the dense phase settle
for (const [prefix, chatty] of [['b', false], ['c', true]]) {
  for (let i = 0; i < SPARSE; i++) {
    marker('start', `${prefix}${i}`);
    wait(300 + rnd() * 150, chatty);
    marker('complete', `${prefix}${i}`);
    wait(300 + rnd() * 150, chatty);
  }
  sleep(1000);
}
fs.writeFileSync(path.join(__dirname, `marks-${process.env.STEPFLOW_RUN_ID}.json`), JSON.stringify(marks));
