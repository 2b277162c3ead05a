// `stepflow serve`: the HTTP + WebSocket service and the dashboard page (docs/spec.md §7).
// Every request passes three gates before anything else: the Host must name the bound
// address (no DNS rebinding), an Origin — when sent — must be this server, and the token
// must be presented (Authorization: Bearer, or the cookie the page gets after it was
// opened with ?token=).
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { ExternalRunWatcher } from '../runs/externalRuns';
import { BackgroundLogIndexer } from '../runs/logIndexing';
import { RunManager } from '../runs/runManager';
import { StoreError, type Store } from '../store/store';
import { UserError, oneLine } from '../util/errors';
import { registerApi } from './api';
import { allowedHosts, bearerToken, cookieValue, originAllowed, tokenMatches } from './auth';
import { BASE_HEADERS, HttpError, MAX_BODY_BYTES, Router, declaredBodyTooLarge, readBody, sendAsset, sendError, sendJson } from './http';
import { LiveHub } from './liveHub';
import { OperationMetrics } from './metrics';
import { dashboardPage } from './page';
import { acceptsHtml, unauthorizedPage, type UnauthorizedReason } from './unauthorizedPage';

export interface ServeOptions {
  store: Store;
  token: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 7420; 0 picks a free port. */
  port?: number;
  /** Folder with webview.js and the codicon files (default: the built dist/). */
  assetsDir?: string;
  version?: string;
  /** Largest accepted request body, for every route (default 64 KiB). */
  maxBodyBytes?: number;
  /** How often runs of other processes are looked for (ms). */
  externalPollMs?: number;
  /** Where problems of the service itself are reported (default: stderr). */
  log?: (line: string) => void;
}

