// `stepflow serve --hub postgres://…`: the team hub. One HTTP server for the dashboard page
// (the local service's, sidecar/server/page.ts), its REST API from PostgreSQL (hubApi.ts),
// the routes machines ship runs to, and a WebSocket that sends the dashboards each run as
// it is stored. Every request, the page included, needs a live token of the hub's database
// (`stepflow hub token create`): `Authorization: Bearer`, or the cookie the page gets when
// opened once with ?token=. Meant to listen on loopback or a private address behind a
// TLS-terminating reverse proxy (README, "Team hub"): it speaks plain HTTP itself.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { HUB_MAX_BODY_BYTES } from '../protocol/hub';
import { LiveHello, LiveSnapshot, LiveSubscribe, LiveSubscribed, LiveUnsubscribe, MAX_RECENT_RUNS_IN_ACK, RECENT_RUNS_IN_ACK, Subscriptions } from '../protocol/live';
import type { NotificationMessage } from '../protocol/messages';
import type { RunRecord } from '../protocol/model';
import { bearerToken, cookieValue } from '../server/auth';
import { BASE_HEADERS, HttpError, Router, declaredBodyTooLarge, readBody, sendAsset, sendError, sendJson } from '../server/http';
import { dashboardPage } from '../server/page';
import { acceptsHtml, unauthorizedPage, type UnauthorizedReason } from '../server/unauthorizedPage';
import { UserError, oneLine } from '../util/errors';
import { registerHubApi } from './hubApi';
import type { HubStore } from './hubStore';

export interface HubServeOptions {
  store: HubStore;
  /** Default 127.0.0.1 (put a TLS reverse proxy in front to serve other machines). */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  assetsDir?: string;
  version?: string;
  log?: (line: string) => void;
}

export interface HubServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const COOKIE = 'stepflow_hub_token';
export async function startHubServer(options: HubServeOptions): Promise<HubServer> {
  const hub = new HubService(options);
  await hub.listen(options.port);
  return hub;
}

