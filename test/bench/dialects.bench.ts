// Ingest parsing with every CI dialect on (and masking with no secret) against StepFlow-only
// parsing, in the same run, interleaved: figures, not pass/fail. The goal is within 5 %.
// Run: npx tsx test/bench/dialects.bench.ts
// 1,000,000 lines of 80 bytes, a STEP marker every 1000 lines; the "mixed" stream also has
// 5 % lines that start with a CI lead byte (':' '#' 's') without being commands, which the
// CI dialects must decode and reject.
import { OutputParser } from '../../sidecar/markers/outputParser';
import { createDialects } from '../../sidecar/markers/dialects/registry';
import { stepflowDialect } from '../../sidecar/markers/stepflowDialect';
import { SecretMasker } from '../../sidecar/runs/secretMasker';
import { maskBatch } from '../../sidecar/runs/outputMasking';

const LINES = 1_000_000;
const LINE_BYTES = 80;
const CHUNK = 64 * 1024;
const RUNS = 7;

function buildStream(noise: (i: number) => string): Buffer {
  const buf = Buffer.alloc(LINES * LINE_BYTES, 0x20);
  for (let i = 0; i < LINES; i++) {
    const text = i % 1000 === 0 ? `${i % 2000 === 0 ? 'STEP_START' : 'STEP_COMPLETE'}:step ${Math.floor(i / 2000)}` : noise(i);
    buf.write(text.slice(0, LINE_BYTES - 1), i * LINE_BYTES, 'latin1');
    buf[i * LINE_BYTES + LINE_BYTES - 1] = 10;
  }
  return buf;
}
const plainNoise = (i: number) => `[12:00:${String(i % 60).padStart(2, '0')}] INFO compiling module ${i} of ${LINES}, all fine`;
const mixedNoise = (i: number) =>
  i % 20 === 1 ? `# comment line ${i}` : i % 20 === 2 ? `:: not a command ${i}` : i % 20 === 3 ? `sending request ${i}` : plainNoise(i);

function parseAll(chunks: Buffer[], withCi: boolean): number {
  const parser = new OutputParser({ dialects: withCi ? createDialects() : [stepflowDialect] });
  const masker = new SecretMasker();
  let lines = 0;
  for (const chunk of chunks) {
    const batch = parser.push(chunk);
    lines += (withCi ? maskBatch(batch, masker).batch : batch).lineCount;
  }
  return lines + parser.end().lineCount;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

for (const [label, noise] of [['plain', plainNoise], ['mixed', mixedNoise]] as const) {
  const buf = buildStream(noise);
  const chunks: Buffer[] = [];
  for (let off = 0; off < buf.length; off += CHUNK) chunks.push(buf.subarray(off, off + CHUNK));
  const rates: [number[], number[]] = [[], []];
  parseAll(chunks, false);
  parseAll(chunks, true);
  for (let r = 0; r < RUNS; r++) {
    for (const k of [0, 1] as const) {
      const t0 = process.hrtime.bigint();
      const lines = parseAll(chunks, k === 1);
      if (lines !== LINES) throw new Error(`saw ${lines} lines`);
      rates[k].push(lines / (Number(process.hrtime.bigint() - t0) / 1e9));
    }
  }
  const [only, all] = [median(rates[0]), median(rates[1])];
  console.log(`${label.padEnd(6)} StepFlow only ${(only / 1e6).toFixed(2)} M lines/s · all dialects + masking ${(all / 1e6).toFixed(2)} M lines/s · ratio ${(all / only).toFixed(3)}`);
}
