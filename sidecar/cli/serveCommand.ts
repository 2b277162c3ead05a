// `stepflow serve [--port N] [--host 127.0.0.1] [--db PATH]`: the HTTP/WebSocket API and the
// dashboard until Ctrl+C. Prints the dashboard URL with its token first, on stdout.
import * as path from 'node:path';
import { loadOrCreateToken, stepflowHome } from '../server/auth';
import { DEFAULT_PORT, startServer } from '../server/server';
import { UserError } from '../util/errors';
import { numberOption, parseArgs, stringOption } from './args';
import { openCliStore } from './context';
import { SERVE_USAGE } from './usage';
import { HubStore } from '../hub/hubStore';
import { startHubServer } from '../hub/hubServer';
import { loadProjectConfig } from '../runs/profiles';

declare const __STEPFLOW_VERSION__: string | undefined;

export async function serveCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { port: { value: true }, host: { value: true }, db: { value: true }, hub: { value: true } });
  if (args.positionals.length) throw new UserError(`unexpected argument "${args.positionals[0]}" — usage: ${SERVE_USAGE}`);
  const port = numberOption(args, 'port') ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port > 65535) throw new UserError(`option --port needs a port number (0–65535), got ${port}`);
  const host = stringOption(args, 'host') ?? '127.0.0.1';
  const hubUrl = hubDatabaseIfAny(stringOption(args, 'hub'));
  if (hubUrl !== undefined) {
    if (stringOption(args, 'db') !== undefined) throw new UserError('--hub serves a PostgreSQL database: --db does not apply');
    return serveHub(hubUrl, host, port);
  }
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

/** --hub, else $STEPFLOW_HUB_DATABASE, else ./stepflow.json's "hub": {"database": …}; undefined: a local service. */
function hubDatabaseIfAny(option: string | undefined): string | undefined {
  return option ?? (process.env.STEPFLOW_HUB_DATABASE?.trim() || undefined) ?? loadProjectConfig(process.cwd()).hubDatabase;
}

/** `stepflow serve --hub postgres://…`: the team hub until Ctrl+C (sidecar/hub/). */
async function serveHub(databaseUrl: string, host: string, port: number): Promise<number> {
  const store = await HubStore.open(databaseUrl);
  let server;
  try {
    server = await startHubServer({ store, host, port, version: typeof __STEPFLOW_VERSION__ === 'string' ? __STEPFLOW_VERSION__ : '0.0.0-dev' });
  } catch (err) {
    await store.close();
    throw err;
  }
  const out = process.stdout;
  out.write(`StepFlow hub: ${server.url}/  (open it once with ?token=<a token of stepflow hub token create>)\n`);
  out.write(`Database:     ${store.url}\n`);
  out.write('Machines ship to it with STEPFLOW_HUB_URL and STEPFLOW_HUB_TOKEN. Press Ctrl+C to stop.\n');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.once('SIGHUP', stop);
  });
  await server.close();
  await store.close();
  return 0;
}
