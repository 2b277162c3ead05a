// The one live feed of runs (docs/architecture.md, "One live path"): snapshot on subscribe,
// then ordered deltas. The browser dashboard (WebSocket frames), the VS Code extension
// (notifications on the language-server connection) and the history panel (webview
// messages, forwarded unchanged by the extension) receive the SAME messages, carrying the
// one RunEvent vocabulary of events.ts, from one hub (sidecar/server/liveHub.ts).
//
//   client → host  live/subscribe {runId: null}      every run's events except `output`
//                  live/subscribe {runId: "…"}       that run's events including `output`
//                  live/unsubscribe {runId}
//   host → client  live/hello, live/subscribed {runId, seq, runs},
//                  live/events {seq, events}, live/snapshot {runs}
//
// Every live/subscribe is acknowledged by one live/subscribed, sent at the moment the
// subscription takes effect: `runs` is the state of the target at that moment (the run's
// record; for null the most recent runs) and `seq` the number of the last live/events
// message sent on this connection before it. Everything that happens after the ack reaches
// the client as live/events (seq > ack.seq) or live/snapshot; everything before it is in
// the ack's records (or, for runs older than the recent window, in a list the client loads
// after the ack). So a subscriber never misses what happened while its subscription was in
// flight — without the ack, a run another process wrote in that window was lost.
//
// `seq` increases by one per events message on one connection; a gap means messages were
// lost and the client resyncs: it subscribes again, and the ack's records replace what it
// holds. Runs of other processes arrive as live/snapshot (full RunRecords), never as ids the
// client has to ask back for.
import type { RunEvent } from './events';
import type { RunRecord } from './model';
import { NotificationType, arrayOf, isBoolean, isNumber, isRecord, isString, nullable, objectOf, optional, type Guard } from './messages';

export interface SubscribeParams {
  /** null: all runs (without output lines); an id: that run, with its output. */
  runId: string | null;
  /** With runId null: how many of the newest runs the ack carries (default RECENT_RUNS_IN_ACK, at most MAX_RECENT_RUNS_IN_ACK). */
  recent?: number;
  /** With runId null: the output lines of every run too (the editor's terminals); default false. */
  output?: boolean;
}

export interface EventsParams {
  seq: number;
  events: RunEvent[];
}

export interface SnapshotParams {
  /** Full records that replace what the client knows of these runs (runs of other processes, resyncs). */
  runs: RunRecord[];
}

export interface SubscribedParams {
  /** The target of the live/subscribe this acknowledges. */
  runId: string | null;
  /** The last live/events `seq` sent on this connection before the subscription took effect (0: none). */
  seq: number;
  /**
   * Full records of the target as they were when the subscription took effect: that run
   * ([] when there is no such run), or for null the most recent runs (RECENT_RUNS_IN_ACK).
   */
  runs: RunRecord[];
}

/** How many of the newest runs a live/subscribed for all runs carries, unless the subscribe says `recent`. */
export const RECENT_RUNS_IN_ACK = 25;
export const MAX_RECENT_RUNS_IN_ACK = 500;

export interface HelloParams {
  server: 'stepflow';
  version: string;
}

const isSubscribe = objectOf<SubscribeParams>({ runId: nullable(isString), recent: optional(isNumber), output: optional(isBoolean) });

/** Shallow: events come from the host the client itself connected to. */
export const isRunEvent: Guard<RunEvent> = (v): v is RunEvent => isRecord(v) && typeof v.type === 'string' && typeof v.runId === 'string';
const isRunRecord: Guard<RunRecord> = (v): v is RunRecord => isRecord(v) && typeof v.id === 'string' && Array.isArray(v.steps);

export const LiveSubscribe = new NotificationType<SubscribeParams>('live/subscribe', isSubscribe);
export const LiveUnsubscribe = new NotificationType<SubscribeParams>('live/unsubscribe', isSubscribe);
export const LiveEvents = new NotificationType<EventsParams>('live/events', objectOf<EventsParams>({ seq: isNumber, events: arrayOf(isRunEvent) }));
export const LiveSnapshot = new NotificationType<SnapshotParams>('live/snapshot', objectOf<SnapshotParams>({ runs: arrayOf(isRunRecord) }));
export const LiveSubscribed = new NotificationType<SubscribedParams>(
  'live/subscribed',
  objectOf<SubscribedParams>({ runId: nullable(isString), seq: isNumber, runs: arrayOf(isRunRecord) }),
);
export const LiveHello = new NotificationType<HelloParams>(
  'live/hello',
  objectOf<HelloParams>({ server: (v): v is 'stepflow' => v === 'stepflow', version: isString }),
);

/** What one client asked for. */
export class Subscriptions {
  all = false;
  /** `all` with every run's output lines (live/subscribe {runId: null, output: true}). */
  allOutput = false;
  readonly runs = new Set<string>();

  apply(subscribe: boolean, params: SubscribeParams): void {
    if (params.runId === null) {
      this.all = subscribe;
      this.allOutput = subscribe && params.output === true;
    } else if (subscribe) this.runs.add(params.runId);
    else this.runs.delete(params.runId);
  }

  /** Output lines only reach clients that subscribed to that run (or to all with output); everything else reaches `all` too. */
  wants(event: RunEvent): boolean {
    if (this.runs.has(event.runId)) return true;
    return this.all && (event.type !== 'output' || this.allOutput);
  }

  get empty(): boolean {
    return !this.all && this.runs.size === 0;
  }
}