class HubService implements HubServer {
  private readonly store: HubStore;
  private readonly host: string;
  private readonly log: (line: string) => void;
  private readonly assetsDir: string;
  private readonly version: string;
  private readonly router = new Router();
  private readonly server: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });
  private readonly clients = new Map<WebSocket, Subscriptions>();
  private boundPort = 0;

  constructor(options: HubServeOptions) {
    this.store = options.store;
    this.host = options.host ?? '127.0.0.1';
    this.log = options.log ?? ((line) => process.stderr.write(`stepflow hub: ${line}\n`));
    this.assetsDir = options.assetsDir ?? defaultAssetsDir();
    this.version = options.version ?? '0.0.0-dev';
    registerHubApi(this.router, { store: this.store, version: this.version, startedAt: Date.now(), stored: (run) => this.broadcast(run) });
    this.server = http.createServer({ requestTimeout: 60_000, headersTimeout: 15_000, maxHeaderSize: 16 * 1024 }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => sendError(res, this.toHttpError(err)));
    });
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      this.upgrade(req, socket, head).catch(() => socket.destroy());
    });
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.boundPort}`;
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) =>
        reject(err.code === 'EADDRINUSE' ? new UserError(`port ${port} on ${this.host} is in use — pick another with --port (0: any free port)`) : err);
      this.server.once('error', onError);
      this.server.listen(port, this.host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const ws of this.clients.keys()) ws.terminate();
    this.wss.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ── gates ────────────────────────────────────────────────────────────────────────────

  /** A page of another site must not drive the hub with the user's cookie. */
  private admit(req: http.IncomingMessage): HttpError | undefined {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let originHost: string | undefined;
      try {
        originHost = new URL(origin).host.toLowerCase();
      } catch {
        originHost = undefined;
      }
      if (originHost !== (req.headers.host ?? '').toLowerCase()) return new HttpError(403, 'requests from other origins are refused');
    }
    if (req.headers['sec-fetch-site'] === 'cross-site') return new HttpError(403, 'cross-site requests are refused');
    return undefined;
  }

  private presentedToken(req: http.IncomingMessage): string | undefined {
    return bearerToken(req.headers.authorization) ?? cookieValue(req.headers.cookie, COOKIE);
  }

  private refuseToken(req: http.IncomingMessage, res: http.ServerResponse, reason: UnauthorizedReason, err: HttpError): void {
    const method = req.method ?? 'GET';
    const isApi = (req.url ?? '/').startsWith('/api/');
    if (isApi || (method !== 'GET' && method !== 'HEAD') || !acceptsHtml(req.headers.accept)) return sendError(res, err);
    const page = unauthorizedPage(reason, `${viaHttps(req) ? 'https' : 'http'}://${req.headers.host ?? ''}`);
    res.writeHead(401, { ...BASE_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': page.csp, 'Content-Length': Buffer.byteLength(page.html) });
    res.end(method === 'HEAD' ? undefined : page.html);
  }

  // ── requests ─────────────────────────────────────────────────────────────────────────

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const refused = this.admit(req) ?? declaredBodyTooLarge(req, HUB_MAX_BODY_BYTES);
    if (refused) return sendError(res, refused);
    const rawPath = (req.url ?? '/').split('?', 1)[0]!;
    if (/(^|\/)(\.|%2e){1,2}(\/|$)/i.test(rawPath)) return sendError(res, new HttpError(400, 'paths with . or .. segments are refused'));
    const url = new URL(req.url ?? '/', 'http://hub');
    const method = req.method ?? 'GET';
    if (url.pathname === '/' && method === 'GET' && url.searchParams.has('token')) return this.takeToken(req, res, url.searchParams.get('token') ?? '');
    if (!(await this.store.tokenValid(this.presentedToken(req)))) {
      return this.refuseToken(req, res, 'missing', new HttpError(401, 'a valid hub token is required: Authorization: Bearer <token> (stepflow hub token create)'));
    }
    let body: Buffer;
    try {
      body = await readBody(req, HUB_MAX_BODY_BYTES);
    } catch (err) {
      return sendError(res, this.toHttpError(err));
    }
    if (url.pathname === '/' && (method === 'GET' || method === 'HEAD')) {
      const page = dashboardPage(`${viaHttps(req) ? 'wss' : 'ws'}://${req.headers.host}`);
      res.writeHead(200, { ...BASE_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': page.csp });
      res.end(method === 'HEAD' ? undefined : page.html);
      return;
    }
    if (url.pathname.startsWith('/assets/') && method === 'GET') return sendAsset(res, this.assetsDir, url.pathname.slice('/assets/'.length));
    const match = this.router.match(method, url.pathname);
    if (match instanceof HttpError) return sendError(res, match);
    const result = await match.route.handler({ req, res, url, params: match.params, body });
    if (result !== undefined) sendJson(res, 200, result);
  }

  /** `/?token=…`: a live token moves into an HttpOnly cookie (Secure behind HTTPS) and out of the address bar. */
  private async takeToken(req: http.IncomingMessage, res: http.ServerResponse, token: string): Promise<void> {
    if (!(await this.store.tokenValid(token)) || !/^[\w-]+$/.test(token)) return this.refuseToken(req, res, 'wrong', new HttpError(401, 'wrong or revoked token'));
    const secure = viaHttps(req) ? '; Secure' : '';
    res.writeHead(303, { ...BASE_HEADERS, Location: '/', 'Set-Cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/${secure}` });
    res.end();
  }

  private toHttpError(err: unknown): HttpError {
    if (err instanceof HttpError) return err;
    if (err instanceof UserError) return new HttpError(400, oneLine(err));
    // The database is down or restarting: the client retries (a shipper with backoff).
    this.log(`internal error: ${oneLine(err)}`);
    return new HttpError(503, 'the hub could not reach its database; try again');
  }

  // ── the live feed: each stored run, to the dashboards that follow it ────────────────

  private async upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const refusal =
      this.admit(req) ??
      (new URL(req.url ?? '/', 'http://hub').pathname !== '/ws' ? new HttpError(404, 'no such endpoint') : undefined) ??
      ((await this.store.tokenValid(this.presentedToken(req))) ? undefined : new HttpError(401, 'a valid hub token is required'));
    if (refusal) {
      const body = JSON.stringify({ error: { code: refusal.code, message: refusal.message } });
      socket.end(`HTTP/1.1 ${refusal.status} ${http.STATUS_CODES[refusal.status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws));
  }

  private attach(ws: WebSocket): void {
    const subscriptions = new Subscriptions();
    this.clients.set(ws, subscriptions);
    ws.on('close', () => this.clients.delete(ws));
    ws.on('error', () => ws.terminate());
    ws.on('message', (data) => {
      let message: unknown;
      try {
        message = JSON.parse(String(data));
      } catch {
        return;
      }
      if (LiveSubscribe.is(message)) {
        subscriptions.apply(true, message.params);
        void this.acknowledge(ws, message.params.runId, message.params.recent);
      } else if (LiveUnsubscribe.is(message)) {
        subscriptions.apply(false, message.params);
      }
    });
    send(ws, LiveHello.create({ server: 'stepflow', version: this.version }));
  }

  /** The hub stores only finished runs, which do not change: no events, so every ack has seq 0. */
  private async acknowledge(ws: WebSocket, runId: string | null, recent: number | undefined): Promise<void> {
    let runs: RunRecord[] = [];
    try {
      if (runId === null) runs = await this.store.recentRecords(Math.min(Math.max(1, recent ?? RECENT_RUNS_IN_ACK), MAX_RECENT_RUNS_IN_ACK));
      else {
        const run = await this.store.getRun(runId);
        runs = run ? [run] : [];
      }
    } catch (err) {
      this.log(`live subscription: ${oneLine(err)}`);
    }
    send(ws, LiveSubscribed.create({ runId, seq: 0, runs }));
  }

  private broadcast(run: RunRecord): void {
    for (const [ws, subscriptions] of this.clients) {
      if (subscriptions.all || subscriptions.runs.has(run.id)) send(ws, LiveSnapshot.create({ runs: [run] }));
    }
  }
}

function send(ws: WebSocket, message: NotificationMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}

/** Behind a TLS-terminating reverse proxy that says so (X-Forwarded-Proto: https). */
function viaHttps(req: http.IncomingMessage): boolean {
  return String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]!.trim().toLowerCase() === 'https';
}

function defaultAssetsDir(): string {
  const candidates = [__dirname, path.resolve(__dirname, '..', '..', 'dist')];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'webview.js'))) ?? candidates[0]!;
}
