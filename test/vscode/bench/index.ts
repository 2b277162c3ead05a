// Extension-host benchmark (`extensionTestsPath` of a run through test/vscode/runIntegration.mjs,
// driven by test/bench/vscode.mjs for `npm run bench`). Not a test: it measures and writes
// figures to $STEPFLOW_BENCH_OUT as JSON; it fails only when it cannot measure.
//
// 1. Activation, cold: the extension must not be active yet (no activation event fired in
//    the bench workspace). A Module._load hook sees VS Code require dist/extension.js and
//    hands back the exports with `activate` wrapped, giving the same three figures as VS
//    Code's own ExtensionActivationTimes: code loading (require of the bundle), the
//    synchronous part of activate() (until it returns its promise) and activate() resolved
//    (the sidecar spawned, the LSP handshake done, stored runs listed). VS Code's own marks
//    (code/extHost/willLoadExtensionCode/…) are read as a cross-check when present.
// 2. Marker → tree latency: latency.js (in the workspace) prints 2 × STEPS markers and
//    records when it wrote each. Here, every onDidChangeTreeData of api.tree is probed at
//    once (tree.getChildren / getTreeItem, as VS Code would call them), and the first time
//    a step appears (STEP_START) or shows its check icon (STEP_COMPLETE) is recorded. As a
//    second figure, tree.getTreeItem is wrapped to record when the workbench itself fetched
//    the updated item (the StepFlow view is visible: the run is revealed on start) — the
//    last step inside the extension host before the renderer paints.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { StepflowApi } from '../../../extension/main';
import type { RunNode } from '../../../extension/runsTree';

interface ActivationFigures {
  wasActiveBefore: boolean;
  hookFired: boolean;
  codeLoadingMs: number | null;
  activateSyncMs: number | null;
  activateResolvedMs: number | null;
  /** await extension.activate() as seen by a caller (includes VS Code's own bookkeeping). */
  extensionActivateMs: number;
  vscodeMarks: { codeLoadingMs: number | null };
  /** ms since the extension host process started, when the bench began. */
  hostUptimeMs: number;
}

