// One row of the log viewer: line number and text, ANSI colours as styled spans, find
// matches marked, and a marker line read as what it means — a "▶ Build" header, ✓/✗ for a
// step's end, META lines dimmed — before the raw line, dimmed (unless raw markers are asked
// for). Text only, never HTML: Lit escapes step names like any text.
import { css, html, type TemplateResult } from 'lit';
import type { LogLine } from '../../sidecar/protocol/history';
import { markerLineOf, type MarkerLine } from '../../sidecar/protocol/markerLines';
import { parseAnsi } from '../ansi';
import { segmentsTemplate } from './highlight';
import { ROW } from './logGeometry';
import { ansiPalette } from './theme';

export interface LogLineOptions {
  /** Marker lines as printed, without the headers. */
  rawMarkers: boolean;
  /** Text to mark. */
  needle: string;
  /** In the selection: 'focus' when it is one line, 'sel' for a range. */
  selected: 'focus' | 'sel' | null;
  /** The current find hit. */
  hit: boolean;
  /** The line the keyboard is on. */
  cursor: boolean;
  /** The log's line count (aria-setsize: only the visible lines exist). */
  total: number;
  /** A click on the line number (shift: extend the selection). */
  onNumberClick: (e: MouseEvent) => void;
}

export const logLineStyles = [
  css`
    .line { height: ${ROW}px; line-height: ${ROW}px; white-space: pre; display: flex; }
    .line.stderr .text { color: var(--vscode-terminal-ansiRed, #f14c4c); }
    .line.sel { background: var(--vscode-editor-inactiveSelectionBackground, rgba(58, 61, 65, 0.8)); }
    .line.focus { background: var(--vscode-editor-rangeHighlightBackground, rgba(255, 255, 255, 0.06)); }
    .line.hit { background: var(--vscode-editor-findMatchHighlightBackground, rgba(234, 92, 0, 0.25)); }
    .line.cursor { outline: 1px solid var(--vscode-focusBorder, #0078d4); outline-offset: -1px; }
    .num {
      flex: none; width: 7ch; padding-right: 1ch; text-align: right; cursor: pointer; user-select: none;
      /* Not editorLineNumber.foreground: Dark Modern's (#6e7681) is 3.6:1 on the editor, below the 4.5:1 text needs. */
      color: var(--vscode-descriptionForeground, #9d9d9d);
    }
    .num:hover { color: var(--vscode-editorLineNumber-activeForeground, #cccccc); }
    .text { padding-left: 6px; }
    .pending { color: var(--vscode-disabledForeground, #6e7681); }
    mark { background: var(--vscode-editor-findMatchBackground, #9e6a03); color: inherit; border-radius: 2px; }
    /* The glyph carries the terminal colour; the words stay in a text colour of the theme (the
       terminal's cyan, green and yellow fall below 4.5:1 on light backgrounds). */
    .marker { font-weight: bold; margin-right: 1.5ch; }
    .marker.start .glyph, .marker.artifact .glyph { color: var(--vscode-terminal-ansiCyan, #11a8cd); }
    .marker.complete .glyph { color: var(--vscode-terminal-ansiGreen, #0dbc79); }
    .marker.error { color: var(--vscode-list-errorForeground, var(--vscode-errorForeground, #f85149)); }
    .marker.warning .glyph { color: var(--vscode-terminal-ansiYellow, #e5e510); }
    .marker.artifact { font-weight: normal; }
    /* A rule above each step header; a shadow, not a border, so rows keep their height. */
    .line.marker-line.start { box-shadow: inset 0 1px 0 var(--vscode-panel-border, #2b2b2b); }
    .raw-marker { color: var(--vscode-descriptionForeground, #9d9d9d); }
  `,
  ansiPalette,
];

/** Row `n`; `line` is undefined while its page is being read ("…"). */
export function logLineTemplate(n: number, line: LogLine | undefined, opts: LogLineOptions): TemplateResult {
  const marker = line && !opts.rawMarkers ? markerLineOf(line.text) : null;
  const classes = [
    'line',
    marker ? `marker-line ${marker.kind}` : '',
    line?.stream === 'stderr' ? 'stderr' : '',
    opts.selected ?? '',
    opts.hit ? 'hit' : '',
    opts.cursor ? 'cursor' : '',
  ].join(' ');
  return html`<div class=${classes} data-line=${n} id=${`log-line-${n}`} role="option" aria-posinset=${n} aria-setsize=${opts.total}
    aria-selected=${opts.selected ? 'true' : 'false'}>
    <span class="num" @click=${opts.onNumberClick}>${n}</span>
    <span class="text">${!line
      ? html`<span class="pending">…</span>`
      : marker
        ? markerTemplate(marker, segmentsTemplate(parseAnsi(line.text), opts.needle))
        : segmentsTemplate(parseAnsi(line.text), opts.needle)}</span>
  </div>`;
}

/** The meaning as a header ("▶ Build", "✓ Build", "✗ message"), then the raw line dimmed, which keeps the find highlights. META lines are only dimmed. */
function markerTemplate(marker: MarkerLine, raw: unknown) {
  if (marker.kind === 'meta') return html`<span class="raw-marker">${raw}</span>`;
  const space = marker.label.indexOf(' ');
  return html`<span class="marker ${marker.kind}"><span class="glyph">${marker.label.slice(0, space)}</span> ${marker.label.slice(space + 1)}</span><span class="raw-marker">${raw}</span>`;
}
