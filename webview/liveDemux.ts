// Both hosts receive the live messages of sidecar/protocol/live.ts on one channel and hand
// them to the listeners that asked: all runs (without output lines) or one run. A gap in
// `seq` means lost messages: every listener is told to resync.
//
// A live/subscribed ack (the service sends one per live/subscribe) carries the target's
// records as they were when the subscription took effect: they reach that target's
// listeners as a snapshot, so whatever happened while the subscription was in flight is not
// lost. Its `seq` must be the last events seq seen; otherwise events were lost: resync.
import type { EventsParams, SnapshotParams } from '../sidecar/protocol/live';
import { LiveEvents, LiveHello, LiveSnapshot, LiveSubscribed } from '../sidecar/protocol/live';
import type { LiveListener } from './dataSource';

interface Entry {
  runId: string | null;
  listener: LiveListener;
}

export class LiveDemux {
  private readonly entries = new Set<Entry>();
  /**
   * The last events seq seen on this channel; null until the first events or ack of a
   * sequence (a fresh view, a new connection). A fresh view adopts the sequence it finds:
   * the VS Code panel's webview is recreated when the panel is shown again, while the
   * panel's sequence goes on, and a number the view never followed is no gap.
   */
  private lastSeq: number | null = null;
  /** Targets whose listeners reload when their next ack arrives (after a reconnect). */
  private readonly resyncAtAck = new Set<string | null>();

  /**
   * @param send sends live/subscribe or live/unsubscribe for a target (first listener in / last out).
   */
  constructor(private readonly send: (subscribe: boolean, runId: string | null) => void) {}

  add(runId: string | null, listener: LiveListener): () => void {
    const entry: Entry = { runId, listener };
    const first = !this.targets().has(runId);
    this.entries.add(entry);
    if (first) this.send(true, runId);
    return () => {
      if (!this.entries.delete(entry)) return;
      if (!this.targets().has(runId)) this.send(false, runId);
    };
  }

  /**
   * After a reconnect: the targets were subscribed again; their listeners reload once each
   * ack arrives — not before, since a reload that overtook the subscription could miss
   * what happens in between.
   */
  resyncWhenAcknowledged(targets: Iterable<string | null>): void {
    for (const t of targets) this.resyncAtAck.add(t);
  }

  /** The targets to subscribe again after a reconnect. */
  targets(): Set<string | null> {
    return new Set([...this.entries].map((e) => e.runId));
  }

  /** Handles one incoming message; false when it is not a live message. */
  receive(message: unknown): boolean {
    if (LiveEvents.is(message)) {
      const gap = this.lastSeq !== null && message.params.seq !== this.lastSeq + 1;
      this.lastSeq = message.params.seq;
      this.events(message.params);
      if (gap) this.resync();
      return true;
    }
    if (LiveSnapshot.is(message)) {
      this.snapshot(message.params);
      return true;
    }
    if (LiveSubscribed.is(message)) {
      const { runId, seq, runs } = message.params;
      const gap = this.lastSeq !== null && seq !== this.lastSeq;
      this.lastSeq = seq;
      const reload = this.resyncAtAck.delete(runId);
      for (const e of [...this.entries]) {
        if (e.runId !== runId) continue;
        const mine = runId === null ? runs : runs.filter((r) => r.id === runId);
        if (mine.length) e.listener.snapshot({ runs: mine });
        if (reload && !gap) e.listener.resync();
      }
      if (gap) this.resync();
      return true;
    }
    if (LiveHello.is(message)) {
      // A (re)connected host starts a new sequence. Only a view that had seen events may
      // have missed some (one that only saw acks reloads when its next acks arrive).
      const reconnect = (this.lastSeq ?? 0) !== 0;
      this.lastSeq = null;
      if (reconnect) this.resync();
      return true;
    }
    return false;
  }

  /** The connection was lost and is back: everything shown may be stale. */
  resync(): void {
    for (const e of [...this.entries]) e.listener.resync();
  }

  private events(params: EventsParams): void {
    for (const e of [...this.entries]) {
      const events = e.runId === null ? params.events.filter((ev) => ev.type !== 'output') : params.events.filter((ev) => ev.runId === e.runId);
      if (events.length) e.listener.events({ seq: params.seq, events });
    }
  }

  private snapshot(params: SnapshotParams): void {
    for (const e of [...this.entries]) {
      const runs = e.runId === null ? params.runs : params.runs.filter((r) => r.id === e.runId);
      if (runs.length) e.listener.snapshot({ runs });
    }
  }
}
