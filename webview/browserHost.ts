// The browser dashboard host: the REST API and the /ws WebSocket of `stepflow serve`, on
// the page's own origin. The token is an HttpOnly cookie set when the page was opened with
// ?token=, so this code never sees it. The WebSocket reconnects when lost; every
// subscription is acknowledged (live/subscribed) with the target's records as of that
// moment, and after a reconnect the views reload when those acks arrive, never before —
// so nothing that happened while the connection was down or the subscription in flight is
// lost (sidecar/protocol/live.ts).
import type { HistoryQuery, LogLine, LogSearchHit, RunPage } from '../sidecar/protocol/history';
import type { Statistics } from '../sidecar/protocol/statistics';
import { LiveSubscribe, LiveUnsubscribe } from '../sidecar/protocol/live';
import type { RunRecord } from '../sidecar/protocol/model';
import type { RunExpectations } from '../sidecar/protocol/stats';
import type { StepflowDataSource, ViewState } from './dataSource';
import { LiveDemux } from './liveDemux';

const STATE_KEY = 'stepflow.history.state';

async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, { credentials: 'same-origin', ...init });
  const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
  if (!res.ok) throw new Error(body.error?.message ?? `${res.status} ${res.statusText}`);
  return body as T;
}

function queryString(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function createBrowserHost(): StepflowDataSource {
  let socket: WebSocket | null = null;
  let retryMs = 500;
  const demux = new LiveDemux((subscribe, runId) => {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify((subscribe ? LiveSubscribe : LiveUnsubscribe).create({ runId })));
  });
  let connectedOnce = false;
  const connect = () => {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    socket = ws;
    ws.addEventListener('open', () => {
      retryMs = 500;
      const targets = demux.targets();
      if (connectedOnce) demux.resyncWhenAcknowledged(targets);
      for (const runId of targets) ws.send(JSON.stringify(LiveSubscribe.create({ runId })));
      connectedOnce = true;
    });
    ws.addEventListener('message', (e) => {
      try {
        demux.receive(JSON.parse(String(e.data)));
      } catch {
        // not JSON: ignored
      }
    });
    ws.addEventListener('close', () => {
      socket = null;
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    });
  };
  connect();

  return {
    artifactAction: 'download',
    listRuns: (query: HistoryQuery) =>
      api<RunPage>(
        `/api/executions${queryString({
          status: query.status?.join(','),
          script: query.script,
          profile: query.profile,
          search: query.search,
          since: query.since,
          until: query.until,
          cursor: query.cursor,
          limit: query.limit,
        })}`,
      ),
    getRun: async (runId) => {
      try {
        return await api<RunRecord>(`/api/executions/${encodeURIComponent(runId)}`);
      } catch (err) {
        if (err instanceof Error && /^no run/.test(err.message)) return null;
        throw err;
      }
    },
    readLog: async (runId, fromLine, maxLines) =>
      (await api<{ lines: LogLine[] }>(`/api/executions/${encodeURIComponent(runId)}/log${queryString({ from: fromLine, limit: maxLines })}`)).lines,
    searchLogs: async ({ text, runId, limit }) => (await api<{ hits: LogSearchHit[] }>(`/api/logs/search${queryString({ q: text, runId, limit })}`)).hits,
    stepStats: async (script) => (await api<Statistics>(`/api/statistics${queryString({ script })}`)).steps,
    runExpectations: async (runId) =>
      (await api<{ expectations: RunExpectations | null }>(`/api/executions/${encodeURIComponent(runId)}/expectations`)).expectations,
    subscribe: (runId, listener) => demux.add(runId, listener),
    openArtifact: async (runId, index) => {
      const a = document.createElement('a');
      a.href = `/api/executions/${encodeURIComponent(runId)}/artifacts/${index}`;
      a.download = '';
      a.click();
    },
    copyText: async (text) => {
      if (navigator.clipboard) return navigator.clipboard.writeText(text);
      const area = document.createElement('textarea');
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    },
    cancelRun: async (runId) =>
      (await api<{ cancelled: boolean }>(`/api/executions/${encodeURIComponent(runId)}/cancel`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).cancelled,
    loadState: () => {
      const hashRun = /^#run=([\w-]+)$/.exec(location.hash)?.[1];
      let saved: Partial<ViewState> = {};
      try {
        saved = JSON.parse(localStorage.getItem(STATE_KEY) ?? '{}') as Partial<ViewState>;
      } catch {
        saved = {};
      }
      return { query: saved.query ?? {}, tab: saved.tab ?? 'timeline', compareId: saved.compareId ?? null, selectedId: hashRun ?? saved.selectedId ?? null };
    },
    saveState: (state: ViewState) => {
      localStorage.setItem(STATE_KEY, JSON.stringify(state));
      history.replaceState(null, '', state.selectedId ? `#run=${state.selectedId}` : location.pathname);
    },
  };
}
