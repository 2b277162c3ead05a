// `stepflow serve` as the browser tests start it: a real process on a free loopback port,
// resolved once it prints its tokened URL; stopped with SIGTERM, awaited until it exits.
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'stepflow.js');

/** Resolves with the match of the first line of `stream` that matches `pattern`. */
export function waitForLine(stream, pattern, timeoutMs = 20_000) {
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: stream });
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms`)), timeoutMs);
    rl.on('line', (line) => {
      const m = pattern.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
}

/** Starts `stepflow serve --port 0`; its stderr goes to `problems`. Resolves to { serve, url }. */
export async function startServe({ env, cwd, problems }) {
  const serve = spawn(process.execPath, [cli, 'serve', '--port', '0'], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  serve.stderr.on('data', (d) => problems.push(`serve: ${d}`));
  const [url] = await waitForLine(serve.stdout, /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/);
  return { serve, url };
}

export async function stopServe(serve) {
  if (!serve || serve.exitCode !== null) return;
  const exited = new Promise((r) => serve.once('exit', r));
  serve.kill('SIGTERM');
  await exited;
}
