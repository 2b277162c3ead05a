// The one live feed of runs (docs/architecture.md, "One live path"). Every view follows
// runs through it: the dashboard over `stepflow serve`'s WebSocket, the VS Code extension
// over the language-server connection (which forwards it unchanged to the history panel).
// Clients subscribe to all runs or to one run and get
// - live/subscribed: the acknowledgement of each live/subscribe, with a snapshot of the
//   target (full records) as it is at that moment and the last events `seq` sent before it;
// - live/events: ordered deltas (RunEvents) of the runs this process runs, one message per
//   RunManager batch, `seq` increasing by one per message on each client — a gap means
//   messages were lost and the client resubscribes (its ack is a fresh snapshot);
// - live/snapshot: full records of runs other processes write (ExternalRunWatcher), which
//   the hub cannot see as events.
//
// The ack is built synchronously when the subscription takes effect. The hub keeps a
// LiveRun per running run of its own, updated as each batch is sent, so the ack's record of
// such a run is exactly "everything before the next batch" — no event is missed or applied
// twice. Runs of other processes are read from the store: a commit before the ack is in it,
// a commit after it reaches the watcher afterwards and so the client as a live/snapshot.
//
// Artifacts the download route refuses (outside the run's folder, artifactAccess.ts) are
// flagged `outsideRun` by the service (option `flagArtifacts`) as in the REST records — on
// artifact events, acks and snapshots — so the dashboard shows them as not downloadable
// instead of a link that fetches a 403. The editor opens files itself and gets them as stored.
import type { WebSocket } from 'ws';
import type { ArtifactEvent, RunEvent } from '../protocol/events';
import { LiveEvents, LiveHello, LiveSnapshot, LiveSubscribe, LiveSubscribed, LiveUnsubscribe, MAX_RECENT_RUNS_IN_ACK, RECENT_RUNS_IN_ACK, Subscriptions } from '../protocol/live';
import type { NotificationMessage } from '../protocol/messages';
import type { RunRecord } from '../protocol/model';
import { applyRunEvent, liveRunFromRecord, liveRunFromStart, type LiveRun } from '../protocol/runState';
import type { Store } from '../store/store';
import { artifactRoots, flagArtifacts, locateArtifact } from './artifactAccess';

/** A client whose unsent data exceeds this is too slow to follow live: it is closed (and may reconnect and resync). */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** One client of the feed, whatever carries its messages. */
export interface LivePeer {
  /** Sends one live message. */
  send(message: NotificationMessage): void;
  /** Sends one live message already encoded as JSON (clients with the same view of a batch share one encoding); absent: `send`. */
  sendText?(json: string): void;
}

interface Client {
  peer: LivePeer;
  subs: Subscriptions;
  seq: number;
}

export interface LiveHubOptions {
  /** Flag artifacts the service's download route refuses (`stepflow serve`); default true. */
  flagArtifacts?: boolean;
}

export class LiveHub {
  private readonly clients = new Set<Client>();
  private readonly sockets = new Set<WebSocket>();
  private readonly live = new Map<string, LiveRun>();
  /** The folders each running run's artifacts may be served from (read once, at its start). */
  private readonly roots = new Map<string, string[]>();
  messagesSent = 0;
  bytesSent = 0;

  private readonly flagging: boolean;

