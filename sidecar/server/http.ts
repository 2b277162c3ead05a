// Small HTTP helpers for the service: JSON answers with proper status codes and no stack
// traces, one limit on every request body, and a route table with `:param` segments.
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';

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
  // A refused request whose body was not read in full: the rest is not read either, and
  // the connection closes after the answer (it could not carry another request anyway).
  const unread = res.req !== undefined && !res.req.complete;
  sendJson(res, err.status, { error: { code: err.code, message: err.message } }, unread ? { Connection: 'close' } : {});
}

/** The one limit on request bodies, for every route (README: HTTP API). */
export const MAX_BODY_BYTES = 64 * 1024;

const tooLarge = (limit: number) => new HttpError(413, `the body is larger than ${limit} bytes (${Math.round(limit / 1024)} KiB), the limit of every request`);

/** 413 when a request declares a body larger than `limit` (checked before anything is read). */
export function declaredBodyTooLarge(req: http.IncomingMessage, limit: number): HttpError | undefined {
  const declared = req.headers['content-length'];
  return declared !== undefined && Number(declared) > limit ? tooLarge(limit) : undefined;
}

const EMPTY = Buffer.alloc(0);

/**
 * Reads a request's body, at most `limit` bytes: 413 without reading for a larger
 * Content-Length, and — for a chunked body — as soon as the bytes counted pass the limit
 * (reading then stops; the connection closes after the answer). Nothing beyond the limit
 * is ever buffered.
 */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = declaredBodyTooLarge(req, limit);
  if (declared) return Promise.reject(declared);
  const length = req.headers['content-length'];
  if ((length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined) {
    req.resume(); // nothing to read; lets 'end' happen
    return Promise.resolve(EMPTY);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onFail);
      req.off('close', onFail);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onFail = () => {
      cleanup();
      reject(new HttpError(400, 'the body could not be read'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onFail);
    req.on('close', onFail);
  });
}

/** A JSON body already read by readBody: 415 for another type, 400 for bad JSON; empty is {}. */
export function parseJsonBody(req: http.IncomingMessage, body: Buffer): unknown {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, 'the body must be application/json');
  const text = body.toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}

export interface RouteContext {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  params: Record<string, string>;
  /** The request's body (at most the body limit; empty without one), read before the route runs. */
  body: Buffer;
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

/** A whole-number query parameter, clamped to [min, max]; `fallback` when absent. */
export function intParam(q: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = q.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new HttpError(400, `${name} must be a whole number`);
  return Math.min(max, Math.max(min, Number(raw)));
}

/** A time query parameter: ms since the epoch, or an ISO date/time. */
export function timeParam(q: URLSearchParams, name: string): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  const value = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(value)) throw new HttpError(400, `${name} must be a time (ms since the epoch or an ISO date)`);
  return value;
}

/** The built files the dashboard page loads (from dist/), by name, with their content types. */
export const DASHBOARD_ASSETS: Record<string, string> = {
  'webview.js': 'text/javascript; charset=utf-8',
  'webview.js.map': 'application/json; charset=utf-8',
  'codicon.css': 'text/css; charset=utf-8',
  'codicon.ttf': 'font/ttf',
};

/** Answers with one of DASHBOARD_ASSETS from `assetsDir`; 404 for any other name. */
export function sendAsset(res: http.ServerResponse, assetsDir: string, asset: string): void {
  const type = DASHBOARD_ASSETS[asset];
  if (!type) return sendError(res, new HttpError(404, 'no such asset'));
  let body: Buffer;
  try {
    body = fs.readFileSync(path.join(assetsDir, asset));
  } catch {
    return sendError(res, new HttpError(404, `${asset} is not built (npm run build)`));
  }
  res.writeHead(200, { ...BASE_HEADERS, 'Content-Type': type, 'Content-Length': body.length });
  res.end(body);
}
