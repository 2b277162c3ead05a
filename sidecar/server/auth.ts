// Who may talk to the service (docs/spec.md §7): a process of the same user that knows the
// token, or the dashboard page that was opened with it. A web page in the user's browser
// must not drive it, so a foreign Origin and a Host that is not the bound address (DNS
// rebinding) are refused even before the token is looked at.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** `$STEPFLOW_HOME`, else `~/.stepflow`. */
export function stepflowHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STEPFLOW_HOME) return path.resolve(env.STEPFLOW_HOME);
  return path.join(env.HOME || env.USERPROFILE || os.homedir(), '.stepflow');
}

/**
 * The token in `file`, created (0600, in a 0700 folder) when missing. A token file that
 * others can read is treated as leaked: it is replaced by a new one. So is a symbolic link
 * in its place (never followed: a dangling one made this recurse until the stack overflowed).
 */
export function loadOrCreateToken(file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    const stat = fs.lstatSync(file);
    if (stat.isFile()) {
      const text = fs.readFileSync(file, 'utf8').trim();
      const private_ = process.platform === 'win32' || (stat.mode & 0o077) === 0;
      if (private_ && /^[A-Za-z0-9_-]{32,}$/.test(text)) return text;
    }
    fs.rmSync(file, { force: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = randomBytes(24).toString('base64url');
  try {
    // 'wx': never follow or overwrite a file someone slipped in meanwhile.
    fs.writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateToken(file); // another serve won the race
    throw err;
  }
  return token;
}

/** Constant-time comparison of a presented token with the real one. */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The `Host` header values that name this server: the bound address (and loopback aliases). */
export function allowedHosts(host: string, port: number): Set<string> {
  const names = LOOPBACK.has(host) ? ['127.0.0.1', 'localhost', '[::1]'] : [host.includes(':') && !host.startsWith('[') ? `[${host}]` : host];
  return new Set(names.map((name) => `${name}:${port}`.toLowerCase()));
}

/** An Origin is ours when it is http://<allowed host>. Browsers send "null" from sandboxed frames: refused. */
export function originAllowed(origin: string, hosts: Set<string>): boolean {
  const match = /^http:\/\/([^/]+)$/i.exec(origin);
  return match !== null && hosts.has(match[1]!.toLowerCase());
}

/** A cookie value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** `Authorization: Bearer <token>`. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}
