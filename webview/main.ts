// Browser entry of the Lit components (dist/webview.js, ESM). The page says which host it
// is with <meta name="stepflow-host" content="vscode|dashboard">; without one (tests) nothing
// boots and the page mounts the app with a data source of its own.
import { createBrowserHost } from './browserHost';
import type { StepflowDataSource } from './dataSource';
import { createVscodeHost } from './vscodeHost';
import './components/sf-history-app';

export { SfHistoryApp } from './components/sf-history-app';
export { SfLogViewer } from './components/sf-log-viewer';
export { HistoryController } from './historyController';
export { parseAnsi } from './ansi';
export type { StepflowDataSource, LiveListener, ViewState } from './dataSource';

export const WEBVIEW_ENTRY = 'stepflow-webview';

/** Puts the history app into `container` (or the page's <sf-history-app>) over a data source. */
export function mountHistory(source: StepflowDataSource, container: Element = document.body): HTMLElement {
  const app = document.querySelector('sf-history-app') ?? container.appendChild(document.createElement('sf-history-app'));
  app.source = source;
  return app;
}

const host = document.querySelector<HTMLMetaElement>('meta[name="stepflow-host"]')?.content;
if (host === 'vscode') mountHistory(createVscodeHost());
else if (host === 'dashboard') mountHistory(createBrowserHost());