export interface StepflowServer {
  /** http://host:port */
  readonly url: string;
  /** The dashboard URL with the token, to print. */
  readonly pageUrl: string;
  readonly host: string;
  readonly port: number;
  readonly runs: RunManager;
  readonly hub: LiveHub;
  readonly ops: OperationMetrics;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 7420;

export async function startServer(options: ServeOptions): Promise<StepflowServer> {
  const service = new StepflowService(options);
  await service.listen(options.port ?? DEFAULT_PORT);
  return service;
}

/** The service's parts: gates, page, assets, API routes and the WebSocket, on one HTTP server. */
class StepflowService implements StepflowServer {
  readonly host: string;
  readonly runs: RunManager;
  readonly hub: LiveHub;
  readonly ops = new OperationMetrics();
  private readonly store: Store;
  private readonly token: string;
  private readonly log: (line: string) => void;
  private readonly assetsDir: string;
  private readonly maxBodyBytes: number;
  private readonly router = new Router();
  private readonly watcher: ExternalRunWatcher;
  /** Search summaries of finished runs' logs, built while the service has time. */
  private readonly indexer: BackgroundLogIndexer;
  private readonly server: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });
  private boundPort = 0;
  /** The Host header values that name this server (known once it listens). */
  private hosts = new Set<string>();
  private closing: Promise<void> | undefined;

  constructor(options: ServeOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.store = options.store;
    this.token = options.token;
    this.log = options.log ?? ((line: string) => process.stderr.write(`stepflow serve: ${line}\n`));
    this.assetsDir = options.assetsDir ?? defaultAssetsDir();
    this.maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
    const version = options.version ?? '0.0.0-dev';
    this.hub = new LiveHub(this.store, version);
    // Batch 0: events leave on the next turn of the event loop (a chunk's events together).
    this.runs = new RunManager(this.store, (events) => {
      this.hub.publish(events);
      if (events.some((e) => e.type === 'runFinished')) this.indexer.poke();
    }, 0);
    this.indexer = new BackgroundLogIndexer(this.store, { onError: (err) => this.log(`indexing logs for search: ${(err as Error).message}`) });
    this.watcher = new ExternalRunWatcher(this.store, (id) => this.runs.owns(id), (ids) => this.hub.snapshot(ids), options.externalPollMs ?? 250);
    registerApi(this.router, { store: this.store, runs: this.runs, hub: this.hub, ops: this.ops, version, startedAt: Date.now(), maxBodyBytes: this.maxBodyBytes });
    this.server = http.createServer({ requestTimeout: 30_000, headersTimeout: 15_000, maxHeaderSize: 16 * 1024 }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => sendError(res, toHttpError(err, this.log)));
    });
    // `Expect: 100-continue` (curl sends it for big bodies): a body over the limit is refused
    // before the client sends it; otherwise it may come.
    this.server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (!declaredBodyTooLarge(req, this.maxBodyBytes)) res.writeContinue();
      this.server.emit('request', req, res);
    });
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://${urlHost(this.host)}:${this.boundPort}`;
  }

  get pageUrl(): string {
    return `${this.url}/?token=${encodeURIComponent(this.token)}`;
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        reject(
          err.code === 'EADDRINUSE'
            ? new UserError(`port ${port} on ${this.host} is in use — pick another with --port (0: any free port)`)
            : err.code === 'EADDRNOTAVAIL'
              ? new UserError(`cannot listen on ${this.host}: no such address here`)
              : err,
        );
      };
      this.server.once('error', onError);
      this.server.listen(port, this.host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
    if (this.store.readOnly) this.log(`the database ${this.store.file} is open read-only: runs can be browsed, not started`);
    this.hosts = allowedHosts(this.host, this.boundPort);
    this.watcher.start();
    this.indexer.start();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.watcher.stop();
      this.indexer.stop();
      this.runs.killAll();
      this.hub.closeAll();
      this.wss.close();
      await new Promise<void>((resolve) => {
        this.server.close(() => resolve());
        this.server.closeAllConnections();
      });
    })();
    return this.closing;
  }

  // ── gates ────────────────────────────────────────────────────────────────────────────

  /** The Host and Origin gates; an HttpError when refused. */
  private admit(req: http.IncomingMessage): HttpError | undefined {
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    if (!this.hosts.has(hostHeader)) return new HttpError(403, 'the Host of this request is not the address StepFlow serves on');
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, this.hosts)) return new HttpError(403, 'requests from other origins are refused');
    if (req.headers['sec-fetch-site'] === 'cross-site') return new HttpError(403, 'cross-site requests are refused');
    return undefined;
  }

  private get cookieName(): string {
    return `stepflow_token_${this.boundPort}`;
  }

  private authenticated(req: http.IncomingMessage): boolean {
    return tokenMatches(bearerToken(req.headers.authorization) ?? cookieValue(req.headers.cookie, this.cookieName), this.token);
  }

  /** A 401: a page that explains how to get the link for a browser opening a page, JSON for everything else. */
  private refuseToken(req: http.IncomingMessage, res: http.ServerResponse, reason: UnauthorizedReason, err: HttpError): void {
    const method = req.method ?? 'GET';
    const isApi = (req.url ?? '/').startsWith('/api/');
    if (isApi || (method !== 'GET' && method !== 'HEAD') || !acceptsHtml(req.headers.accept)) return sendError(res, err);
    const page = unauthorizedPage(reason, this.url);
    res.writeHead(401, { ...BASE_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': page.csp, 'Content-Length': Buffer.byteLength(page.html) });
    res.end(method === 'HEAD' ? undefined : page.html);
  }

  // ── requests ─────────────────────────────────────────────────────────────────────────

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const refused = this.admit(req) ?? declaredBodyTooLarge(req, this.maxBodyBytes);
    if (refused) return sendError(res, refused);
    // `..` and `.` segments would be resolved away by URL parsing: refused instead, so no
    // path ever means something other than what it says.
    const rawPath = (req.url ?? '/').split('?', 1)[0]!;
    if (/(^|\/)(\.|%2e){1,2}(\/|$)/i.test(rawPath)) return sendError(res, new HttpError(400, 'paths with . or .. segments are refused'));
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const method = req.method ?? 'GET';

    if (url.pathname === '/' && method === 'GET' && url.searchParams.has('token')) return this.takeToken(req, res, url);
    if (!this.authenticated(req)) {
      return this.refuseToken(req, res, 'missing', new HttpError(401, 'a valid token is required: Authorization: Bearer <token>, or open the URL `stepflow serve` printed'));
    }
    // Every route, with a body or not, reads it here under the one limit (a chunked body is
    // counted as it arrives); routes that need none ignore what a client sent within it.
    let body: Buffer;
    try {
      body = await readBody(req, this.maxBodyBytes);
    } catch (err) {
      return sendError(res, toHttpError(err, this.log));
    }
    if (url.pathname === '/' && (method === 'GET' || method === 'HEAD')) return this.sendPage(req, res, method);
    const asset = url.pathname.startsWith('/assets/') ? url.pathname.slice('/assets/'.length) : undefined;
    if (asset !== undefined && method === 'GET') return sendAsset(res, this.assetsDir, asset);
    await this.route(req, res, url, method, body);
  }

  /** `/?token=…`: the token moves into an HttpOnly cookie and out of the address bar and history. */
  private takeToken(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    if (!tokenMatches(url.searchParams.get('token') ?? undefined, this.token)) return this.refuseToken(req, res, 'wrong', new HttpError(401, 'wrong token'));
    res.writeHead(303, { ...BASE_HEADERS, Location: '/', 'Set-Cookie': `${this.cookieName}=${this.token}; HttpOnly; SameSite=Strict; Path=/` });
    res.end();
  }

  private sendPage(req: http.IncomingMessage, res: http.ServerResponse, method: string): void {
    const page = dashboardPage(`ws://${req.headers.host}`);
    res.writeHead(200, { ...BASE_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': page.csp });
    res.end(method === 'HEAD' ? undefined : page.html);
  }

  /** An API route, timed into the operation metrics. */
  private async route(req: http.IncomingMessage, res: http.ServerResponse, url: URL, method: string, body: Buffer): Promise<void> {
    const match = this.router.match(method, url.pathname);
    if (match instanceof HttpError) return sendError(res, match);
    const name = `${method === 'HEAD' ? 'GET' : method} ${match.route.pattern}`;
    const t0 = performance.now();
    let failed = false;
    try {
      const result = await match.route.handler({ req, res, url, params: match.params, body });
      if (result !== undefined) sendJson(res, 200, result);
    } catch (err) {
      failed = true;
      sendError(res, toHttpError(err, this.log));
    } finally {
      this.ops.record(name, performance.now() - t0, failed);
    }
  }

  /** `/ws`, behind the same gates and token as every request. */
  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const refusal =
      this.admit(req) ??
      (new URL(req.url ?? '/', 'http://x').pathname !== '/ws' ? new HttpError(404, 'no such endpoint') : undefined) ??
      (this.authenticated(req) ? undefined : new HttpError(401, 'a valid token is required'));
    if (refusal) {
      const body = JSON.stringify({ error: { code: refusal.code, message: refusal.message } });
      socket.end(`HTTP/1.1 ${refusal.status} ${http.STATUS_CODES[refusal.status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.ops.record('WS connect', 0);
      this.hub.attach(ws);
    });
  }
}

/** A host as it stands in a URL (an IPv6 address in brackets). */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function toHttpError(err: unknown, log: (line: string) => void): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof StoreError) return new HttpError(err.code === 'AMBIGUOUS_ID' ? 400 : 503, oneLine(err));
  if (err instanceof UserError) return new HttpError(400, oneLine(err));
  log(`internal error: ${oneLine(err)}`);
  return new HttpError(500, 'internal error (see the output of `stepflow serve`)');
}

/** dist/ next to the bundle (dist/sidecar.js), or the repo's dist/ when running from source. */
function defaultAssetsDir(): string {
  const candidates = [__dirname, path.resolve(__dirname, '..', '..', 'dist')];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'webview.js'))) ?? candidates[0]!;
}
