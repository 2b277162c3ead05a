// An adopted run (RunSession.resume, runs/adoption.ts) re-reads its spool files from byte 0.
// The first lines of each stream — as many as the dead owner stored — only drive the step
// tracker back to where it was (open steps get their stored start times back); their events
// go nowhere, as they are stored already. Everything after them is ingested as usual.
import type { ParsedBatch } from '../markers/outputParser';
import type { StepTracker } from '../markers/stepTracker';
import type { StreamName } from '../protocol/model';
import type { StoredProgress } from '../store/store';
import { endOfLine } from './batchLines';

export class AdoptionReplay {
  /** Stored lines of each stream not replayed yet, and those replayed. */
  private readonly left: Record<StreamName, number>;
  private readonly done: Record<StreamName, number> = { stdout: 0, stderr: 0 };
  /** When each stored step started. */
  private readonly stepStarts: Map<number, number>;

  constructor(
    progress: StoredProgress,
    private readonly tracker: StepTracker,
    private readonly runStartedAt: number,
  ) {
    this.left = { ...progress.lines };
    this.stepStarts = progress.stepStarts;
  }

  /** Whether `stream` still has stored lines to replay. */
  pending(stream: StreamName): boolean {
    return this.left[stream] > 0;
  }

  /**
   * Replays the first lines of `batch` that are stored: their markers go through the
   * tracker. Returns the rest of the batch and how many bytes were replayed.
   */
  take(stream: StreamName, batch: ParsedBatch): { rest: ParsedBatch; bytes: number } {
    const count = Math.min(this.left[stream], batch.lineCount);
    const bytes = endOfLine(batch.bytes, 0, count);
    for (const marker of batch.markers) {
      if (marker.index >= count) break;
      for (const event of this.tracker.apply(marker.event, this.runStartedAt, this.done[stream] + marker.index + 1)) {
        if (event.type === 'stepStarted') {
          const startedAt = this.stepStarts.get(event.stepId);
          if (startedAt !== undefined) this.tracker.restoreStartedAt(event.stepId, startedAt);
        }
      }
    }
    this.left[stream] -= count;
    this.done[stream] += count;
    const markers = batch.markers.filter((m) => m.index >= count).map((m) => ({ index: m.index - count, event: m.event }));
    return { rest: { bytes: batch.bytes.subarray(bytes), lineCount: batch.lineCount - count, markers }, bytes };
  }
}
