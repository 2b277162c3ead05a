// A real language-server client for the tests: starts the built sidecar (`node dist/sidecar.js
// lsp --stdio`) as a child process with a private STEPFLOW_HOME and talks JSON-RPC to it over
// its stdio, the way vscode-languageclient does. Waits are on messages, never on sleeps.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeActionRequest,
  CodeLensRequest,
  CompletionRequest,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentSymbolRequest,
  ExitNotification,
  HoverRequest,
  InitializeRequest,
  InitializedNotification,
  PrepareRenameRequest,
  PublishDiagnosticsNotification,
  RenameRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  createProtocolConnection,
  type CodeAction,
  type CodeLens,
  type CompletionItem,
  type CompletionList,
  type Diagnostic,
  type DocumentSymbol,
  type Hover,
  type InitializeResult,
  type ProtocolConnection,
  type Range,
  type WorkspaceEdit,
} from 'vscode-languageserver-protocol/node';
import { ROOT } from './cli';

export const SIDECAR = path.join(ROOT, 'dist', 'sidecar.js');

export class LspClient {
  readonly diagnostics = new Map<string, Diagnostic[]>();
  private readonly waiters: Array<{ uri: string; resolve: (d: Diagnostic[]) => void }> = [];
  private readonly versions = new Map<string, number>();
  initializeResult!: InitializeResult;
  stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly connection: ProtocolConnection,
  ) {}

  /** Starts the sidecar's language server against `$home/stepflow.db` (`env`: on top of ours). */
  static async start(home: string, env: Record<string, string> = {}): Promise<LspClient> {
    const child = spawn(process.execPath, [SIDECAR, 'lsp', '--stdio'], {
      env: { ...process.env, STEPFLOW_HOME: home, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new LspClient(child, connection);
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (client.stderr += text));
    connection.onNotification(PublishDiagnosticsNotification.type, ({ uri, diagnostics }) => {
      client.diagnostics.set(uri, diagnostics);
      for (let i = client.waiters.length - 1; i >= 0; i--) {
        if (client.waiters[i]!.uri === uri) client.waiters.splice(i, 1)[0]!.resolve(diagnostics);
      }
    });
    // The server asks for lens refreshes after runs; answer like an editor would.
    connection.onRequest('workspace/codeLens/refresh', () => null);
    connection.listen();
    client.initializeResult = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: { workspace: { codeLens: { refreshSupport: true } } },
      initializationOptions: {},
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  /** The next diagnostics published for `uri` after `action` runs. */
  async diagnosticsAfter(uri: string, action: () => Promise<void> | void): Promise<Diagnostic[]> {
    const next = new Promise<Diagnostic[]>((resolve) => this.waiters.push({ uri, resolve }));
    await action();
    return next;
  }

  /** Opens a document and resolves with its first diagnostics. */
  open(uri: string, languageId: string, text: string): Promise<Diagnostic[]> {
    this.versions.set(uri, 1);
    return this.diagnosticsAfter(uri, () =>
      this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } }),
    );
  }

  /** Replaces a range (or, without one, the whole text) and resolves with the new diagnostics. */
  change(uri: string, text: string, range?: Range): Promise<Diagnostic[]> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    return this.diagnosticsAfter(uri, () =>
      this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri, version },
        contentChanges: [range ? { range, text } : { text }],
      }),
    );
  }

  close(uri: string): Promise<Diagnostic[]> {
    return this.diagnosticsAfter(uri, () => this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } }));
  }

  async completion(uri: string, line: number, character: number, triggerCharacter?: string): Promise<CompletionItem[]> {
    const result = await this.connection.sendRequest(CompletionRequest.type, {
      textDocument: { uri },
      position: { line, character },
      context: triggerCharacter ? { triggerKind: 2, triggerCharacter } : { triggerKind: 1 },
    });
    return Array.isArray(result) ? result : ((result as CompletionList | null)?.items ?? []);
  }

  async codeActions(uri: string, range: Range, diagnostics: Diagnostic[] = []): Promise<CodeAction[]> {
    const result = await this.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics } });
    return (result ?? []) as CodeAction[];
  }

  prepareRename(uri: string, line: number, character: number) {
    return this.connection.sendRequest(PrepareRenameRequest.type, { textDocument: { uri }, position: { line, character } });
  }

  rename(uri: string, line: number, character: number, newName: string): Promise<WorkspaceEdit | null> {
    return this.connection.sendRequest(RenameRequest.type, { textDocument: { uri }, position: { line, character }, newName });
  }

  async symbols(uri: string): Promise<DocumentSymbol[]> {
    return ((await this.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) ?? []) as DocumentSymbol[];
  }

  hover(uri: string, line: number, character: number): Promise<Hover | null> {
    return this.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character } });
  }

  async codeLenses(uri: string): Promise<CodeLens[]> {
    return (await this.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? [];
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Kills the language server (a crash: no shutdown) and waits until it is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    this.child.kill(signal);
    await exited;
    this.connection.dispose();
  }

  /** Shutdown + exit, then waits for the process to end. */
  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    try {
      await this.connection.sendRequest(ShutdownRequest.type);
      await this.connection.sendNotification(ExitNotification.type);
    } catch {
      this.child.kill();
    }
    await exited;
    this.connection.dispose();
  }
}

export const fileUri = (file: string) => pathToFileURL(file).toString();

/** Applies a workspace edit's changes for one document to its text. */
export function applyEdits(text: string, edit: WorkspaceEdit | null | undefined, uri: string): string {
  const edits = [...(edit?.changes?.[uri] ?? [])];
  const lines = text.split('\n');
  const offsetAt = (p: { line: number; character: number }) => {
    let offset = 0;
    for (let i = 0; i < p.line; i++) offset += lines[i]!.length + 1;
    return offset + p.character;
  };
  edits.sort((a, b) => offsetAt(b.range.start) - offsetAt(a.range.start));
  let out = text;
  for (const e of edits) out = out.slice(0, offsetAt(e.range.start)) + e.newText + out.slice(offsetAt(e.range.end));
  return out;
}
