// The dashboard page: the same Lit components as the VS Code panel (dist/webview.js), under
// a strict CSP with a per-response nonce. Outside VS Code nobody defines the --vscode-*
// theme variables, so the page defines them (Dark Modern / Light Modern by the OS scheme).
import { randomBytes } from 'node:crypto';
import { historyPage } from '../protocol/historyPage';

const DARK = `
  --vscode-font-family: system-ui, -apple-system, "Segoe UI", Ubuntu, sans-serif;
  --vscode-font-size: 13px;
  --vscode-editor-font-family: "Cascadia Code", "DejaVu Sans Mono", Menlo, Consolas, monospace;
  --vscode-editor-font-size: 13px;
  --vscode-foreground: #cccccc;
  --vscode-descriptionForeground: #9d9d9d;
  --vscode-disabledForeground: #6e7681;
  --vscode-errorForeground: #f85149;
  --vscode-focusBorder: #0078d4;
  --vscode-editor-background: #1f1f1f;
  --vscode-editor-foreground: #cccccc;
  --vscode-sideBar-background: #181818;
  --vscode-sideBarSectionHeader-background: #181818;
  --vscode-panel-border: #2b2b2b;
  --vscode-widget-border: #313131;
  --vscode-input-background: #313131;
  --vscode-input-foreground: #cccccc;
  --vscode-input-border: #3c3c3c;
  --vscode-input-placeholderForeground: #989898;
  --vscode-dropdown-background: #313131;
  --vscode-dropdown-foreground: #cccccc;
  --vscode-dropdown-border: #3c3c3c;
  --vscode-button-background: #0078d4;
  --vscode-button-foreground: #ffffff;
  --vscode-button-hoverBackground: #026ec1;
  --vscode-button-secondaryBackground: #313131;
  --vscode-button-secondaryForeground: #cccccc;
  --vscode-button-secondaryHoverBackground: #3c3c3c;
  --vscode-badge-background: #616161;
  --vscode-badge-foreground: #f8f8f8;
  --vscode-list-hoverBackground: #2a2d2e;
  --vscode-list-activeSelectionBackground: #04395e;
  --vscode-list-activeSelectionForeground: #ffffff;
  --vscode-list-inactiveSelectionBackground: #37373d;
  --vscode-panelTitle-activeBorder: #0078d4;
  --vscode-panelTitle-activeForeground: #e7e7e7;
  --vscode-panelTitle-inactiveForeground: #9d9d9d;
  --vscode-textLink-foreground: #4daafc;
  --vscode-textCodeBlock-background: #2b2b2b;
  --vscode-editor-findMatchHighlightBackground: rgba(234, 92, 0, 0.33);
  --vscode-editor-lineHighlightBackground: #282828;
  --vscode-editor-inactiveSelectionBackground: #3a3d41;
  --vscode-editor-rangeHighlightBackground: rgba(255, 255, 255, 0.04);
  --vscode-editor-findMatchBackground: #9e6a03;
  --vscode-editorLineNumber-foreground: #6e7681;
  --vscode-testing-iconPassed: #73c991;
  --vscode-testing-iconFailed: #f14c4c;
  --vscode-testing-iconQueued: #cca700;
  --vscode-charts-green: #89d185;
  --vscode-charts-red: #f14c4c;
  --vscode-charts-blue: #3794ff;
  --vscode-charts-yellow: #cca700;
  --vscode-charts-orange: #d18616;
  --vscode-charts-lines: rgba(204, 204, 204, 0.5);
  --vscode-progressBar-background: #0078d4;
  --vscode-scrollbarSlider-background: rgba(121, 121, 121, 0.4);
  --vscode-scrollbarSlider-hoverBackground: rgba(100, 100, 100, 0.7);
  --vscode-titleBar-activeBackground: #181818;
  --vscode-statusBar-background: #181818;
  --vscode-terminal-ansiBlack: #000000; --vscode-terminal-ansiRed: #cd3131; --vscode-terminal-ansiGreen: #0dbc79;
  --vscode-terminal-ansiYellow: #e5e510; --vscode-terminal-ansiBlue: #2472c8; --vscode-terminal-ansiMagenta: #bc3fbc;
  --vscode-terminal-ansiCyan: #11a8cd; --vscode-terminal-ansiWhite: #e5e5e5; --vscode-terminal-ansiBrightBlack: #666666;
  --vscode-terminal-ansiBrightRed: #f14c4c; --vscode-terminal-ansiBrightGreen: #23d18b; --vscode-terminal-ansiBrightYellow: #f5f543;
  --vscode-terminal-ansiBrightBlue: #3b8eea; --vscode-terminal-ansiBrightMagenta: #d670d6; --vscode-terminal-ansiBrightCyan: #29b8db;
  --vscode-terminal-ansiBrightWhite: #e5e5e5;
`;

