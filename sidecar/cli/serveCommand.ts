// `stepflow serve [--port N] [--host 127.0.0.1] [--db PATH]`: the HTTP/WebSocket API and the
// dashboard until Ctrl+C. Prints the dashboard URL with its token first, on stdout.
import * as path from 'node:path';
import { loadOrCreateToken, stepflowHome } from '../server/auth';
import { DEFAULT_PORT, startServer } from '../server/server';
import { UserError } from '../util/errors';
import { numberOption, parseArgs, stringOption } from './args';
import { openCliStore } from './context';
import { SERVE_USAGE } from './usage';

declare const __STEPFLOW_VERSION__: string | undefined;

export async function serveCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { port: { value: true }, host: { value: true }, db: { value: true } });
  if (args.positionals.length) throw new UserError(`unexpected argument "${args.positionals[0]}" — usage: ${SERVE_USAGE}`);
  const port = numberOption(args, 'port') ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port > 65535) throw new UserError(`option --port needs a port number (0–65535), got ${port}`);
  const host = stringOption(args, 'host') ?? '127.0.0.1';
  const tokenFile = path.join(stepflowHome(process.env), 'token');
  const token = loadOrCreateToken(tokenFile);
  const store = openCliStore(args);
  let server;
  try {
    server = await startServer({
      store,
      token,
      host,
      port,
      version: typeof __STEPFLOW_VERSION__ === 'string' ? __STEPFLOW_VERSION__ : '0.0.0-dev',
    });
  } catch (err) {
    store.close();
    throw err;
  }
  const out = process.stdout;
  out.write(`StepFlow dashboard: ${server.pageUrl}\n`);
  out.write(`API:       ${server.url}/api/…  (header "Authorization: Bearer <token>"; the token is in ${tokenFile})\n`);
  out.write(`WebSocket: ws://${server.url.slice('http://'.length)}/ws\n`);
  out.write(`Database:  ${store.file}\n`);
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    out.write(`Warning: serving on ${host}, not only this machine: whoever reaches it with the token can run scripts as you.\n`);
  }
  out.write('Press Ctrl+C to stop.\n');

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.once('SIGHUP', stop);
  });
  // In this order: stop the runs this service started and wait until each one's end is
  // written (SIGTERM to its group, SIGKILL after the grace period), then stop serving, then
  // close the database — closing it first would lose the runs' ends.
  await server.runs.stopAll();
  await server.close();
  store.close();
  return 0;
}
