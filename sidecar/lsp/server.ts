// The sidecar as a language server: LSP features for scripts plus StepFlow's own typed
// requests and notifications (sidecar/protocol/lsp.ts) on the same JSON-RPC connection.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ProposedFeatures,
  ResponseError,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
  type Connection,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CancelRequest, GetRunRequest, ListRunsRequest, ReadLogRequest, RunRequest, type RunErrorData, type SidecarRuntimeInfo } from '../protocol/lsp';
import { LiveSubscribe, LiveUnsubscribe } from '../protocol/live';
import { defaultDatabasePath, sqliteDriver } from '../store/database';
import { Store, StoreError } from '../store/store';
import { RunManager } from '../runs/runManager';
import { ExternalRunWatcher } from '../runs/externalRuns';
import { BackgroundLogIndexer } from '../runs/logIndexing';
import { InterpreterError } from '../runner/interpreter';
import { UserError, oneLine } from '../util/errors';
import { RunDiagnosticsBook } from './runDiagnostics';
import { runLenses } from './runLens';
import { EditorIntelligence } from './intelligence';
import { StepHistory } from './markers/history';
import { registerReportRequests } from './reportRequests';
import { registerHistoryRequests } from './historyRequests';
import type { InitializationOptions } from '../protocol/lsp';
import { RunConfigRequest } from '../protocol/runConfig';
import { projectConfigFor, resolveProfiles } from '../runs/runConfig';
import { LiveHub } from '../server/liveHub';

/** Long enough for a window reload or an extension update to bring the next one up. */
const DEFAULT_ADOPT_GRACE_MS = 120_000;

/** `initializationOptions.adoptGraceMs`, else `STEPFLOW_ADOPT_GRACE_MS`, else the default. */
function adoptGraceMs(init: InitializationOptions): number {
  for (const value of [init.adoptGraceMs, process.env.STEPFLOW_ADOPT_GRACE_MS]) {
    const ms = Number(value);
    if (value !== undefined && value !== '' && Number.isFinite(ms) && ms >= 0) return ms;
  }
  return DEFAULT_ADOPT_GRACE_MS;
}

