// Delivers the outbox (store/hubOutbox.ts) to a team hub (docs/architecture.md, "Team
// hub"). One run at a time: its log in bounded chunks from where the hub last acknowledged,
// then its record; the outbox row goes only after the hub stored the record. Every request
// is idempotent by run id, so a delivery cut off anywhere — the hub down, slow, restarted,
// this process killed — is repeated from the outbox later and stores nothing twice. A
// failed run is tried again after an exponential backoff (1 s doubling to 5 min, with
// jitter); the first failure of a pass ends the pass, as the hub is likely down for all.
import { HUB_LOG_CHUNK_BYTES, HUB_LOG_CHUNK_LINES, type ShippedLog, type ShippedLogAck, type ShippedRun } from '../protocol/hub';
import type { LogLine } from '../protocol/history';
import type { OutboxEntry, Store } from '../store/store';
import { oneLine } from '../util/errors';
import type { HubTarget } from './hubTarget';

export interface ShipResult {
  delivered: number;
  /** Runs still in the outbox. */
  pending: number;
  /** Why the pass stopped early (the hub unreachable or refusing), if it did. */
  error?: string;
}

export interface ShipOptions {
  /** Each request's bound (ms). */
  requestTimeoutMs?: number;
  /** Stop starting new runs after this time (ms since the epoch). */
  deadline?: number;
  /** Also runs whose backoff has not expired (`stepflow hub push`). */
  ignoreBackoff?: boolean;
  /** How long a claimed run is ours before another process may take it (ms). */
  leaseMs?: number;
}

const BACKOFF_BASE_MS = 1000;
const BACKOFF_MAX_MS = 5 * 60_000;

/** The wait before attempt `attempts + 1`: 1 s, 2 s, 4 s … 5 min, ±20 %. */
export function backoffMs(attempts: number, random = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempts, 20));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** One pass over the due outbox rows. Never throws: problems are in the result. */
export async function shipOutbox(store: Store, target: HubTarget, options: ShipOptions = {}): Promise<ShipResult> {
  const timeout = options.requestTimeoutMs ?? 10_000;
  const lease = options.leaseMs ?? Math.max(60_000, timeout * 4);
  let delivered = 0;
  const tried = new Set<number>();
  for (;;) {
    if (options.deadline !== undefined && Date.now() >= options.deadline) break;
    const now = Date.now();
    const due = store.hubOutboxDue(options.ignoreBackoff ? Number.MAX_SAFE_INTEGER : now, 20).filter((e) => !tried.has(e.rid));
    if (due.length === 0) break;
    for (const entry of due) {
      if (options.deadline !== undefined && Date.now() >= options.deadline) break;
      tried.add(entry.rid);
      // With ignoreBackoff a row waiting for its backoff is taken too.
      if (!store.claimHubDelivery(entry.rid, Date.now(), lease, options.ignoreBackoff ? Number.MAX_SAFE_INTEGER : undefined)) continue;
      try {
        await deliverRun(store, target, entry, timeout);
        store.hubDelivered(entry.rid);
        delivered++;
      } catch (err) {
        const message = oneLine(err);
        store.hubDeliveryFailed(entry.rid, Date.now() + backoffMs(entry.attempts), message);
        return { delivered, pending: store.hubOutboxSize(), error: message };
      }
    }
  }
  return { delivered, pending: store.hubOutboxSize() };
}

async function deliverRun(store: Store, target: HubTarget, entry: OutboxEntry, timeoutMs: number): Promise<void> {
  const run = store.getRun(entry.runId);
  if (!run || run.id !== entry.runId) return; // pruned meanwhile: nothing left to send
  const base = `${target.url}/api/hub/runs/${encodeURIComponent(run.id)}`;
  let from = entry.sentLines + 1;
  let first = boundedChunk(store.readLog(run.id, from, HUB_LOG_CHUNK_LINES));
  // The common case: what is left of the log fits in one chunk and goes with the record.
  const whole = first.length < HUB_LOG_CHUNK_LINES && (first.length === 0 || first[first.length - 1]!.line >= run.lineCount);
  if (!whole) {
    while (first.length > 0) {
      await request<ShippedLogAck>(target, 'POST', `${base}/log`, { lines: first } satisfies ShippedLog, timeoutMs);
      from = first[first.length - 1]!.line + 1;
      store.hubDeliveryProgress(entry.rid, from - 1);
      first = boundedChunk(store.readLog(run.id, from, HUB_LOG_CHUNK_LINES));
    }
  }
  const shipped: ShippedRun = { host: target.host, user: target.user, run, ...(whole && first.length > 0 ? { lines: first } : {}) };
  await request(target, 'PUT', base, shipped, timeoutMs);
}

/** The longest prefix of `lines` within HUB_LOG_CHUNK_BYTES (at least one line: a single line is at most 1 MiB anyway). */
function boundedChunk(lines: LogLine[]): LogLine[] {
  let bytes = 0;
  for (let i = 0; i < lines.length; i++) {
    bytes += Buffer.byteLength(lines[i]!.text) + 64;
    if (bytes > HUB_LOG_CHUNK_BYTES && i > 0) return lines.slice(0, i);
  }
  return lines;
}

async function request<T>(target: HubTarget, method: string, url: string, body: unknown, timeoutMs: number): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${target.token}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause ?? oneLine(err));
    throw new Error(`hub ${target.url} unreachable (${reason})`);
  }
  const text = await res.text();
  if (!res.ok) {
    let message = text.slice(0, 200);
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // not JSON: the text as it is
    }
    throw new Error(`hub ${target.url} answered ${res.status}: ${message}`);
  }
  return JSON.parse(text) as T;
}