interface Stats {
  count: number;
  missing: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

type NodeModule = {
  _load: (request: string, parent: unknown, isMain: boolean) => unknown;
  _resolveFilename: (request: string, parent: unknown, isMain: boolean) => string;
};

const EXTENSION_ID = 'stepflow.stepflow';

export async function run(): Promise<void> {
  const out = process.env.STEPFLOW_BENCH_OUT;
  const result: Record<string, unknown> = { startedAt: new Date().toISOString() };
  try {
    const { figures, api } = await measureActivation();
    result.activation = figures;
    result.latency = await measureLatency(api);
  } catch (err) {
    result.error = err instanceof Error ? err.stack ?? err.message : String(err);
    throw err;
  } finally {
    if (out) fs.writeFileSync(out, JSON.stringify(result, null, 2));
    console.log(`stepflow bench: ${result.error ? 'failed' : 'done'}${out ? ` (${out})` : ''}`);
  }
}

async function measureActivation(): Promise<{ figures: ActivationFigures; api: StepflowApi }> {
  const extension = vscode.extensions.getExtension<StepflowApi | undefined>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed in this host`);
  const wasActiveBefore = extension.isActive;
  const main = path.join(extension.extensionPath, 'dist', 'extension.js');
  const Module = require('node:module') as NodeModule;
  const originalLoad = Module._load;
  const timing = { hookFired: false, codeLoadingMs: null as number | null, activateSyncMs: null as number | null, activateResolvedMs: null as number | null };
  Module._load = function (this: unknown, request: string, parent: unknown, isMain: boolean) {
    let resolved: string | undefined;
    if (typeof request === 'string' && request.endsWith('extension.js')) {
      try {
        resolved = Module._resolveFilename(request, parent, isMain);
      } catch {
        resolved = undefined;
      }
    }
    if (resolved !== main) return originalLoad.call(this, request, parent, isMain);
    timing.hookFired = true;
    const t0 = performance.now();
    const exports = originalLoad.call(this, request, parent, isMain) as { activate: (context: vscode.ExtensionContext) => unknown; deactivate?: () => unknown };
    timing.codeLoadingMs = performance.now() - t0;
    return {
      ...exports,
      activate(context: vscode.ExtensionContext) {
        const a = performance.now();
        const promise = exports.activate(context);
        timing.activateSyncMs = performance.now() - a;
        void Promise.resolve(promise).then(
          () => (timing.activateResolvedMs = performance.now() - a),
          () => undefined,
        );
        return promise;
      },
    };
  };
  const hostUptimeMs = process.uptime() * 1000;
  let api: StepflowApi | undefined;
  const t0 = performance.now();
  try {
    api = await extension.activate();
  } finally {
    Module._load = originalLoad;
  }
  const extensionActivateMs = performance.now() - t0;
  if (!api) throw new Error('StepFlow activated without its API (the sidecar did not start)');
  return {
    api,
    figures: { wasActiveBefore, ...timing, extensionActivateMs, vscodeMarks: { codeLoadingMs: vscodeCodeLoadingMs() }, hostUptimeMs },
  };
}

/** VS Code's own performance marks around loading our code, when the host exposes them. */
function vscodeCodeLoadingMs(): number | null {
  const perf = (globalThis as { MonacoPerformanceMarks?: { getMarks(): Array<{ name: string; startTime: number }> } }).MonacoPerformanceMarks;
  if (!perf) return null;
  const marks = perf.getMarks();
  const at = (name: string) => marks.find((m) => m.name === `code/extHost/${name}/${EXTENSION_ID}`)?.startTime;
  const will = at('willLoadExtensionCode');
  const did = at('didLoadExtensionCode');
  return will !== undefined && did !== undefined ? did - will : null;
}

const PHASES = { a: 'dense', b: 'sparse', c: 'sparseChatty' } as const;
type Phase = (typeof PHASES)[keyof typeof PHASES];

async function measureLatency(api: StepflowApi) {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the bench needs its workspace open');
  const script = vscode.Uri.joinPath(folder.uri, 'latency.js');
  const tree = api.tree;
  let runId: string | undefined;
  let t0 = 0;
  // "start:a3" | "complete:a3" → the first time it was visible
  const seen = new Map<string, number>(); // … through the provider, probed on onDidChangeTreeData
  const pulled = new Map<string, number>(); // … in an item the workbench fetched
  let probing = false;
  let fires = 0;
  const workbench = { rootFetches: 0, runFetches: 0, itemFetches: 0, runFetchAtMs: [] as number[] };

  const note = (into: Map<string, number>, item: vscode.TreeItem, at: number) => {
    const name = String(typeof item.label === 'object' ? item.label.label : item.label);
    if (!/^[abc]\d+$/.test(name)) return;
    if (!into.has(`start:${name}`)) into.set(`start:${name}`, at);
    if ((item.iconPath as vscode.ThemeIcon | undefined)?.id === 'pass' && !into.has(`complete:${name}`)) into.set(`complete:${name}`, at);
  };

  const originalGetTreeItem = tree.getTreeItem;
  const originalGetChildren = tree.getChildren;
  tree.getTreeItem = function (this: typeof tree, node: RunNode) {
    const item = originalGetTreeItem.call(this, node);
    if (!probing && runId && node.kind === 'step' && node.runId === runId) {
      workbench.itemFetches++;
      note(pulled, item, Date.now());
    }
    return item;
  };
  tree.getChildren = function (this: typeof tree, node?: RunNode) {
    if (!probing && !node) workbench.rootFetches++;
    if (!probing && node?.kind === 'run' && node.runId === runId) {
      workbench.runFetches++;
      workbench.runFetchAtMs.push(Date.now() - t0);
    }
    return originalGetChildren.call(this, node);
  };
  const subscription = tree.onDidChangeTreeData(() => {
    const at = Date.now();
    fires++;
    if (!runId) return;
    probing = true;
    try {
      const runNode = tree.getChildren().find((n) => n.runId === runId);
      if (!runNode) return;
      for (const node of tree.getChildren(runNode)) if (node.kind === 'step') note(seen, tree.getTreeItem(node), at);
    } finally {
      probing = false;
    }
  });

  try {
    const finished = new Promise<string>((resolve) => {
      const sub = api.model.onDidChange(() => {
        const run = runId ? api.model.get(runId) : undefined;
        if (run && run.record.status !== 'running') {
          sub.dispose();
          resolve(run.record.status);
        }
      });
    });
    // The StepFlow view must be visible for the workbench to fetch items at all; starting a
    // run also reveals it, but focusing the view first does not depend on that setting.
    await vscode.commands.executeCommand('stepflow.runs.focus');
    t0 = Date.now();
    runId = await api.launcher.run(script);
    if (!runId) throw new Error('the run did not start');
    const status = await withTimeout(finished, 180_000, 'the latency run to finish');
    const runMs = Date.now() - t0;
    if (status !== 'succeeded') throw new Error(`the latency run ${status}`);
    // The workbench's last fetch after the end still counts (a starved view catches up then).
    await new Promise((r) => setTimeout(r, 1500));
    const marksFile = path.join(folder.uri.fsPath, `marks-${runId}.json`);
    const marks = JSON.parse(fs.readFileSync(marksFile, 'utf8')) as Array<['start' | 'complete', string, number]>;

    const delays = (from: Map<string, number>, phase: Phase | null, kind?: 'start' | 'complete') => {
      const values: number[] = [];
      let missing = 0;
      for (const [k, name, printed] of marks) {
        if ((kind && k !== kind) || (phase && PHASES[name[0] as keyof typeof PHASES] !== phase)) continue;
        const shown = from.get(`${k}:${name}`);
        if (shown === undefined) missing++;
        else values.push(shown - printed);
      }
      return stats(values, missing);
    };
    const byPhase = (from: Map<string, number>) =>
      Object.fromEntries((Object.values(PHASES) as Phase[]).map((phase) => [phase, { all: delays(from, phase), start: delays(from, phase, 'start'), complete: delays(from, phase, 'complete') }]));
    const markersPerPhase = Object.fromEntries((Object.values(PHASES) as Phase[]).map((phase) => [phase, marks.filter(([, name]) => PHASES[name[0] as keyof typeof PHASES] === phase).length]));
    return {
      markers: marks.length,
      markersPerPhase,
      runMs,
      treeChangeEvents: fires,
      workbench,
      provider: byPhase(seen),
      fetched: byPhase(pulled),
    };
  } finally {
    subscription.dispose();
    tree.getTreeItem = originalGetTreeItem;
    tree.getChildren = originalGetChildren;
  }
}

function stats(values: number[], missing: number): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]! : null);
  return {
    count: sorted.length,
    missing,
    p50: rank(50),
    p90: rank(90),
    p99: rank(99),
    max: sorted.length ? sorted[sorted.length - 1]! : null,
    mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : null,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
