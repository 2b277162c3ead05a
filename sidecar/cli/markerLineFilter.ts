// `stepflow run` prints each marker once: its own `[stepflow] ▶ Build` line replaces the
// script's raw `STEP_START:Build` (and likewise for STEP_COMPLETE, STEP_ERROR, STEP_WARNING
// and ARTIFACT, which all get a `[stepflow]` line). META and MASK lines have no such line
// and pass through. Only the echo changes: the stored log keeps every line as printed.
// The CI dialects' command lines are treated the same way: a line that opens or closes a
// group/block/section, warns or names an artifact is replaced by the display's line for its
// event. A CI error annotation leaves its step open (no event until the step ends), so the
// display is handed the marker to print its `✗` line at once. They are read by the
// runtime's own parser with its own dialect instances (an `::endgroup::` is a step's end
// only while a group is open), one per output stream as in the run.
import { StringDecoder } from 'node:string_decoder';
import { createDialects, type DialectSwitches } from '../markers/dialects/registry';
import { OutputParser } from '../markers/outputParser';
import type { MarkerEvent } from '../protocol/markers';
import { stripAnsi } from '../protocol/ansi';
import { mayBecomeMarker, markerLineOf } from '../protocol/markerLines';

/** How the CI dialects' lines begin (after blanks and ANSI): a partial line like these is held. */
const CI_HEADS = ['::', '##', 'section_'];

export interface CiLineOptions {
  /** CI dialects switched off for this run (the line is then ordinary output). */
  dialects?: DialectSwitches;
  /** A CI error annotation replaced in the output: the display prints it. */
  error?: (marker: Extract<MarkerEvent, { kind: 'stepError' }>) => void;
}

export class MarkerLineFilter {
  private readonly decoder = new StringDecoder('utf8');
  /** The start of a line that may still become a marker, held until its end arrives. */
  private pending = '';
  /** The current line was already (partly) written: it is output, whatever follows. */
  private passing = false;

  /** The CI dialects, fed every whole line in order; null when all are off. */
  private readonly ci: OutputParser | null;

  constructor(
    private readonly write: (text: string) => void,
    private readonly options: CiLineOptions = {},
  ) {
    const dialects = createDialects(options.dialects).filter((d) => d.id !== 'stepflow');
    this.ci = dialects.length > 0 ? new OutputParser({ dialects }) : null;
  }

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
        if (!this.echoedMarker(line)) this.write(line);
      } else if (mayBecomeMarker(line) || (this.ci !== null && mayBeCiLine(line))) {
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
    if (rest !== '' && !this.echoedMarker(rest)) this.write(rest);
  }

  /** A marker the display prints its own `[stepflow]` line for. */
  private echoedMarker(line: string): boolean {
    const text = line.replace(/\r?\n$/, '');
    const kind = markerLineOf(text)?.kind;
    if (kind !== undefined) return kind !== 'meta';
    if (this.ci === null) return false;
    // Lines the display passes through still go to the CI parser: its state follows the run's.
    const marker = this.ci.push(Buffer.from(`${text}\n`, 'utf8')).markers[0]?.event;
    switch (marker?.kind) {
      case 'stepStart':
      case 'stepComplete':
      case 'stepWarning':
      case 'artifact':
        return true;
      case 'stepError':
        if (!this.options.error) return false;
        this.options.error(marker);
        return true;
      default:
        return false; // metadata, progress, a secret's registration: output, as META and MASK are
    }
  }
}

/** A partial line that may still turn out to be a CI command. */
function mayBeCiLine(partial: string): boolean {
  const cleaned = stripAnsi(partial).trimStart();
  return CI_HEADS.some((head) => cleaned.startsWith(head) || head.startsWith(cleaned));
}
