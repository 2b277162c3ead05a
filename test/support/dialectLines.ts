// Feeds output lines through one OutputParser with the given dialects and returns the
// marker events in order: how a run's parser sees them (state carries from line to line).
import { OutputParser } from '../../sidecar/markers/outputParser';
import type { Dialect } from '../../sidecar/markers/dialect';
import { createDialects, type DialectSwitches } from '../../sidecar/markers/dialects/registry';
import type { MarkerEvent } from '../../sidecar/protocol/markers';

export function eventsOf(lines: string[], dialects: Dialect[] | DialectSwitches = {}): Array<MarkerEvent | null> {
  const parser = new OutputParser({ dialects: Array.isArray(dialects) ? dialects : createDialects(dialects) });
  return lines.map((line) => {
    const { markers } = parser.push(Buffer.from(line + '\n'));
    return markers[0]?.event ?? null;
  });
}

/** The events of one line each, for a dialect fed its lines in order. */
export function parseEach(dialect: Dialect, lines: string[]): Array<MarkerEvent | null> {
  return eventsOf(lines, [dialect]);
}
