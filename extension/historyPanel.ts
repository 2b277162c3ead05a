// "StepFlow: Show History": the history components (webview/) in a webview panel. Strict
// CSP with a nonce, scripts and fonts only from dist/, typed messages both ways (the
// descriptors of sidecar/protocol/history.ts and live.ts), data from the sidecar over the
// language-server connection, live updates from the RunsModel, and a serializer so the
// panel comes back after a reload with its state.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  HistoryCancelRun,
  HistoryCompared,
  HistoryCopy,
  HistoryGetRun,
  HistoryListRuns,
  HistoryOpenArtifact,
  HistoryReadLog,
  HistoryRunExpectations,
  HistorySearchLogs,
  HistoryStepStats,
  MAX_LOG_LINES,
  pageRuns,
} from '../sidecar/protocol/history';
import {
  CancelRequest,
  GetRunRequest,
  ListRunsRequest,
  ReadLogRequest,
  RunExpectationsRequest,
  SearchLogsRequest,
  StepStatsRequest,
} from '../sidecar/protocol/lsp';
import { isAnyRequest, type RequestMessage, type RequestType, type ResponseMessage } from '../sidecar/protocol/messages';
import { historyPage } from '../sidecar/protocol/historyPage';
import { PanelLiveFeed } from './panelLive';
import type { RunsModel } from './runsModel';
import { showCancelRefused } from './commands';

export const HISTORY_VIEW_TYPE = 'stepflow.history';

export interface HistoryDeps {
  client: LanguageClient;
  model: RunsModel;
  log: vscode.LogOutputChannel;
  /** The user compared two runs in the panel (the walkthrough's last step). */
  onCompared?: () => void;
}

interface Handler {
  type: RequestType<unknown, unknown>;
  run(params: unknown): Promise<unknown>;
}

function handler<P, R>(type: RequestType<P, R>, run: (params: P) => Promise<R> | R): Handler {
  return { type: type as unknown as RequestType<unknown, unknown>, run: async (params) => run(params as P) };
}

/** The panel as the integration tests see it. */
export interface HistoryPanels {
  /** Every message posted to the panel's webview (the live feed's included). */
  readonly onDidPost: vscode.Event<unknown>;
}

/** Registers the command, the serializer and owns the (single) panel. */
export function registerHistoryPanel(context: vscode.ExtensionContext, deps: HistoryDeps): HistoryPanels {
  let current: HistoryPanel | undefined;
  const posted = new vscode.EventEmitter<unknown>();
  context.subscriptions.push(posted);
  const attach = (panel: vscode.WebviewPanel) => {
    current = new HistoryPanel(panel, context.extensionUri, deps, (message) => posted.fire(message));
    panel.onDidDispose(() => (current = undefined));
    return current;
  };
  context.subscriptions.push(
    vscode.commands.registerCommand('stepflow.showHistory', () => {
      if (current) {
        current.panel.reveal();
        return;
      }
      const panel = vscode.window.createWebviewPanel(HISTORY_VIEW_TYPE, 'StepFlow History', vscode.ViewColumn.Active, webviewOptions(context.extensionUri));
      attach(panel);
    }),
    vscode.window.registerWebviewPanelSerializer(HISTORY_VIEW_TYPE, {
      // The webview's own state (filters, selected run, tab) survives in the panel; it reads it back itself.
      async deserializeWebviewPanel(panel: vscode.WebviewPanel) {
        panel.webview.options = webviewOptions(context.extensionUri);
        attach(panel);
      },
    }),
    { dispose: () => current?.panel.dispose() },
  );
  return { onDidPost: posted.event };
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')], enableFindWidget: false };
}

class HistoryPanel {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly live: PanelLiveFeed;
  private readonly handlers: Handler[];

  constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly deps: HistoryDeps,
    private readonly onPost: (message: unknown) => void,
  ) {
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'history.svg');
    panel.webview.html = html(panel.webview, extensionUri);
    this.handlers = this.createHandlers();
    const { model, client } = deps;
    this.live = new PanelLiveFeed(
      {
        recent: () => model.list().map((run) => run.record),
        known: (runId) => model.get(runId)?.record,
        fetch: (runId) => client.sendRequest(GetRunRequest, { runId }),
        lastSeq: () => model.lastSeq,
      },
      (message) => this.post(message),
    );
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => void this.receive(message)),
      // The sidecar's feed, as the model received it (extension/panelLive.ts). Not while the
      // panel is hidden: its webview is gone then (no retainContextWhenHidden), and the one
      // made when it is shown again subscribes anew and starts from its acks.
      model.onFeed((message) => {
        if (panel.visible) this.live.forward(message);
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private createHandlers(): Handler[] {
    const { client, model } = this.deps;
    return [
      // The query goes to the sidecar as it is; pageRuns cuts the page, as GET /api/executions does.
      handler(HistoryListRuns, (query) => pageRuns(query, (q) => client.sendRequest(ListRunsRequest, q))),
      handler(HistoryGetRun, async ({ runId }) => {
        const live = model.get(runId);
        return live && live.record.status === 'running' ? live.record : client.sendRequest(GetRunRequest, { runId });
      }),
      handler(HistoryReadLog, ({ runId, fromLine, maxLines }) =>
        client.sendRequest(ReadLogRequest, { runId, fromLine: Math.max(1, fromLine), maxLines: Math.min(Math.max(0, maxLines), MAX_LOG_LINES) }),
      ),
      handler(HistorySearchLogs, (params) => client.sendRequest(SearchLogsRequest, { ...params, limit: Math.min(params.limit ?? 100, 1000) })),
      handler(HistoryStepStats, ({ script }) => client.sendRequest(StepStatsRequest, { script })),
      handler(HistoryRunExpectations, async ({ runId }) => {
        // The model already holds them for runs it saw start or asked about; else the sidecar.
        const known = model.get(runId)?.expectations;
        return known !== undefined ? known : client.sendRequest(RunExpectationsRequest, { runId });
      }),
      handler(HistoryOpenArtifact, async ({ runId, index }) => {
        // By index into the stored run: the webview never hands the extension a path.
        const run = await client.sendRequest(GetRunRequest, { runId });
        const artifact = run?.artifacts[index];
        if (!artifact) throw new Error(`run ${runId} has no artifact #${index}`);
        await vscode.commands.executeCommand('stepflow.openArtifact', artifact.path);
      }),
      handler(HistoryCopy, async ({ text }) => {
        await vscode.env.clipboard.writeText(text);
      }),
      handler(HistoryCompared, () => {
        this.deps.onCompared?.();
      }),
      handler(HistoryCancelRun, async ({ runId }) => {
        const answer = await client.sendRequest(CancelRequest, { runId });
        if (!answer.cancelled) showCancelRefused(answer.reason);
        return answer;
      }),
    ];
  }

  private async receive(message: unknown): Promise<void> {
    if (this.live.receive(message)) return;
    if (!isAnyRequest(message)) return;
    const found = this.handlers.find((h) => h.type.is(message));
    const response: ResponseMessage = { kind: 'response', id: message.id };
    if (!found) {
      response.error = `unknown or malformed request ${String(message.method)}`;
    } else {
      try {
        response.result = await found.run((message as RequestMessage).params);
      } catch (err) {
        response.error = (err instanceof Error ? err.message : String(err)).split('\n', 1)[0];
        this.deps.log.warn(`history panel: ${message.method}: ${response.error}`);
      }
    }
    this.post(response);
  }

  private post(message: unknown): void {
    void this.panel.webview.postMessage(message);
    this.onPost(message);
  }

  private dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function html(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const dist = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', file)).toString();
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
  ].join('; ');
  return historyPage({
    host: 'vscode',
    nonce,
    cspMeta: csp,
    codiconHref: dist('codicon.css'),
    scriptSrc: dist('webview.js'),
    style: [
      'html, body { height: 100%; margin: 0; padding: 0; overflow: hidden; }',
      'body { background: var(--vscode-editor-background); color: var(--vscode-foreground); }',
    ].join('\n'),
  });
}
