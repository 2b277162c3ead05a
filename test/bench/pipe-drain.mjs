// Reference consumer for the ingest benchmark: spawns the producer exactly as StepFlow's
// runner does (own process group, stdin ignored, stdout/stderr pipes) and only counts the
// bytes it reads. `stepflow run` cannot be faster than this on the same machine: it is the
// cost of a Node process reading a pipe, without parsing or storing anything.
//   node test/bench/pipe-drain.mjs <script> [args…]   → prints {"bytes":…,"reads":…}
import { spawn } from 'node:child_process';

const [script, ...args] = process.argv.slice(2);
const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
let bytes = 0;
let reads = 0;
child.stdout.on('data', (chunk) => {
  bytes += chunk.length;
  reads++;
});
child.stderr.on('data', (chunk) => process.stderr.write(chunk));
child.on('close', (code) => {
  process.stdout.write(JSON.stringify({ bytes, reads }) + '\n');
  process.exitCode = code ?? 1;
});
