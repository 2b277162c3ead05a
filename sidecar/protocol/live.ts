// Live updates for views outside the language-server connection: the browser dashboard
// (WebSocket frames) and the VS Code history panel (webview messages) receive the SAME
// messages, carrying the one RunEvent vocabulary of events.ts.
//
//   client → host  live/subscribe {runId: null}      every run's events except `output`
//                  live/subscribe {runId: "…"}       that run's events including `output`,
//                                                    preceded by a snapshot of the run
//                  live/unsubscribe {runId}
//   host → client  live/hello, live/events {seq, events}, live/snapshot {runs}
//
// `seq` increases by one per events message on one connection; a gap means messages were
// lost and the client should reload (snapshots are full RunRecords).
import type { RunEvent } from './events';
import type { RunRecord } from './model';
import { NotificationType, arrayOf, isNumber, isRecord, isString, nullable, objectOf, type Guard } from './messages';

export interface SubscribeParams {
  /** null: all runs (without output lines); an id: that run, with its output. */
  runId: string | null;
}

export interface EventsParams {
  seq: number;
  events: RunEvent[];
}

export interface SnapshotParams {
  /** Full records that replace what the client knows of these runs (runs of other processes, resyncs). */
  runs: RunRecord[];
}

export interface HelloParams {
  server: 'stepflow';
  version: string;
}

const isSubscribe = objectOf<SubscribeParams>({ runId: nullable(isString) });

/** Shallow: events come from the host the client itself connected to. */
export const isRunEvent: Guard<RunEvent> = (v): v is RunEvent => isRecord(v) && typeof v.type === 'string' && typeof v.runId === 'string';
const isRunRecord: Guard<RunRecord> = (v): v is RunRecord => isRecord(v) && typeof v.id === 'string' && Array.isArray(v.steps);

export const LiveSubscribe = new NotificationType<SubscribeParams>('live/subscribe', isSubscribe);
export const LiveUnsubscribe = new NotificationType<SubscribeParams>('live/unsubscribe', isSubscribe);
export const LiveEvents = new NotificationType<EventsParams>('live/events', objectOf<EventsParams>({ seq: isNumber, events: arrayOf(isRunEvent) }));
export const LiveSnapshot = new NotificationType<SnapshotParams>('live/snapshot', objectOf<SnapshotParams>({ runs: arrayOf(isRunRecord) }));
export const LiveHello = new NotificationType<HelloParams>(
  'live/hello',
  objectOf<HelloParams>({ server: (v): v is 'stepflow' => v === 'stepflow', version: isString }),
);

/** What one client asked for. */
export class Subscriptions {
  all = false;
  readonly runs = new Set<string>();

  apply(subscribe: boolean, params: SubscribeParams): void {
    if (params.runId === null) this.all = subscribe;
    else if (subscribe) this.runs.add(params.runId);
    else this.runs.delete(params.runId);
  }

  /** Output lines only reach clients that subscribed to that run; everything else reaches `all` too. */
  wants(event: RunEvent): boolean {
    if (this.runs.has(event.runId)) return true;
    return this.all && event.type !== 'output';
  }

  get empty(): boolean {
    return !this.all && this.runs.size === 0;
  }
}
