// How a log line looks in a StepFlow terminal: a marker line reads as what it means — a bold
// cyan "▶ Build" header, a green "✓ Build", a red "✗ message" — followed by the raw marker
// dimmed (it is what the script printed, and what search and copy find); META lines are
// dimmed as a whole. Other lines pass unchanged, with the script's own colours.
// No vscode import: the unit tests check the exact bytes (test/unit/markerStyling.test.ts).
import { markerLineOf, type MarkerLineKind } from '../sidecar/protocol/markerLines';
import { stripAnsi } from '../sidecar/protocol/ansi';
import { safe } from '../sidecar/protocol/terminalText';

const RESET = '\x1b[0m';
const DIM = '\x1b[2m';

/** SGR that opens each kind's label; META has no label, only the dimmed line. */
const LABEL_STYLE: Record<Exclude<MarkerLineKind, 'meta'>, string> = {
  start: '\x1b[1;36m',
  complete: '\x1b[1;32m',
  error: '\x1b[1;31m',
  warning: '\x1b[1;33m',
  artifact: '\x1b[36m',
};

/** One line (without its newline) as the terminal shows it. */
export function styleLogLine(text: string): string {
  const marker = markerLineOf(text);
  if (!marker) return text;
  // The raw line loses its own escape sequences and control characters: inside the dimmed
  // part they could only undo the styling (or, from a hostile name, move the cursor).
  const raw = safe(stripAnsi(text).replace(/\r$/, ''));
  if (marker.kind === 'meta') return `${DIM}${raw}${RESET}`;
  return `${LABEL_STYLE[marker.kind]}${safe(marker.label)}${RESET}  ${DIM}${raw}${RESET}`;
}

/** Whole lines (each ending in "\n", as output events carry them), styled line by line. */
export function styleLogText(text: string): string {
  return text
    .split('\n')
    .map((line, i, all) => (i === all.length - 1 && line === '' ? line : styleLogLine(line)))
    .join('\n');
}

/** The dimmed line a StepFlow terminal ends a run with: "── run failed (exit 3) ──". */
export function runEndLine(status: string, exit: string | number | null): string {
  return `\n${DIM}── run ${status} (exit ${exit ?? '—'}) ──${RESET}\n`;
}

/** Terminals need CRLF; the script's own lone CRs (progress bars) stay as they are. */
export function toTerminalNewlines(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}
