// The ingest benchmark's producer: LINES lines (default 2,000,000) of exactly 80 bytes, one
// step every 1,000 lines (`STEP_START:step N` as the step's first line, `STEP_COMPLETE:step N`
// as its last; 998 log lines between), 160 MB in all. Output leaves in blocking
// fs.writeSync calls (a pipe or a file, whatever fd 1 is). Two styles:
//   prebuilt   (default) as fast as a producer can be, so that it is the reader's cost that
//              shows: the 998 log lines are one prebuilt buffer, written in ~1 MiB blocks.
//   generated  like a program that logs: every line is formatted on its own (its number,
//              a timestamp), and written in 64 KiB blocks, as a buffered logger does.
//   node test/bench/producer.mjs [LINES] [prebuilt|generated] > out.txt
import { writeSync } from 'node:fs';

const LINES = Number(process.argv[2] ?? 2_000_000);
const STYLE = process.argv[3] ?? 'prebuilt';
const PER_STEP = 1000;
const WIDTH = 80;

const line = (text) => text.padEnd(WIDTH - 1, ' ') + '\n';
const logLine = (i) => line(`[12:00:${String(i % 60).padStart(2, '0')}] INFO line ${i}: compiling module, all fine`);

function writeAll(block) {
  for (let off = 0; off < block.length; ) off += writeSync(1, block, off);
}

function prebuilt() {
  const WRITE_BYTES = 1 << 20;
  let body = '';
  for (let i = 1; i < PER_STEP - 1; i++) body += logLine(i);
  const bodyBytes = Buffer.from(body);
  const parts = [];
  let size = 0;
  const flush = () => {
    writeAll(Buffer.concat(parts, size));
    parts.length = 0;
    size = 0;
  };
  for (let step = 0; step < LINES / PER_STEP; step++) {
    const start = Buffer.from(line(`STEP_START:step ${step}`));
    const complete = Buffer.from(line(`STEP_COMPLETE:step ${step}`));
    parts.push(start, bodyBytes, complete);
    size += start.length + bodyBytes.length + complete.length;
    if (size >= WRITE_BYTES) flush();
  }
  if (size > 0) flush();
}

function generated() {
  const WRITE_BYTES = 64 * 1024;
  let pending = '';
  const emit = (text) => {
    pending += text;
    if (pending.length >= WRITE_BYTES) {
      writeAll(Buffer.from(pending));
      pending = '';
    }
  };
  for (let step = 0; step < LINES / PER_STEP; step++) {
    emit(line(`STEP_START:step ${step}`));
    for (let i = 1; i < PER_STEP - 1; i++) emit(logLine(step * PER_STEP + i));
    emit(line(`STEP_COMPLETE:step ${step}`));
  }
  if (pending.length > 0) writeAll(Buffer.from(pending));
}

if (STYLE === 'prebuilt') prebuilt();
else if (STYLE === 'generated') generated();
else throw new Error(`unknown producer style ${STYLE} (prebuilt | generated)`);
