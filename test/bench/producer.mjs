// The ingest benchmark's producer: LINES lines (default 2,000,000) of exactly 80 bytes, one
// step every 1,000 lines (`STEP_START:step N` as the step's first line, `STEP_COMPLETE:step N`
// as its last; 998 log lines between), 160 MB in all. Built to be as fast as a producer can
// be, so that it is the reader's cost that shows: the 998 log lines are one prebuilt buffer,
// and output leaves in ~1 MiB blocking fs.writeSync calls (a pipe or a file, whatever fd 1 is).
//   node test/bench/producer.mjs [LINES] > out.txt
import { writeSync } from 'node:fs';

const LINES = Number(process.argv[2] ?? 2_000_000);
const PER_STEP = 1000;
const WIDTH = 80;
const WRITE_BYTES = 1 << 20;

const line = (text) => text.padEnd(WIDTH - 1, ' ') + '\n';
let body = '';
for (let i = 1; i < PER_STEP - 1; i++) {
  body += line(`[12:00:${String(i % 60).padStart(2, '0')}] INFO compiling module ${i} of ${PER_STEP}, all fine`);
}
const bodyBytes = Buffer.from(body);

const parts = [];
let size = 0;
function flush() {
  const block = Buffer.concat(parts, size);
  for (let off = 0; off < block.length; ) off += writeSync(1, block, off);
  parts.length = 0;
  size = 0;
}
for (let step = 0; step < LINES / PER_STEP; step++) {
  const start = Buffer.from(line(`STEP_START:step ${step}`));
  const complete = Buffer.from(line(`STEP_COMPLETE:step ${step}`));
  parts.push(start, bodyBytes, complete);
  size += start.length + bodyBytes.length + complete.length;
  if (size >= WRITE_BYTES) flush();
}
if (size > 0) flush();
