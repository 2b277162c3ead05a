// The WebSocket side of the service: clients subscribe to all runs or to one run and get
// the RunEvents of the runs this service runs (already batched by RunManager, one message
// per batch) and snapshots of runs other processes write (ExternalRunWatcher).
//
// Every live/subscribe is answered by a live/subscribed ack, built synchronously when the
// subscription takes effect: the target's records as they are at that moment and the last
// events `seq` sent to the client. The hub keeps a LiveRun per running run of its own,
// updated as each batch is sent, so the ack's record of such a run is exactly "everything
// before the next batch" — no event is missed or applied twice. Runs of other processes are
// read from the store: a commit before the ack is in it, a commit after it reaches the
// watcher afterwards and so the client as a live/snapshot.
//
// Artifacts the download route refuses (outside the run's folder, artifactAccess.ts) are
// flagged `outsideRun` here as in the REST records — on artifact events, acks and snapshots —
// so the dashboard shows them as not downloadable instead of a link that fetches a 403.
import type { WebSocket } from 'ws';
import type { ArtifactEvent, RunEvent } from '../protocol/events';
import { LiveEvents, LiveHello, LiveSnapshot, LiveSubscribe, LiveSubscribed, LiveUnsubscribe, RECENT_RUNS_IN_ACK, Subscriptions } from '../protocol/live';
import type { RunRecord } from '../protocol/model';
import { applyRunEvent, liveRunFromStart, type LiveRun } from '../protocol/runState';
import type { Store } from '../store/store';
import { artifactRoots, flagArtifacts, locateArtifact } from './artifactAccess';

/** A client whose unsent data exceeds this is too slow to follow live: it is closed (and may reconnect and resync). */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

interface Client {
  ws: WebSocket;
  subs: Subscriptions;
  seq: number;
}

export class LiveHub {
  private readonly clients = new Set<Client>();
  private readonly live = new Map<string, LiveRun>();
  /** The folders each running run's artifacts may be served from (read once, at its start). */
  private readonly roots = new Map<string, string[]>();
  messagesSent = 0;
  bytesSent = 0;

  constructor(
    private readonly store: Store,
    private readonly version: string,
  ) {}

  get clientCount(): number {
    return this.clients.size;
  }

  /** The live state of a run this service is running, if it is one. */
  liveRecord(runId: string): RunRecord | undefined {
    return this.live.get(runId)?.record;
  }

  attach(ws: WebSocket): void {
    const client: Client = { ws, subs: new Subscriptions(), seq: 0 };
    this.clients.add(client);
    ws.on('close', () => this.clients.delete(client));
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      let message: unknown;
      try {
        message = isBinary ? undefined : JSON.parse(data.toString());
      } catch {
        message = undefined;
      }
      if (LiveSubscribe.is(message)) {
        // Subscription and ack in one synchronous step: no batch or snapshot can fall between them.
        client.subs.apply(true, message.params);
        const runId = message.params.runId;
        this.send(client, JSON.stringify(LiveSubscribed.create({ runId, seq: client.seq, runs: this.currentRecords(runId) })));
      } else if (LiveUnsubscribe.is(message)) {
        client.subs.apply(false, message.params);
      } else {
        ws.close(1003, 'unsupported message');
      }
    });
    this.send(client, JSON.stringify(LiveHello.create({ server: 'stepflow', version: this.version })));
  }

  /** One batch of events of this service's runs (called synchronously by RunManager's publisher). */
  publish(batch: RunEvent[]): void {
    const events = batch.map((event) => (event.type === 'artifact' ? this.flagArtifact(event) : event));
    for (const event of events) {
      if (event.type === 'runStarted') {
        this.live.set(event.runId, liveRunFromStart(event));
        this.roots.set(event.runId, artifactRoots(event));
      }
      const run = this.live.get(event.runId);
      if (run) applyRunEvent(run, event);
      if (event.type === 'runFinished') {
        this.live.delete(event.runId);
        this.roots.delete(event.runId);
      }
    }
    // Clients with the same view of this batch share one serialisation of its events.
    const encoded = new Map<string, string>();
    for (const client of this.clients) {
      const wanted = events.filter((e) => client.subs.wants(e));
      if (wanted.length === 0) continue;
      const key = wanted.length === events.length ? '*' : client.subs.all ? `a:${[...client.subs.runs].join(',')}` : [...client.subs.runs].join(',');
      let json = encoded.get(key);
      if (json === undefined) encoded.set(key, (json = JSON.stringify(wanted)));
      client.seq += 1;
      this.send(client, `{"kind":"notification","method":"${LiveEvents.method}","params":{"seq":${client.seq},"events":${json}}}`);
    }
  }

  /** Runs written by other processes changed: send fresh records to the clients that follow them. */
  snapshot(runIds: string[]): void {
    if (this.clients.size === 0) return;
    const records = runIds
      .map((id) => this.store.getRun(id))
      .filter((r): r is RunRecord => r !== undefined)
      .map(flagArtifacts);
    for (const client of this.clients) {
      const wanted = records.filter((r) => client.subs.all || client.subs.runs.has(r.id));
      if (wanted.length) this.send(client, JSON.stringify(LiveSnapshot.create({ runs: wanted })));
    }
  }

  /** What a subscriber to `runId` (null: all runs) starts from: records as they are now. */
  private currentRecords(runId: string | null): RunRecord[] {
    const record = (id: string): RunRecord | undefined => {
      try {
        const found = this.live.get(id)?.record ?? this.store.getRun(id);
        return found && flagArtifacts(found);
      } catch {
        return undefined; // an ambiguous id prefix, a busy database: the client resyncs by REST
      }
    };
    if (runId !== null) {
      const one = record(runId);
      return one ? [one] : [];
    }
    let recent: string[];
    try {
      recent = this.store.listRuns({ limit: RECENT_RUNS_IN_ACK }).map((r) => r.id);
    } catch {
      recent = [];
    }
    return recent.map(record).filter((r): r is RunRecord => r !== undefined);
  }

  /** The event as the dashboard needs it: flagged when the service will not serve the file. */
  private flagArtifact(event: ArtifactEvent): ArtifactEvent {
    const roots = this.roots.get(event.runId);
    if (!roots) return event;
    const place = locateArtifact(event.path, roots);
    // A file that does not exist yet is judged when it is asked for (like flagArtifacts).
    return place.inside || place.reason === 'missing' ? event : { ...event, outsideRun: true };
  }

  closeAll(): void {
    for (const client of this.clients) client.ws.close(1001, 'server shutting down');
  }

  private send(client: Client, text: string): void {
    if (client.ws.readyState !== client.ws.OPEN) return;
    if (client.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      client.ws.close(1013, 'too slow to follow live updates; reconnect to resync');
      return;
    }
    client.ws.send(text);
    this.messagesSent += 1;
    this.bytesSent += text.length;
  }
}