  constructor(
    private readonly store: Store,
    private readonly version: string,
    options: LiveHubOptions = {},
  ) {
    this.flagging = options.flagArtifacts ?? true;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** The live state of a run this service is running, if it is one. */
  liveRecord(runId: string): RunRecord | undefined {
    return this.live.get(runId)?.record;
  }

  /** A WebSocket client of `stepflow serve`. */
  attach(ws: WebSocket): void {
    const peer: LivePeer = {
      send: (message) => this.sendText(ws, JSON.stringify(message)),
      sendText: (json) => this.sendText(ws, json),
    };
    this.sockets.add(ws);
    const client = this.connect(peer);
    ws.on('close', () => {
      this.sockets.delete(ws);
      client.close();
    });
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      let message: unknown;
      try {
        message = isBinary ? undefined : JSON.parse(data.toString());
      } catch {
        message = undefined;
      }
      if (!client.receive(message)) ws.close(1003, 'unsupported message');
    });
  }

  /**
   * Any other client (the language server's connection to the editor): says hello; the
   * caller hands it what the client sends (`receive`: false for a message that is not a
   * live/subscribe or live/unsubscribe) and calls `close` when the client is gone.
   */
  connect(peer: LivePeer): { receive(message: unknown): boolean; close(): void } {
    const client: Client = { peer, subs: new Subscriptions(), seq: 0 };
    this.clients.add(client);
    peer.send(LiveHello.create({ server: 'stepflow', version: this.version }));
    return { receive: (message) => this.receive(client, message), close: () => this.clients.delete(client) };
  }

  private receive(client: Client, message: unknown): boolean {
    if (LiveSubscribe.is(message)) {
      // Subscription and ack in one synchronous step: no batch or snapshot can fall between them.
      client.subs.apply(true, message.params);
      const { runId } = message.params;
      client.peer.send(LiveSubscribed.create({ runId, seq: client.seq, runs: this.currentRecords(runId, message.params.recent) }));
      return true;
    }
    if (LiveUnsubscribe.is(message)) {
      client.subs.apply(false, message.params);
      return true;
    }
    return false;
  }

  /**
   * Starts following a run this process took over while it was running (an adopted run,
   * runs/adoption.ts): its record as stored, which must hold every event published so far
   * (publish the pending events and flush the store first), then its events as they come.
   */
  follow(runId: string): void {
    const record = this.store.getRun(runId);
    if (record && record.status === 'running') this.live.set(runId, liveRunFromRecord(record));
  }

  /** One batch of events of this service's runs (called synchronously by RunManager's publisher). */
  publish(batch: RunEvent[]): void {
    const events = this.flagging ? batch.map((event) => (event.type === 'artifact' ? this.flagArtifact(event) : event)) : batch;
    for (const event of events) {
      if (event.type === 'runStarted') {
        this.live.set(event.runId, liveRunFromStart(event));
        if (this.flagging) this.roots.set(event.runId, artifactRoots(event));
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
      if (client.peer.sendText) client.peer.sendText(`{"kind":"notification","method":"${LiveEvents.method}","params":{"seq":${client.seq},"events":${json}}}`);
      else client.peer.send(LiveEvents.create({ seq: client.seq, events: wanted }));
    }
  }

  /** Runs written by other processes changed: send fresh records to the clients that follow them. */
  snapshot(runIds: string[]): void {
    if (this.clients.size === 0) return;
    const records = runIds
      .map((id) => this.store.getRun(id))
      .filter((r): r is RunRecord => r !== undefined)
      .map((r) => this.flag(r));
    for (const client of this.clients) {
      const wanted = records.filter((r) => client.subs.all || client.subs.runs.has(r.id));
      if (wanted.length) client.peer.send(LiveSnapshot.create({ runs: wanted }));
    }
  }

  /** What a subscriber to `runId` (null: the `recent` newest runs) starts from: records as they are now. */
  private currentRecords(runId: string | null, recent = RECENT_RUNS_IN_ACK): RunRecord[] {
    const record = (id: string): RunRecord | undefined => {
      try {
        const found = this.live.get(id)?.record ?? this.store.getRun(id);
        // A copy: the hub's LiveRun goes on changing, a peer may hold the object (the language server's JSON-RPC encodes later).
        return found && (this.flagging ? flagArtifacts(found) : structuredClone(found));
      } catch {
        return undefined; // an ambiguous id prefix, a busy database: the client resyncs by REST
      }
    };
    if (runId !== null) {
      const one = record(runId);
      return one ? [one] : [];
    }
    let ids: string[];
    try {
      ids = this.store.listRuns({ limit: Math.min(Math.max(1, Math.floor(recent)), MAX_RECENT_RUNS_IN_ACK) }).map((r) => r.id);
    } catch {
      ids = [];
    }
    // Own running runs beyond the newest: the client would otherwise never hear of them until they end.
    for (const id of this.live.keys()) if (!ids.includes(id)) ids.push(id);
    return ids.map(record).filter((r): r is RunRecord => r !== undefined);
  }

  private flag(record: RunRecord): RunRecord {
    return this.flagging ? flagArtifacts(record) : record;
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
    for (const ws of this.sockets) ws.close(1001, 'server shutting down');
  }

  private sendText(ws: WebSocket, text: string): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      ws.close(1013, 'too slow to follow live updates; reconnect to resync');
      return;
    }
    ws.send(text);
    this.messagesSent += 1;
    this.bytesSent += text.length;
  }
}
