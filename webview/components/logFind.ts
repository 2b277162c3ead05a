// Find in the log viewer: the store's matching lines of this run (up to 1000), a current
// one, and stepping through them. Its host re-renders when the hits or the current hit
// change; what to show and say is the host's (`reveal`, `say`).
import type { ReactiveControllerHost } from 'lit';
import type { LogSearchHit } from '../../sidecar/protocol/history';

const LIMIT = 1000;
const TYPING_DELAY_MS = 250;

export interface LogFindHost extends Pick<ReactiveControllerHost, 'requestUpdate'> {
  /** The matching lines of `text` in the shown run; null when there is nothing to search. */
  searchRun(text: string, limit: number): Promise<LogSearchHit[]> | null;
  /** Scrolls to a hit's line. */
  reveal(line: number): void;
  /** Puts a status text next to the find box. */
  say(text: string): void;
  /** The line the user is at (the selection), from which the first hit is chosen. */
  readonly nearLine: number | undefined;
}

export class LogFind {
  hits: LogSearchHit[] = [];
  index = -1;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private token = 0;

  constructor(private readonly host: LogFindHost) {}

  /** The line of the current hit, if any. */
  get line(): number | undefined {
    return this.hits[this.index]?.line;
  }

  /** Forgets the hits (another run is shown). */
  clear(): void {
    this.hits = [];
    this.index = -1;
  }

  /** Searches `text` after a pause in typing (or `delay` ms). */
  schedule(text: string, delay = TYPING_DELAY_MS): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(text), delay);
  }

  /** The next (1) or previous (-1) hit, wrapping around. */
  step(direction: 1 | -1): void {
    if (this.hits.length === 0) return;
    this.goTo((this.index + direction + this.hits.length) % this.hits.length);
  }

  private async run(text: string): Promise<void> {
    const token = ++this.token;
    const searching = text.trim() ? this.host.searchRun(text.trim(), LIMIT) : null;
    if (!searching) {
      this.clear();
      this.host.say('');
      this.host.requestUpdate();
      return;
    }
    const hits = await searching;
    if (token !== this.token) return;
    this.hits = hits;
    this.host.say(hits.length === 0 ? 'No matches' : `${hits.length}${this.more} matches`);
    this.index = -1;
    const near = this.host.nearLine;
    const nearest = near === undefined ? -1 : hits.findIndex((h) => h.line >= near);
    if (hits.length) this.goTo(nearest >= 0 ? nearest : 0);
    this.host.requestUpdate();
  }

  private goTo(index: number): void {
    this.index = index;
    this.host.say(`${index + 1} of ${this.hits.length}${this.more}`);
    this.host.reveal(this.hits[index]!.line);
    this.host.requestUpdate();
  }

  private get more(): string {
    return this.hits.length >= LIMIT ? '+' : '';
  }
}
