// Ingest parsing with every CI dialect on, alone and with masking (no secret), against
// StepFlow-only parsing, in the same run, interleaved, in lines per CPU second: figures, not
// pass/fail. The goal is
// within 5 % (docs/performance.md, "CI dialects"). `npm run bench -- --only dialects` runs it.
// Run alone: npx tsx test/bench/dialects.bench.ts [--json] [--lines N] [--rounds N]
// 80-byte lines, a STEP marker every 1000 lines; the "mixed" stream also has 5 % lines that
// start with a CI lead byte (':' '#' 's') without being commands, which the CI dialects must
// decode and reject.
import { OutputParser } from '../../sidecar/markers/outputParser';
import { createDialects } from '../../sidecar/markers/dialects/registry';
import { stepflowDialect } from '../../sidecar/markers/stepflowDialect';
import { SecretMasker } from '../../sidecar/runs/secretMasker';
import { maskBatch } from '../../sidecar/runs/outputMasking';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const LINES = arg('--lines', 1_000_000);
const LINE_BYTES = 80;
const CHUNK = 64 * 1024;
const RUNS = arg('--rounds', 7);

/** stepflow: the StepFlow dialect only; dialects: every CI dialect too; masking: and masking; unfiltered: every CI dialect without its heads (what the parser's head check saves). */
type Variant = 'stepflow' | 'dialects' | 'masking' | 'unfiltered';

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

function parseAll(chunks: Buffer[], variant: Variant): number {
  const dialects =
    variant === 'stepflow'
      ? [stepflowDialect]
      : variant === 'unfiltered'
        ? createDialects().map((d) => ({ id: d.id, leadBytes: d.leadBytes, parseLine: (line: string) => d.parseLine(line) }))
        : createDialects();
  const parser = new OutputParser({ dialects });
  const masker = new SecretMasker();
  let lines = 0;
  for (const chunk of chunks) {
    const batch = parser.push(chunk);
    lines += (variant === 'masking' ? maskBatch(batch, masker).batch : batch).lineCount;
  }
  return lines + parser.end().lineCount;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

const VARIANTS: Variant[] = ['stepflow', 'dialects', 'masking', 'unfiltered'];
const rows: Array<{ stream: string; rates: Record<Variant, number>; ratios: Record<Exclude<Variant, 'stepflow'>, number> }> = [];
for (const [label, noise] of [['plain', plainNoise], ['mixed', mixedNoise]] as const) {
  const buf = buildStream(noise);
  const chunks: Buffer[] = [];
  for (let off = 0; off < buf.length; off += CHUNK) chunks.push(buf.subarray(off, off + CHUNK));
  const rates: Record<Variant, number[]> = { stepflow: [], dialects: [], masking: [], unfiltered: [] };
  // Per-round ratios against the StepFlow-only pass of the same round, whose median is the figure.
  const ratios: Record<Exclude<Variant, 'stepflow'>, number[]> = { dialects: [], masking: [], unfiltered: [] };
  for (const v of VARIANTS) parseAll(chunks, v); // warm-up
  for (let r = 0; r < RUNS; r++) {
    // Alternate the order so neither variant always runs on a warmer or cooler machine.
    const order = r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    const round = {} as Record<Variant, number>;
    for (const v of order) {
      // CPU time of this process, not wall time: on a shared machine other work stretches
      // wall time by whatever it takes, and this loop is single-threaded, synchronous work.
      const t0 = process.cpuUsage();
      const lines = parseAll(chunks, v);
      const used = process.cpuUsage(t0);
      if (lines !== LINES) throw new Error(`saw ${lines} lines`);
      round[v] = lines / ((used.user + used.system) / 1e6);
      rates[v].push(round[v]);
    }
    for (const v of ['dialects', 'masking', 'unfiltered'] as const) ratios[v].push(round[v] / round.stepflow);
  }
  rows.push({
    stream: label,
    rates: { stepflow: median(rates.stepflow), dialects: median(rates.dialects), masking: median(rates.masking), unfiltered: median(rates.unfiltered) },
    ratios: { dialects: median(ratios.dialects), masking: median(ratios.masking), unfiltered: median(ratios.unfiltered) },
  });
}

if (process.argv.includes('--json')) {
  process.stdout.write(JSON.stringify({ lines: LINES, lineBytes: LINE_BYTES, rounds: RUNS, rows }) + '\n');
} else {
  for (const r of rows) {
    const m = (x: number) => `${(x / 1e6).toFixed(2)} M lines/s`;
    console.log(
      `${r.stream.padEnd(6)} StepFlow only ${m(r.rates.stepflow)} · all dialects ${m(r.rates.dialects)} (×${r.ratios.dialects.toFixed(3)}) · + masking ${m(r.rates.masking)} (×${r.ratios.masking.toFixed(3)}) · all dialects, no head check ${m(r.rates.unfiltered)} (×${r.ratios.unfiltered.toFixed(3)})`,
    );
  }
}
