// The extension's end of the one live feed (sidecar/protocol/live.ts, served by the
// sidecar's LiveHub on the language-server connection): the runs as LiveRuns, rebuilt from
// the ack's snapshot, then ordered deltas (live/events) and the records of runs other
// processes write (live/snapshot). A gap in the events' seq means messages were lost: it
// subscribes again, and the ack's records replace what it holds.
// No vscode import: RunsModel (runsModel.ts) wraps it; the unit suite drives it directly
// (test/unit/liveRuns.test.ts).
import type { RunEvent } from '../sidecar/protocol/events';
import { LiveEvents, LiveHello, LiveSnapshot, LiveSubscribe, LiveSubscribed } from '../sidecar/protocol/live';
import type { NotificationMessage } from '../sidecar/protocol/messages';
import type { RunRecord } from '../sidecar/protocol/model';
import { applyRunEvent, liveRunFromRecord, liveRunFromStart, type LiveRun } from '../sidecar/protocol/runState';

export interface FollowedRunsListener {
  /** One events message, applied. */
  events(events: RunEvent[]): void;
  /** Records that replaced runs (an ack, runs of other processes). */
  snapshot(records: RunRecord[]): void;
}

export class FollowedRuns {
  readonly runs = new Map<string, LiveRun>();
  /** The seq of the last live/events applied (or of the last ack); null before the first of a sequence. */
  private seq: number | null = null;
  private acked: Array<() => void> = [];
  /** Subscriptions sent and not yet acknowledged. */
  private inFlight = 0;
  /** Whether an ack for all runs has arrived (loaded()). */
  private everAcked = false;
  /** How many times a gap made it subscribe again (tests, the output channel). */
  resyncs = 0;

  constructor(
    private readonly send: (message: NotificationMessage) => void,
    private readonly recent: () => number,
    private readonly listener: FollowedRunsListener,
  ) {}

  /** The seq of the last live/events message applied (0: none): what an ack built from these runs covers. */
  get lastSeq(): number {
    return this.seq ?? 0;
  }

  /**
   * Resolves once the runs hold a first ack's records. Asks nothing: the sidecar says hello
   * when it starts, and the hello makes this subscribe.
   */
  loaded(): Promise<void> {
    return this.everAcked ? Promise.resolve() : new Promise<void>((resolve) => this.acked.push(resolve));
  }

  /** Subscribes to all runs, with their output; resolves when the ack has replaced the runs. */
  subscribe(): Promise<void> {
    const done = new Promise<void>((resolve) => this.acked.push(resolve));
    this.inFlight += 1;
    this.send(LiveSubscribe.create({ runId: null, recent: this.recent(), output: true }));
    return done;
  }

  /** Handles one live message from the sidecar; false for anything else. */
  receive(message: unknown): boolean {
    if (LiveEvents.is(message)) {
      const { seq, events } = message.params;
      const gap = this.seq !== null && seq !== this.seq + 1;
      this.seq = seq;
      for (const event of events) this.apply(event);
      this.listener.events(events);
      // Lost messages: the ack of a new subscription is the whole truth again. One at a time.
      if (gap && this.inFlight === 0) {
        this.resyncs += 1;
        void this.subscribe();
      }
      return true;
    }
    if (LiveSnapshot.is(message)) {
      this.replace(message.params.runs);
      return true;
    }
    if (LiveSubscribed.is(message)) {
      if (message.params.runId !== null) return true;
      this.inFlight = Math.max(0, this.inFlight - 1);
      this.seq = message.params.seq;
      this.everAcked = true;
      this.replace(message.params.runs);
      const waiting = this.acked;
      this.acked = [];
      for (const resolve of waiting) resolve();
      return true;
    }
    if (LiveHello.is(message)) {
      // A (re)started sidecar: a new sequence, and nothing followed yet on it.
      this.seq = null;
      this.inFlight = 0;
      void this.subscribe();
      return true;
    }
    return false;
  }

  private apply(event: RunEvent): void {
    if (event.type === 'runStarted') {
      this.runs.set(event.runId, liveRunFromStart(event));
      return;
    }
    const run = this.runs.get(event.runId);
    if (run) applyRunEvent(run, event);
  }

  private replace(records: RunRecord[]): void {
    for (const record of records) {
      const expectations = this.runs.get(record.id)?.expectations;
      this.runs.set(record.id, { ...liveRunFromRecord(record), ...(expectations !== undefined ? { expectations } : {}) });
    }
    if (records.length) this.listener.snapshot(records);
  }
}
