// A real PostgreSQL server for a test: Debian's `postgresql` package (scripts/
// install-test-deps.sh), a fresh cluster in a temporary folder, on a free loopback port,
// with trust authentication for the loopback only. PostgreSQL refuses to run as root, so
// under root (CI, the dev machines) initdb and postgres run as the `postgres` user (or
// `nobody`) and the folder is theirs. Started once per suite (initdb takes seconds); the
// test waits for the server's own "ready to accept connections" line, never a sleep.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface PostgresServer {
  /** postgres://stepflow@127.0.0.1:<port>/postgres */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** The newest installed server's bin folder (/usr/lib/postgresql/<major>/bin), or a clear error. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const dir = majors.map((v) => path.join(root, v, 'bin')).find((d) => fs.existsSync(path.join(d, 'initdb')));
  if (!dir) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/<version>/bin/initdb): run bash scripts/install-test-deps.sh');
  return dir;
}

/** Who runs the server: ourselves, or under root an unprivileged system user. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0) return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  throw new Error('running as root, and neither a postgres nor a nobody user exists to run PostgreSQL as');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const user = serverUser();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-pg-'));
  fs.chmodSync(base, 0o755);
  const data = path.join(base, 'data');
  if (user) fs.chownSync(base, user.uid, user.gid);
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  const env = { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' };
  const init = spawnSync(path.join(bin, 'initdb'), ['-D', data, '-U', 'stepflow', '--auth=trust', '-E', 'UTF8', '--no-sync'], { ...as, env, cwd: base, encoding: 'utf8' });
  if (init.status !== 0) {
    fs.rmSync(base, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  }
  const port = await freePort();
  // fsync off: a test's cluster is thrown away, and durability across a machine crash is
  // PostgreSQL's business, not what the tests check.
  const server = spawn(
    path.join(bin, 'postgres'),
    ['-D', data, '-p', String(port), '-k', base, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
    { ...as, env, cwd: base, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log += chunk.toString('utf8');
      if (/database system is ready to accept connections/.test(log)) resolve();
    };
    server.stdout!.on('data', onData);
    server.stderr!.on('data', onData);
    server.once('exit', (code, signal) => reject(new Error(`postgres exited (${code ?? signal}) before it accepted connections:\n${log}`)));
  }).catch((err) => {
    fs.rmSync(base, { recursive: true, force: true });
    throw err;
  });
  return {
    url: `postgres://stepflow@127.0.0.1:${port}/postgres`,
    port,
    stop: () => stopServer(server, base),
  };
}

/** SIGINT is PostgreSQL's "fast shutdown": connections are ended, the server exits at once. */
async function stopServer(server: ChildProcess, base: string): Promise<void> {
  if (server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGINT');
    await exited;
  }
  fs.rmSync(base, { recursive: true, force: true });
}
