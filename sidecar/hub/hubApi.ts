// The hub's REST API: the routes the dashboard reads (the same paths and answers as the
// local service's sidecar/server/api.ts, from PostgreSQL, plus `host`/`user` and the
// per-machine statistics) and the two a shipping machine writes (docs/spec.md §10).
import { DEFAULT_PAGE, MAX_LOG_LINES, MAX_PAGE, pageRuns, type HistoryQuery } from '../protocol/history';
import { isShippedLog, isShippedRun, type ShippedLogAck } from '../protocol/hub';
import type { RunRecord, RunStatus } from '../protocol/model';
import { HttpError, intParam, parseJsonBody, timeParam, type Router } from '../server/http';
import type { HubStore } from './hubStore';

export interface HubApiDeps {
  store: HubStore;
  version: string;
  startedAt: number;
  /** A run was stored or replaced: tell the dashboards that follow it. */
  stored(record: RunRecord): void;
}

const STATUSES: RunStatus[] = ['running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'interrupted'];
/** Run ids as StepFlow makes them (and nothing that could be mistaken for a path). */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

export function registerHubApi(router: Router, deps: HubApiDeps): void {
  const { store } = deps;

  router.add('GET', '/api/health', async () => ({
    status: 'ok',
    hub: true,
    version: deps.version,
    uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
    database: store.url,
    ...(await store.counts()),
  }));

  router.add('GET', '/api/executions', ({ url }) => {
    const query = runQuery(url.searchParams);
    return pageRuns(query, (page) => store.listRuns({ ...page, ...(query.host ? { host: query.host } : {}) }));
  });

  router.add('GET', '/api/executions/:id', async ({ params }) => {
    const run = await store.getRun(params.id!);
    if (!run) throw new HttpError(404, `no run with id "${params.id}"`);
    // The files stay on the machine that ran the script: the hub holds their metadata only.
    return { ...run, artifacts: run.artifacts.map((a) => ({ ...a, outsideRun: true })) };
  });

  router.add('GET', '/api/executions/:id/log', async ({ params, url }) => {
    const from = intParam(url.searchParams, 'from', 1, 1, Number.MAX_SAFE_INTEGER);
    const limit = intParam(url.searchParams, 'limit', 1000, 1, MAX_LOG_LINES);
    const run = await store.getRun(params.id!);
    if (!run) throw new HttpError(404, `no run with id "${params.id}"`);
    const lines = await store.readLog(run.id, from, limit);
    const last = lines.at(-1)?.line;
    return { runId: run.id, from, lines, nextFrom: last === undefined ? from : last + 1 };
  });

  router.add('GET', '/api/executions/:id/expectations', async ({ params }) => {
    const run = await store.getRun(params.id!);
    if (!run) throw new HttpError(404, `no run with id "${params.id}"`);
    return { runId: run.id, expectations: await store.runExpectations(run.script, Date.parse(run.startedAt)) };
  });

  router.add('GET', '/api/executions/:id/artifacts/:index', () => {
    throw new HttpError(404, 'artifacts stay on the machine that ran the script; the hub keeps their names only');
  });

  router.add('GET', '/api/logs/search', async ({ url }) => {
    const text = url.searchParams.get('q') ?? '';
    if (!text.trim()) throw new HttpError(400, 'q (the text to find) is required');
    const runId = url.searchParams.get('runId') ?? undefined;
    const limit = intParam(url.searchParams, 'limit', 100, 1, 1000);
    return { hits: await store.searchLogs(text, { limit, ...(runId ? { runId } : {}) }) };
  });

  // Across machines (`steps`, and each machine's in `byHost`), or one machine's with ?host=.
  router.add('GET', '/api/statistics', async ({ url }) => {
    const script = url.searchParams.get('script') || undefined;
    const host = url.searchParams.get('host') || undefined;
    const { steps, byHost } = await store.stepStatistics(script, host);
    return { runsByStatus: await store.runsByStatus(), scripts: await store.scriptStatistics(script, host), steps, byHost };
  });

  router.add('GET', '/api/hosts', async () => ({ hosts: await store.hosts() }));

  // ── what machines send ─────────────────────────────────────────────────────────────

  router.add('POST', '/api/hub/runs/:id/log', async ({ req, params, body }) => {
    const runId = runIdParam(params.id);
    const chunk = parseJsonBody(req, body);
    if (!isShippedLog(chunk)) throw new HttpError(400, 'expected {"lines": [{"line", "stream", "at", "text"}, …]}');
    const stored = await store.addLogLines(runId, chunk.lines);
    return { stored } satisfies ShippedLogAck;
  });

  router.add('PUT', '/api/hub/runs/:id', async ({ req, params, body }) => {
    const runId = runIdParam(params.id);
    const shipped = parseJsonBody(req, body);
    if (!isShippedRun(shipped)) throw new HttpError(400, 'expected {"host": string, "user": string, "run": <a finished run record>}');
    if (shipped.run.id !== runId) throw new HttpError(400, `the record's id "${shipped.run.id}" is not the run id of the path`);
    if (shipped.run.status === 'running') throw new HttpError(400, 'only finished runs are stored');
    const host = shipped.host.trim().slice(0, 200) || 'unknown';
    const user = shipped.user.trim().slice(0, 200) || 'unknown';
    await store.putRun(host, user, shipped.run, shipped.lines ?? []);
    deps.stored({ ...shipped.run, host, user });
    return { id: runId, stored: true };
  });
}

function runIdParam(id: string | undefined): string {
  if (!id || !RUN_ID.test(id)) throw new HttpError(400, 'malformed run id');
  return id;
}

/** The local API's run-list query string, plus ?host=. */
function runQuery(q: URLSearchParams): HistoryQuery & { host?: string } {
  const limit = intParam(q, 'limit', DEFAULT_PAGE, 1, MAX_PAGE);
  const status = q.getAll('status').flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  for (const s of status) if (!STATUSES.includes(s as RunStatus)) throw new HttpError(400, `unknown status "${s}" (one of ${STATUSES.join(', ')})`);
  const cursor = q.get('cursor');
  if (cursor !== null && cursor !== '' && !/^\d+\.\d+$/.test(cursor)) throw new HttpError(400, 'malformed cursor');
  const query: HistoryQuery & { host?: string } = { limit };
  if (status.length) query.status = status;
  for (const key of ['script', 'profile', 'search', 'host', 'cursor'] as const) {
    const value = q.get(key);
    if (value) query[key] = value;
  }
  const since = timeParam(q, 'since');
  if (since !== undefined) query.since = since;
  const until = timeParam(q, 'until');
  if (until !== undefined) query.until = until;
  return query;
}


