// `stepflow run` prints each marker once: its own `[stepflow] ▶ Build` line replaces the
// script's raw `STEP_START:Build` (and likewise for STEP_COMPLETE, STEP_ERROR, STEP_WARNING
// and ARTIFACT, which all get a `[stepflow]` line). META and MASK lines have no such line
// and pass through. Only the echo changes: the stored log keeps every line as printed.
import { StringDecoder } from 'node:string_decoder';
import { mayBecomeMarker, markerLineOf } from '../protocol/markerLines';

export class MarkerLineFilter {
  private readonly decoder = new StringDecoder('utf8');
  /** The start of a line that may still become a marker, held until its end arrives. */
  private pending = '';
  /** The current line was already (partly) written: it is output, whatever follows. */
  private passing = false;

  constructor(private readonly write: (text: string) => void) {}

  push(bytes: Buffer): void {
    const text = this.decoder.write(bytes);
    let start = 0;
    while (start < text.length) {
      const newline = text.indexOf('\n', start);
      const end = newline === -1 ? text.length : newline + 1;
      const piece = text.slice(start, end);
      start = end;
      if (this.passing) {
        this.write(piece);
        if (newline !== -1) this.passing = false;
        continue;
      }
      const line = this.pending + piece;
      this.pending = '';
      if (newline !== -1) {
        if (!isEchoedMarker(line)) this.write(line);
      } else if (mayBecomeMarker(line)) {
        this.pending = line;
      } else {
        this.passing = true;
        this.write(line);
      }
    }
  }

  /** At the end of the output: a held last line without a newline is written unless it is a marker. */
  flush(): void {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    if (rest !== '' && !isEchoedMarker(rest)) this.write(rest);
  }
}

/** A marker the display prints its own `[stepflow]` line for. */
function isEchoedMarker(line: string): boolean {
  const kind = markerLineOf(line.replace(/\r?\n$/, ''))?.kind;
  return kind !== undefined && kind !== 'meta';
}
