// Small HTTP helpers for the service: JSON answers with proper status codes and no stack
// traces, bounded JSON bodies, and a route table with `:param` segments.
import type * as http from 'node:http';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = statusCode(status),
  ) {
    super(message);
  }
}

function statusCode(status: number): string {
  return (
    { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed', 409: 'conflict', 413: 'payload_too_large', 415: 'unsupported_media_type' }[status] ??
    (status >= 500 ? 'internal_error' : 'error')
  );
}

/** Headers every answer carries: nothing is cached, sniffed, framed or sent as a referrer. */
export const BASE_HEADERS: Record<string, string> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...BASE_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: http.ServerResponse, err: HttpError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.status, { error: { code: err.code, message: err.message } });
}

/** Reads a JSON body of at most `limit` bytes: 413 beyond, 415 for another type, 400 for bad JSON. */
export function readJsonBody(req: http.IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      req.resume();
      reject(new HttpError(415, 'the body must be application/json'));
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new HttpError(413, `the body is larger than ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new HttpError(413, `the body is larger than ${limit} bytes`));
        return; // keep draining so the answer can be sent on this connection
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      if (!failed) reject(new HttpError(400, 'the body could not be read'));
      failed = true;
    });
    req.on('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(400, 'the body is not valid JSON'));
      }
    });
  });
}

export interface RouteContext {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  params: Record<string, string>;
}

export type Handler = (ctx: RouteContext) => unknown | Promise<unknown>;

interface Route {
  method: string;
  pattern: string;
  segments: string[];
  handler: Handler;
}

/** Routes like `/api/executions/:id/log`; a handler's return value is sent as JSON (200), unless it answered itself. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, pattern, segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  /** The matching route, or an HttpError (404 unknown path, 405 known path with another method). */
  match(method: string, pathname: string): { route: Route; params: Record<string, string> } | HttpError {
    let raw: string[];
    try {
      raw = pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
    } catch {
      return new HttpError(400, 'malformed path');
    }
    let pathMatched = false;
    for (const route of this.routes) {
      if (route.segments.length !== raw.length) continue;
      const params: Record<string, string> = {};
      const ok = route.segments.every((seg, i) => (seg.startsWith(':') ? ((params[seg.slice(1)] = raw[i]!), true) : seg === raw[i]));
      if (!ok) continue;
      pathMatched = true;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
    }
    return pathMatched ? new HttpError(405, `${method} is not allowed here`) : new HttpError(404, `no such endpoint: ${pathname}`);
  }
}