const LIGHT = `
  --vscode-foreground: #3b3b3b;
  --vscode-descriptionForeground: #717171;
  --vscode-disabledForeground: #8c8c8c;
  --vscode-errorForeground: #cd3131;
  --vscode-focusBorder: #005fb8;
  --vscode-editor-background: #ffffff;
  --vscode-editor-foreground: #3b3b3b;
  --vscode-sideBar-background: #f8f8f8;
  --vscode-sideBarSectionHeader-background: #f8f8f8;
  --vscode-panel-border: #e5e5e5;
  --vscode-widget-border: #e5e5e5;
  --vscode-input-background: #ffffff;
  --vscode-input-foreground: #3b3b3b;
  --vscode-input-border: #cecece;
  --vscode-dropdown-background: #ffffff;
  --vscode-dropdown-foreground: #3b3b3b;
  --vscode-dropdown-border: #cecece;
  --vscode-button-background: #005fb8;
  --vscode-button-hoverBackground: #0258a8;
  --vscode-button-secondaryBackground: #e5e5e5;
  --vscode-button-secondaryForeground: #3b3b3b;
  --vscode-button-secondaryHoverBackground: #cccccc;
  --vscode-badge-background: #cccccc;
  --vscode-badge-foreground: #3b3b3b;
  --vscode-list-hoverBackground: #f2f2f2;
  --vscode-list-activeSelectionBackground: #e8e8e8;
  --vscode-list-activeSelectionForeground: #000000;
  --vscode-list-inactiveSelectionBackground: #e4e6f1;
  --vscode-panelTitle-activeBorder: #005fb8;
  --vscode-panelTitle-activeForeground: #3b3b3b;
  --vscode-panelTitle-inactiveForeground: #3b3b3b;
  --vscode-textLink-foreground: #005fb8;
  --vscode-textCodeBlock-background: #f8f8f8;
  --vscode-editor-lineHighlightBackground: #f5f5f5;
  --vscode-editor-inactiveSelectionBackground: #e5ebf1;
  --vscode-editor-rangeHighlightBackground: rgba(253, 255, 0, 0.2);
  --vscode-editor-findMatchBackground: #a8ac94;
  --vscode-editor-findMatchHighlightBackground: rgba(234, 92, 0, 0.33);
  --vscode-editorLineNumber-foreground: #6e7681;
  --vscode-testing-iconPassed: #388a34;
  --vscode-testing-iconFailed: #f14c4c;
  --vscode-charts-green: #388a34;
  --vscode-charts-lines: rgba(0, 0, 0, 0.3);
  --vscode-titleBar-activeBackground: #f8f8f8;
  --vscode-terminal-ansiBlack: #000000; --vscode-terminal-ansiRed: #cd3131; --vscode-terminal-ansiGreen: #107c10;
  --vscode-terminal-ansiYellow: #949800; --vscode-terminal-ansiBlue: #0451a5; --vscode-terminal-ansiMagenta: #bc05bc;
  --vscode-terminal-ansiCyan: #0598bc; --vscode-terminal-ansiWhite: #555555; --vscode-terminal-ansiBrightBlack: #666666;
  --vscode-terminal-ansiBrightRed: #cd3131; --vscode-terminal-ansiBrightGreen: #14ce14; --vscode-terminal-ansiBrightYellow: #b5ba00;
  --vscode-terminal-ansiBrightBlue: #0451a5; --vscode-terminal-ansiBrightMagenta: #bc05bc; --vscode-terminal-ansiBrightCyan: #0598bc;
  --vscode-terminal-ansiBrightWhite: #a5a5a5;
`;

export interface Page {
  html: string;
  csp: string;
}

/** The page for one response; `wsOrigin` is the ws:// origin of this very server. */
export function dashboardPage(wsOrigin: string): Page {
  const nonce = randomBytes(16).toString('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}'`,
    "font-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${wsOrigin}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const html = historyPage({
    host: 'dashboard',
    nonce,
    codiconHref: '/assets/codicon.css',
    scriptSrc: '/assets/webview.js',
    head: '<title>StepFlow</title>\n<link rel="icon" href="data:,">',
    style: [
      `:root { color-scheme: dark; ${DARK} }`,
      `@media (prefers-color-scheme: light) { :root { color-scheme: light; ${LIGHT} } }`,
      'html, body { height: 100%; margin: 0; }',
      'body { background: var(--vscode-editor-background); color: var(--vscode-foreground);',
      '       font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }',
    ].join('\n'),
  });
  return { html, csp };
}