export function startLanguageServer(connection: Connection = createConnection(ProposedFeatures.all)): void {
  const documents = new TextDocuments(TextDocument);
  const diagnostics = new RunDiagnosticsBook();
  let store: Store | undefined;
  // Marker completion, diagnostics, outline, hover/CodeLens history.
  const intelligence = new EditorIntelligence(connection, documents, diagnostics, new StepHistory(() => store));
  let runs: RunManager | undefined;
  let watcher: ExternalRunWatcher | undefined;
  // Search summaries of finished runs' logs, built while the editor's sidecar has time.
  let indexer: BackgroundLogIndexer | undefined;
  // The one live feed (sidecar/protocol/live.ts): the editor subscribes on this connection.
  let hub: LiveHub | undefined;
  let feed: { receive(message: unknown): boolean; close(): void } | undefined;

  const requireStore = (): Store => {
    if (!store) throw new ResponseError(-32002, 'StepFlow: the database is not open');
    return store;
  };

  const publishRunDiagnostics = (runId: string) => {
    const run = store?.getRun(runId);
    if (!run) return;
    // One publish per URI with the document's marker diagnostics and the run's together.
    for (const uri of diagnostics.update(run)) intelligence.publish(uri);
    intelligence.runsChanged();
  };

  connection.onInitialize((params) => {
    const init = (params.initializationOptions ?? {}) as InitializationOptions;
    const dbPath = path.resolve(init.dbPath || defaultDatabasePath(process.env));
    const opened = new Store(dbPath);
    store = opened;
    const liveHub = new LiveHub(store, 'lsp', { flagArtifacts: false });
    hub = liveHub;
    // The runs our predecessor left running (a reload restarted it) are ours now; only what
    // is gone is interrupted.
    runs = new RunManager(
      store,
      (events) => {
        liveHub.publish(events);
        for (const event of events) {
          if (event.type === 'runFinished' || event.type === 'runStarted') publishRunDiagnostics(event.runId);
          if (event.type === 'runFinished') indexer?.poke();
        }
      },
      50,
      adoptGraceMs(init),
    );
    const adopted = runs.adoptOrphans();
    // The hub follows adopted runs from their stored records, which must hold every event
    // their replay produced: publish those (nobody subscribed yet) and store them first.
    runs.sendPendingEvents();
    // Housekeeping writes: on a full disk (or a database locked for longer than the busy
    // timeout) the editor still starts and reads the history; the writer keeps what it
    // could not write and retries, and a later check marks the dead runs.
    const housekeeping = <T>(what: string, write: () => T, otherwise: T): T => {
      try {
        return write();
      } catch (err) {
        if (!(err instanceof StoreError && ['FULL', 'LOCKED', 'READONLY', 'IO'].includes(err.code))) throw err;
        connection.console.warn(`StepFlow could not ${what} now: ${err.message}`);
        return otherwise;
      }
    };
    housekeeping('save the adopted runs', () => opened.flush(), undefined);
    for (const id of adopted) liveHub.follow(id);
    const interrupted = housekeeping('mark the runs of ended processes interrupted', () => opened.markInterrupted(), [] as string[]);
    const owned = runs;
    // Runs of other processes reach the editor as full records (live/snapshot), not as ids to ask back for.
    watcher = new ExternalRunWatcher(store, (id) => owned.owns(id), (runIds) => {
      liveHub.snapshot(runIds);
      for (const id of runIds) publishRunDiagnostics(id);
    });
    indexer = new BackgroundLogIndexer(opened, { onError: (err) => connection.console.warn(`StepFlow could not index logs for search now: ${(err as Error).message}`) });
    connection.console.info(
      `StepFlow sidecar ${process.version}, database ${dbPath} through ${sqliteDriver()}` +
        (adopted.length ? `, ${adopted.length} run(s) adopted` : '') +
        (interrupted.length ? `, ${interrupted.length} run(s) marked interrupted` : ''),
    );
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        codeLensProvider: { resolveProvider: false },
        ...EditorIntelligence.capabilities,
        experimental: { stepflow: { node: process.versions.node, sqliteDriver: sqliteDriver() } satisfies SidecarRuntimeInfo },
      },
      serverInfo: { name: 'stepflow-sidecar' },
    };
  });

  connection.onInitialized(() => {
    // The editor subscribes (live/subscribe) once it is ready; its ack carries the adopted runs too.
    feed = hub?.connect({ send: (message) => void connection.sendNotification(message.method, message.params) });
    watcher?.start();
    indexer?.start();
  });
  connection.onNotification(LiveSubscribe.method, (params: unknown) => feed?.receive(LiveSubscribe.create(params as never)));
  connection.onNotification(LiveUnsubscribe.method, (params: unknown) => feed?.receive(LiveUnsubscribe.create(params as never)));

  connection.onCodeLens((params) => {
    const document = documents.get(params.textDocument.uri);
    return document ? [...runLenses(document), ...intelligence.codeLenses(document)] : [];
  });

  connection.onRequest(RunRequest, async (params) => {
    if (!runs) throw new ResponseError(-32002, 'StepFlow: not initialised');
    try {
      const script = params.script.startsWith('file:') ? fileURLToPath(params.script) : params.script;
      return { runId: await runs.start({ ...params, script }) };
    } catch (err) {
      const data: RunErrorData | undefined = err instanceof InterpreterError && err.missing ? { missingInterpreter: err.missing } : undefined;
      throw new ResponseError(err instanceof UserError ? 1 : -32603, oneLine(err), data);
    }
  });
  // The profiles a run of the script can use and where each came from (the Run with profile… picker).
  connection.onRequest(RunConfigRequest, ({ script, profiles }) => {
    try {
      const project = projectConfigFor(script.startsWith('file:') ? fileURLToPath(script) : script);
      return { file: project.file, profiles: resolveProfiles(project, profiles) };
    } catch (err) {
      throw new ResponseError(err instanceof UserError ? 1 : -32603, oneLine(err));
    }
  });
  // Our own runs, and those of other StepFlow processes of this user on this machine.
  connection.onRequest(CancelRequest, ({ runId }) => runs?.cancelAnywhere(runId) ?? { cancelled: false, reason: 'StepFlow: not initialised' });
  connection.onRequest(GetRunRequest, ({ runId }) => {
    // A snapshot must hold exactly the events the client got before it: send the queued
    // events first (they precede the answer on the wire) and store everything emitted so
    // far. Otherwise the client replaces its run with a snapshot older than events it has
    // already applied, and those are lost (a step missing from the tree for good).
    runs?.sendPendingEvents();
    const store = requireStore();
    store.flush();
    return store.getRun(runId) ?? null;
  });
  connection.onRequest(ListRunsRequest, (params) => requireStore().listRuns(params));
  connection.onRequest(ReadLogRequest, ({ runId, fromLine, maxLines }) => requireStore().readLog(runId, fromLine, maxLines));
  // Statistics and reports: stepflow/runExpectations, stepflow/report.
  registerReportRequests(connection, requireStore);
  // History panel requests: query runs with a cursor, search logs, step statistics.
  registerHistoryRequests(connection, requireStore);

  // A shutdown is a window reload or an extension update as often as a closed window: the
  // runs go on, with what was read stored, for the next language server to adopt (if none
  // comes within the grace period, the watchdog ends them). Then close the database.
  connection.onShutdown(() => {
    watcher?.stop();
    indexer?.stop();
    feed?.close();
    feed = undefined;
    runs?.detachAll();
    store?.close();
    store = undefined;
  });

  intelligence.listen();
  documents.listen(connection);
  connection.listen();
}
