// Styles shared by the sf- components. Only --vscode-* variables, each with a fallback for
// pages that do not define them (the dashboard defines them; tests may not).
import { css, unsafeCSS } from 'lit';

export const base = css`
  :host {
    box-sizing: border-box;
    color: var(--vscode-foreground, #cccccc);
    font-family: var(--vscode-font-family, system-ui, sans-serif);
    font-size: var(--vscode-font-size, 13px);
  }
  *, *::before, *::after { box-sizing: inherit; }
  [hidden] { display: none !important; }
  /* Read by screen readers, not shown: the words for what the eye gets from icons and symbols. */
  .sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
  .muted { color: var(--vscode-descriptionForeground, #9d9d9d); }
  .mono { font-family: var(--vscode-editor-font-family, monospace); }
  .ellipsis { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  button.icon {
    display: inline-flex; align-items: center; justify-content: center;
    width: 24px; height: 22px; padding: 0; border: none; border-radius: 5px;
    background: transparent; color: inherit; cursor: pointer;
  }
  button.icon:hover { background: var(--vscode-toolbar-hoverBackground, rgba(90, 93, 94, 0.31)); }
  button.icon:disabled { opacity: 0.4; cursor: default; background: transparent; }
  button.primary, button.secondary {
    height: 24px; padding: 0 10px; border: 1px solid var(--vscode-button-border, transparent); border-radius: 2px;
    font: inherit; cursor: pointer; display: inline-flex; align-items: center; gap: 4px;
  }
  button.primary { background: var(--vscode-button-background, #0078d4); color: var(--vscode-button-foreground, #fff); }
  button.primary:hover { background: var(--vscode-button-hoverBackground, #026ec1); }
  button.secondary { background: var(--vscode-button-secondaryBackground, #313131); color: var(--vscode-button-secondaryForeground, #ccc); }
  button.secondary:hover { background: var(--vscode-button-secondaryHoverBackground, #3c3c3c); }
  button:focus-visible, input:focus, select:focus { outline: 1px solid var(--vscode-focusBorder, #0078d4); outline-offset: -1px; }
  input, select {
    height: 24px; font: inherit; border-radius: 2px;
    color: var(--vscode-input-foreground, #ccc);
    background: var(--vscode-input-background, #313131);
    border: 1px solid var(--vscode-input-border, var(--vscode-dropdown-border, #3c3c3c));
    padding: 0 6px;
  }
  select {
    color: var(--vscode-dropdown-foreground, #ccc);
    background: var(--vscode-dropdown-background, #313131);
    border-color: var(--vscode-dropdown-border, #3c3c3c);
    padding: 0 4px;
  }
  input::placeholder { color: var(--vscode-input-placeholderForeground, #989898); }
  .badge {
    display: inline-block; min-width: 18px; padding: 0 5px; border-radius: 9px; line-height: 16px; font-size: 11px; text-align: center;
    background: var(--vscode-badge-background, #616161); color: var(--vscode-badge-foreground, #f8f8f8);
  }
  .tag {
    display: inline-block; padding: 0 5px; border-radius: 3px; font-size: 11px; line-height: 16px;
    border: 1px solid var(--vscode-widget-border, #3c3c3c); color: var(--vscode-descriptionForeground, #9d9d9d);
  }
  .succeeded { color: var(--vscode-testing-iconPassed, #73c991); }
  .failed, .timed_out { color: var(--vscode-testing-iconFailed, #f14c4c); }
  .running { color: var(--vscode-progressBar-background, #0078d4); }
  .cancelled, .interrupted { color: var(--vscode-disabledForeground, #8c8c8c); }
  /* Text colours from the theme's list colours, made for text: Light Modern's errorForeground (#f85149) is 3.3:1 on white. */
  .warn { color: var(--vscode-list-warningForeground, var(--vscode-editorWarning-foreground, #cca700)); }
  .error-text { color: var(--vscode-list-errorForeground, var(--vscode-errorForeground, #f85149)); }
  ::-webkit-scrollbar { width: 10px; height: 10px; }
  ::-webkit-scrollbar-thumb { background: var(--vscode-scrollbarSlider-background, rgba(121, 121, 121, 0.4)); }
  ::-webkit-scrollbar-thumb:hover { background: var(--vscode-scrollbarSlider-hoverBackground, rgba(100, 100, 100, 0.7)); }
  ::-webkit-scrollbar-corner { background: transparent; }
`;

/** The 16 terminal colours by SGR index, with VS Code's dark defaults where the theme gives none. */
const ANSI_COLOURS: ReadonlyArray<readonly [name: string, fallback: string]> = [
  ['Black', '#000000'], ['Red', '#cd3131'], ['Green', '#0dbc79'], ['Yellow', '#e5e510'],
  ['Blue', '#2472c8'], ['Magenta', '#bc3fbc'], ['Cyan', '#11a8cd'], ['White', '#e5e5e5'],
  ['BrightBlack', '#666666'], ['BrightRed', '#f14c4c'], ['BrightGreen', '#23d18b'], ['BrightYellow', '#f5f543'],
  ['BrightBlue', '#3b8eea'], ['BrightMagenta', '#d670d6'], ['BrightCyan', '#29b8db'], ['BrightWhite', '#e5e5e5'],
];

/**
 * The classes `parseAnsi` (webview/ansi.ts) gives a segment: f0–f15 / b0–b15 for the theme's
 * terminal colours, fi / bi for inverse video, and the text attributes.
 */
export const ansiPalette = css`
  .bold { font-weight: bold; } .dim { opacity: 0.6; } .italic { font-style: italic; }
  .underline { text-decoration: underline; } .strike { text-decoration: line-through; }
  ${unsafeCSS(
    ANSI_COLOURS.map(([name, fallback], i) => `.f${i} { color: var(--vscode-terminal-ansi${name}, ${fallback}); }`
      + ` .b${i} { background: var(--vscode-terminal-ansi${name}, ${fallback}); }`).join('\n'),
  )}
  .fi { color: var(--vscode-terminal-background, var(--vscode-editor-background, #1f1f1f)); }
  .bi { background: var(--vscode-terminal-foreground, var(--vscode-editor-foreground, #cccccc)); }
`;

/** The status icon of a run or step. */
export function statusIcon(status: string): 'pass' | 'error' | 'circle-slash' | 'loading' | 'watch' | 'warning' {
  switch (status) {
    case 'succeeded':
      return 'pass';
    case 'failed':
      return 'error';
    case 'timed_out':
      return 'watch';
    case 'running':
      return 'loading';
    case 'interrupted':
      return 'warning';
    default:
      return 'circle-slash';
  }
}

export const STATUS_LABEL: Record<string, string> = {
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  timed_out: 'Timed out',
  interrupted: 'Interrupted',
};
