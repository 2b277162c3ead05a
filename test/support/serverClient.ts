// Raw HTTP and WebSocket clients for the service tests: full control over Host, Origin,
// cookies and bodies (fetch would normalise or forbid some of them).
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import { startServer, type ServeOptions, type StepflowServer } from '../../sidecar/server/server';
import { Store } from '../../sidecar/store/store';

export const TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuvwxyz';

export interface Fixture {
  dir: string;
  store: Store;
  server: StepflowServer;
  close(): Promise<void>;
}

export async function startFixture(options: Partial<ServeOptions> = {}): Promise<Fixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stepflow-server-test-'));
  const store = new Store(path.join(dir, 'stepflow.db'));
  const server = await startServer({ store, token: TOKEN, port: 0, log: () => undefined, externalPollMs: 50, ...options });
  return {
    dir,
    store,
    server,
    async close() {
      await server.close();
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience
}

export function request(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer; token?: string | null },
): Promise<Answer> {
  const headers: Record<string, string> = { Host: `127.0.0.1:${port}`, ...opts.headers };
  const token = opts.token === undefined ? TOKEN : opts.token;
  if (token !== null) headers.Authorization ??= `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export const postJson = (port: number, p: string, body: unknown) =>
  request(port, { method: 'POST', path: p, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** A WebSocket client that queues messages, so tests can wait for the next one matching. */
export class LiveClient {
  readonly ws: WebSocket;
  private readonly queue: any[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  private waiters: Array<() => void> = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number }>;

  constructor(port: number, headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` }) {
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code) => resolve({ code })));
    this.ws.on('message', (data) => {
      this.queue.push(JSON.parse(data.toString()));
      for (const w of this.waiters.splice(0)) w();
    });
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  /** The next message (in order) for which `predicate` holds; earlier ones are dropped. */
  async next(predicate: (m: any) => boolean = () => true, timeoutMs = 10_000): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.queue.length) {
        const m = this.queue.shift();
        if (predicate(m)) return m;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a WebSocket message');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.ws.close();
  }
}

/** A finished run written straight into the store (no process), for list/filter tests. */
export function storeRun(
  store: Store,
  run: { id: string; script: string; status?: 'succeeded' | 'failed' | 'cancelled'; profile?: string | null; startedAt: number; lines?: string[]; artifacts?: string[] },
): void {
  const { id, startedAt } = run;
  store.createRun({ id, script: run.script, args: [], cwd: path.dirname(run.script), profile: run.profile ?? null, startedAt, ownerPid: process.pid });
  store.enqueue({ type: 'stepStarted', runId: id, stepId: 1, parentId: null, name: 'Build', startedAt: startedAt + 1, line: 1 });
  const lines = run.lines ?? ['hello'];
  store.appendOutput(id, 'stdout', 1, lines.length, Buffer.from(lines.map((l) => l + '\n').join('')), startedAt + 2);
  (run.artifacts ?? []).forEach((p, i) => store.enqueue({ type: 'artifact', runId: id, stepId: 1, path: p, description: `artifact ${i}`, at: startedAt + 3 }));
  const failed = run.status === 'failed';
  store.enqueue({ type: 'stepFinished', runId: id, stepId: 1, status: failed ? 'failed' : 'succeeded', endedAt: startedAt + 10, durationMs: 9, error: null, line: lines.length });
  store.enqueue({ type: 'runFinished', runId: id, status: run.status ?? 'succeeded', exitCode: failed ? 1 : 0, signal: null, endedAt: startedAt + 12, durationMs: 12, lineCount: lines.length, error: null });
  store.flush();
}
