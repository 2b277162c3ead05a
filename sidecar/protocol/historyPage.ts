// The HTML document that hosts the history components (<sf-history-app>, dist/webview.js),
// the same for both hosts: the VS Code panel (extension/historyPanel.ts) and the dashboard of
// `stepflow serve` (sidecar/server/page.ts). Each host gives its nonce, its asset URLs, its
// policy (the panel as a <meta> tag; the dashboard sends a header) and its CSS: the dashboard
// defines VS Code's theme variables itself, the panel gets them from VS Code.

export interface HistoryPageParts {
  /** Read by webview/main.ts from <meta name="stepflow-host">. */
  host: 'vscode' | 'dashboard';
  nonce: string;
  /** The Content-Security-Policy as a <meta> tag, for a host that cannot send a header. */
  cspMeta?: string;
  codiconHref: string;
  scriptSrc: string;
  /** Head elements after the host's <meta> (the dashboard's title and icon), one a line. */
  head?: string;
  /** The page's CSS, one rule a line. */
  style: string;
}

export function historyPage(parts: HistoryPageParts): string {
  const { nonce } = parts;
  const lines = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    ...(parts.cspMeta ? [`<meta http-equiv="Content-Security-Policy" content="${parts.cspMeta}">`] : []),
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="stepflow-host" content="${parts.host}">`,
    // A page without a title is announced by its address (axe: document-title); the dashboard brings its own.
    ...(parts.head?.includes('<title') ? [] : ['<title>StepFlow History</title>']),
    ...(parts.head ? [parts.head] : []),
    `<link rel="stylesheet" href="${parts.codiconHref}" nonce="${nonce}">`,
    `<style nonce="${nonce}">`,
    parts.style,
    'sf-history-app { height: 100vh; }',
    '</style>',
    '</head>',
    '<body>',
    '<sf-history-app></sf-history-app>',
    `<script type="module" nonce="${nonce}" src="${parts.scriptSrc}"></script>`,
    '</body>',
    '</html>',
  ];
  return lines.join('\n') + '\n';
}
