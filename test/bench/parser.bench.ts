// Output parser throughput: figures, not pass/fail. Run: npx tsx test/bench/parser.bench.ts [--json]
// 2,000,000 lines of 80 bytes (~160 MB) with a STEP marker every 1000 lines, fed in 64 KiB
// chunks, against a baseline that only counts newlines with indexOf over the same chunks.
import { OutputParser } from '../../sidecar/markers/outputParser';

export interface Row {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
}

const LINES = 2_000_000;
const LINE_BYTES = 80;
const CHUNK = 64 * 1024;
const RUNS = 5;

/** Fills `LINES` lines of exactly LINE_BYTES; `noise(i)` gives the text of a non-marker line. */
function buildStream(noise: (i: number) => string): Buffer {
  const buf = Buffer.alloc(LINES * LINE_BYTES, 0x20);
  for (let i = 0; i < LINES; i++) {
    const at = i * LINE_BYTES;
    const text = i % 1000 === 0 ? `${i % 2000 === 0 ? 'STEP_START' : 'STEP_COMPLETE'}:step ${Math.floor(i / 2000)}` : noise(i);
    buf.write(text.slice(0, LINE_BYTES - 1), at, 'latin1');
    buf[at + LINE_BYTES - 1] = 10;
  }
  return buf;
}

/** Typical log output: no line looks like a marker start. */
const plainNoise = (i: number) => `[12:00:${String(i % 60).padStart(2, '0')}] INFO compiling module ${i} of ${LINES}, all fine`;

/** Harder: 5% indented lines and 5% lines starting with a lead byte ('S'), which get decoded. */
const mixedNoise = (i: number) =>
  i % 20 === 1 ? `    at Object.<anonymous> (/src/mod${i}.js:1:1)` : i % 20 === 2 ? `Sending request ${i} to the server` : plainNoise(i);

function chunksOf(buf: Buffer, size = CHUNK): Buffer[] {
  const chunks: Buffer[] = [];
  for (let off = 0; off < buf.length; off += size) chunks.push(buf.subarray(off, off + size));
  return chunks;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Median lines/s of each fn over RUNS runs, interleaved so both see the same machine load. */
function measurePair(base: () => number, subject: () => number): [number, number] {
  const rates: [number[], number[]] = [[], []];
  base();
  subject(); // warm-up: let the JIT settle before timing
  for (let r = 0; r < RUNS; r++) {
    [base, subject].forEach((fn, k) => {
      const t0 = process.hrtime.bigint();
      const lines = fn();
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (lines !== LINES) throw new Error(`saw ${lines} lines, expected ${LINES}`);
      rates[k]!.push(lines / seconds);
    });
  }
  return [median(rates[0]), median(rates[1])];
}

function countNewlines(chunks: Buffer[]): number {
  let count = 0;
  for (const chunk of chunks) {
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, nl + 1)) count++;
  }
  return count;
}

function parseAll(chunks: Buffer[], expectMarkers: number): number {
  const parser = new OutputParser();
  let lines = 0;
  let markers = 0;
  for (const chunk of chunks) {
    const batch = parser.push(chunk);
    lines += batch.lineCount;
    markers += batch.markers.length;
  }
  const last = parser.end();
  lines += last.lineCount;
  markers += last.markers.length;
  if (markers !== expectMarkers) throw new Error(`found ${markers} markers, expected ${expectMarkers}`);
  return lines;
}

export async function benchParser(): Promise<Row[]> {
  const rows: Row[] = [];
  const markers = LINES / 1000;
  const plain = buildStream(plainNoise);
  const cases: Array<[string, Buffer[]]> = [
    ['plain 80-byte lines, 64 KiB chunks', chunksOf(plain)],
    ['mixed 80-byte lines, 64 KiB chunks', chunksOf(buildStream(mixedNoise))],
    // Chunks ending on a line boundary: no line straddles two chunks, so no copy at all.
    ['plain, line-aligned 65,520-byte chunks', chunksOf(plain, Math.floor(CHUNK / LINE_BYTES) * LINE_BYTES)],
  ];
  for (const [label, chunks] of cases) {
    const [baseline, parser] = measurePair(() => countNewlines(chunks), () => parseAll(chunks, markers));
    rows.push({ name: `OutputParser (${label})`, value: parser, unit: 'lines/s', baseline });
  }
  return rows;
}

function format(n: number): string {
  return `${(n / 1e6).toFixed(2)} M`;
}

if (require.main === module) {
  void benchParser().then((rows) => {
    if (process.argv.includes('--json')) {
      process.stdout.write(JSON.stringify({ lines: LINES, lineBytes: LINE_BYTES, runs: RUNS, node: process.version, rows }) + '\n');
      return;
    }
    console.log(`node ${process.version}, ${LINES} lines x ${LINE_BYTES} B, median of ${RUNS} runs`);
    console.log(['benchmark'.padEnd(56), 'value'.padStart(14), 'baseline'.padStart(14), 'ratio'.padStart(7)].join(' '));
    for (const row of rows) {
      const ratio = row.baseline ? (row.value / row.baseline).toFixed(2) : '';
      const base = row.baseline ? `${format(row.baseline)}/s` : '';
      console.log([row.name.padEnd(56), `${format(row.value)}/s`.padStart(14), base.padStart(14), ratio.padStart(7)].join(' '));
    }
  });
}
