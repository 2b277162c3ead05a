// What a marker line in a log means, for showing it as that rather than as raw text: the
// terminal (extension/markerStyling.ts), the panel's log viewer
// (webview/components/sf-log-viewer.ts) and `stepflow run` (sidecar/cli/liveDisplay.ts) all
// ask here, so a line is a marker in one exactly when it is one in the others. Only the
// StepFlow dialect is recognised: it is the one whose lines read as noise to a person.
import { stripAnsi } from './ansi';
import { parseStepflowLine } from '../markers/stepflowDialect';

/** How a marker line is shown: a step header, its end (✓/✗), a warning, or quiet metadata. */
export type MarkerLineKind = 'start' | 'complete' | 'error' | 'warning' | 'artifact' | 'meta';

export interface MarkerLine {
  kind: MarkerLineKind;
  /** The line as a person reads it: "▶ Build", "✓ Build", "✗ link failed", "PROGRESS 20". */
  label: string;
}

/** The marker a log line holds (ANSI, leading blanks and a trailing CR ignored, as the parser does), or null. */
export function markerLineOf(text: string): MarkerLine | null {
  const cleaned = stripAnsi(text).replace(/\r$/, '').trimStart();
  // Cheap rejection first: log viewers call this for every visible line.
  const lead = cleaned.charCodeAt(0);
  if (lead !== 0x53 && lead !== 0x41 && lead !== 0x4d) return null;
  const marker = parseStepflowLine(cleaned);
  if (!marker) return null;
  switch (marker.kind) {
    case 'stepStart':
      return { kind: 'start', label: `▶ ${marker.name}` };
    case 'stepComplete':
      return { kind: 'complete', label: `✓ ${marker.name}`.trimEnd() };
    case 'stepError':
      return { kind: 'error', label: `✗ ${marker.message}` };
    case 'stepWarning':
      return { kind: 'warning', label: `⚠ ${marker.message}` };
    case 'artifact':
      return { kind: 'artifact', label: `◆ ${marker.path}${marker.description ? ` (${marker.description})` : ''}` };
    case 'meta':
      return { kind: 'meta', label: `${marker.key} ${marker.value}` };
    case 'mask':
      // The value is a secret: never repeat it, not even masked.
      return { kind: 'meta', label: 'MASK' };
  }
}

/**
 * Whether a line that has not ended yet may still turn out to be a marker: `stepflow run`
 * holds such a partial line back (to drop it if it is one) and passes any other through at once,
 * so a prompt without a newline still shows.
 */
export function mayBecomeMarker(partial: string): boolean {
  const cleaned = stripAnsi(partial).trimStart();
  if (cleaned === '') return true;
  return MARKER_KEYWORDS.some((keyword) => cleaned.startsWith(keyword) || keyword.startsWith(cleaned));
}

const MARKER_KEYWORDS = ['STEP_START:', 'STEP_COMPLETE:', 'STEP_ERROR:', 'STEP_WARNING:', 'ARTIFACT:', 'META:', 'MASK:'];
