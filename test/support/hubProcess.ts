// `stepflow serve --hub` as the tests start it: the built CLI as a real process on a given
// loopback port (so a restarted hub is found at the same address), resolved on the line it
// prints once it listens; stopped with SIGTERM and awaited until it has exited.
import { spawn, type ChildProcess } from 'node:child_process';
import { STEPFLOW_BIN } from './cli';

export interface HubProcess {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startHubProcess(databaseUrl: string, port: number, problems: string[] = []): Promise<HubProcess> {
  const child: ChildProcess = spawn(process.execPath, [STEPFLOW_BIN, 'serve', '--hub', databaseUrl, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => problems.push(text));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      if (/^StepFlow hub: http/m.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`stepflow serve --hub exited (${code}) before it listened: ${out} ${problems.join('')}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
