// The REST API of `stepflow serve` (docs/spec.md §7; the README lists the endpoints). Every
// answer is JSON except artifact downloads; errors are {error: {code, message}} with a
// fitting status.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_PAGE, MAX_LOG_LINES, MAX_PAGE, pageRuns, type HistoryQuery } from '../protocol/history';
import { arrayOf, isString, nullable, objectOf, optional } from '../protocol/messages';
import type { RunStatus } from '../protocol/model';
import type { RunManager } from '../runs/runManager';
import type { Store } from '../store/store';
import { BASE_HEADERS, HttpError, intParam, parseJsonBody, timeParam, type RouteContext, type Router } from './http';
import type { LiveHub } from './liveHub';
import type { OperationMetrics } from './metrics';
import { statistics } from './statistics';
import { artifactRoots, flagArtifacts, locateArtifact } from './artifactAccess';

export interface ApiDeps {
  store: Store;
  runs: RunManager;
  hub: LiveHub;
  ops: OperationMetrics;
  version: string;
  startedAt: number;
  maxBodyBytes: number;
}

const STATUSES: RunStatus[] = ['running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'interrupted'];

interface StartBody {
  script: string;
  args?: string[];
  cwd?: string;
  profile?: string | null;
}
const isStartBody = objectOf<StartBody>({ script: isString, args: optional(arrayOf(isString, 1000)), cwd: optional(isString), profile: optional(nullable(isString)) });

export function registerApi(router: Router, deps: ApiDeps): void {
  const { store, runs, hub } = deps;

  router.add('GET', '/api/health', () => ({
    status: 'ok',
    version: deps.version,
    pid: process.pid,
    uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
    database: store.file,
    readOnly: store.readOnly,
    activeRuns: runs.activeCount,
  }));

  router.add('GET', '/api/health/metrics', () => metrics(deps));

  // `stepflow serve --read-only`, or a database StepFlow may not write: everything is
  // readable, nothing may write (409 with code read_only).
  const refuseWrites = (what: string) => {
    if (store.readOnly) throw new HttpError(409, `the database ${store.file} is open read-only: ${what}`, 'read_only');
  };

  router.add('POST', '/api/health/optimize', () => {
    refuseWrites('it cannot be optimized here');
    const t0 = performance.now();
    const { checkpoint } = store.optimize();
    return { checkpoint, analyzed: true, optimized: true, durationMs: Math.round((performance.now() - t0) * 10) / 10 };
  });

  router.add('GET', '/api/executions', ({ url }) => pageRuns(runQuery(url.searchParams), (query) => store.listRuns(query)));

  router.add('POST', '/api/executions', async ({ req, res, body: raw }) => {
    const body = parseJsonBody(req, raw);
    refuseWrites('runs cannot be started here');
    if (!isStartBody(body)) throw new HttpError(400, 'expected {"script": string, "args"?: string[], "cwd"?: string, "profile"?: string}');
    const script = path.resolve(body.script);
    const profileName = body.profile ?? null;
    // RunManager resolves the rest from the script's stepflow.json, as for every run (runs/runConfig.ts).
    const id = await runs.start({ script, args: body.args ?? [], ...(body.cwd ? { cwd: path.resolve(body.cwd) } : {}), profileName });
    return created(res, { id, status: 'running', links: { self: `/api/executions/${id}`, log: `/api/executions/${id}/log` } });
  });

  router.add('GET', '/api/executions/:id', ({ params }) => {
    const run = hub.liveRecord(params.id!) ?? store.getRun(params.id!);
    if (!run) throw new HttpError(404, `no run with id "${params.id}"`);
    return flagArtifacts(run); // artifacts the download route refuses are marked for the dashboard
  });

  router.add('GET', '/api/executions/:id/log', ({ params, url }) => {
    const from = intParam(url.searchParams, 'from', 1, 1, Number.MAX_SAFE_INTEGER);
    const limit = intParam(url.searchParams, 'limit', 1000, 1, MAX_LOG_LINES);
    const run = store.getRun(params.id!) ?? hub.liveRecord(params.id!);
    if (!run) throw new HttpError(404, `no run with id "${params.id}"`);
    const lines = store.readLog(run.id, from, limit);
    const last = lines.at(-1)?.line;
    return { runId: run.id, from, lines, nextFrom: last === undefined ? from : last + 1 };
  });

  router.add('POST', '/api/executions/:id/cancel', ({ params }) => {
    const run = hub.liveRecord(params.id!) ?? store.getRun(params.id!);
    if (!run) throw new HttpError(404, `no run with id "${params.id}"`);
    // Ours, or a run another StepFlow process of this user runs on this machine.
    const answer = runs.cancelAnywhere(run.id);
    if (!answer.cancelled) throw new HttpError(409, run.status === 'running' ? answer.reason : `that run is not running (${run.status})`);
    return { id: run.id, cancelled: true };
  });

  router.add('GET', '/api/executions/:id/artifacts/:index', (ctx) => sendArtifact(store, ctx));

  // The progress/ETA of a run the dashboard did not see start (its runStarted carried them).
  router.add('GET', '/api/executions/:id/expectations', ({ params }) => {
    const run = hub.liveRecord(params.id!) ?? store.getRun(params.id!);
    if (!run) throw new HttpError(404, `no run with id "${params.id}"`);
    // History before the run started: the run must not be part of what it expects.
    return { runId: run.id, expectations: store.runExpectations(run.script, Date.parse(run.startedAt)) };
  });

  router.add('GET', '/api/logs/search', ({ url }) => {
    const text = url.searchParams.get('q') ?? '';
    if (!text.trim()) throw new HttpError(400, 'q (the text to find) is required');
    const runId = url.searchParams.get('runId') ?? undefined;
    const limit = intParam(url.searchParams, 'limit', 100, 1, 1000);
    return { hits: store.searchLogs(text, { limit, ...(runId ? { runId } : {}) }) };
  });

  router.add('GET', '/api/statistics', ({ url }) => {
    const script = url.searchParams.get('script');
    return statistics(store, script ? path.resolve(script) : undefined);
  });
}

function created(res: RouteContext['res'], body: unknown): undefined {
  const text = JSON.stringify(body);
  res.writeHead(201, { ...BASE_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
  return undefined;
}

/** GET /api/executions?status=…&script=…&profile=…&search=…&since=…&until=…&cursor=…&limit=… as the one run-list query. */
function runQuery(q: URLSearchParams): HistoryQuery {
  const limit = intParam(q, 'limit', DEFAULT_PAGE, 1, MAX_PAGE);
  const status = q.getAll('status').flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  for (const s of status) if (!STATUSES.includes(s as RunStatus)) throw new HttpError(400, `unknown status "${s}" (one of ${STATUSES.join(', ')})`);
  const cursor = q.get('cursor');
  if (cursor !== null && !/^\d+\.\d+$/.test(cursor)) throw new HttpError(400, 'malformed cursor');
  const query: HistoryQuery = { limit };
  if (status.length) query.status = status;
  const script = q.get('script');
  if (script) query.script = script;
  const profile = q.get('profile');
  if (profile) query.profile = profile;
  const search = q.get('search');
  if (search) query.search = search;
  const since = timeParam(q, 'since');
  if (since !== undefined) query.since = since;
  const until = timeParam(q, 'until');
  if (until !== undefined) query.until = until;
  if (cursor) query.cursor = cursor;
  return query;
}

function sendArtifact(store: Store, { params, res, req }: RouteContext): undefined {
  // Only an index into the run's recorded artifacts: a request never names a path.
  if (!/^\d{1,6}$/.test(params.index!)) throw new HttpError(400, 'the artifact is named by its index in the run (0, 1, …), not by a path');
  const run = store.getRun(params.id!);
  if (!run) throw new HttpError(404, `no run with id "${params.id}"`);
  const artifact = run.artifacts[Number(params.index)];
  if (!artifact) throw new HttpError(404, `run ${run.id} has no artifact #${params.index}`);
  // The run chose the path (`ARTIFACT:../../etc/passwd`, a symlink out of its folder): only
  // files inside its folder or a configured root are served (artifactAccess.ts).
  const place = locateArtifact(artifact.path, artifactRoots(run));
  if (!place.inside) throw new HttpError(place.reason === 'missing' ? 404 : 403, place.message);
  // The resolved path is opened, so a link swapped in after the check is not followed.
  let fd: number;
  try {
    fd = fs.openSync(place.realPath, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  } catch {
    throw new HttpError(404, `the artifact file no longer exists: ${path.basename(artifact.path)}`);
  }
  let stat: fs.Stats;
  try {
    stat = fs.fstatSync(fd);
  } catch {
    fs.closeSync(fd);
    throw new HttpError(404, `the artifact file no longer exists: ${path.basename(artifact.path)}`);
  }
  if (!stat.isFile()) {
    fs.closeSync(fd);
    throw new HttpError(404, `the artifact is not a file: ${path.basename(artifact.path)}`);
  }
  const name = path.basename(artifact.path);
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  res.writeHead(200, {
    ...BASE_HEADERS,
    'Content-Type': 'application/octet-stream',
    'Content-Length': stat.size,
    'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    'Content-Security-Policy': "default-src 'none'; sandbox",
  });
  if (req.method === 'HEAD') {
    fs.closeSync(fd);
    res.end();
    return undefined;
  }
  const stream = fs.createReadStream('', { fd, start: 0, end: Math.max(0, stat.size - 1) });
  stream.on('error', () => res.destroy());
  if (stat.size === 0) {
    stream.destroy();
    res.end();
    return undefined;
  }
  stream.pipe(res);
  return undefined;
}

function metrics(deps: ApiDeps): unknown {
  const { store, hub, runs } = deps;
  const m = store.metrics();
  return {
    uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
    database: {
      file: store.file,
      journalMode: m.journalMode,
      walEnabled: m.journalMode.toLowerCase() === 'wal',
      synchronous: m.synchronous,
      schemaVersion: m.schemaVersion,
      sizeBytes: m.dbBytes + m.walBytes + m.logFileBytes,
      dbBytes: m.dbBytes,
      walBytes: m.walBytes,
      logFileBytes: m.logFileBytes,
      pageSize: m.pageSize,
      pageCount: m.pageCount,
      freePages: m.freePages,
      cacheSizeKiB: m.cacheSizeKiB,
      mmapSizeBytes: m.mmapSizeBytes,
      // SQLite counts page-cache hits per connection (sqlite3_db_status), which better-sqlite3 does not expose.
      cacheHitRatio: null,
      dataVersion: m.dataVersion,
    },
    runs: { total: m.runs, byStatus: m.runsByStatus, activeHere: runs.activeCount },
    websocket: { clients: hub.clientCount, messagesSent: hub.messagesSent, bytesSent: hub.bytesSent },
    memory: process.memoryUsage(),
    operations: deps.ops.snapshot(),
  };
}


