// `stepflow run <script> [args…] [--profile NAME] [--cwd DIR] [--timeout SEC] [--db PATH] [--json]`
import { RunSession } from '../runs/runSession';
import { resolveRun } from '../runs/runConfig';
import type { RunEvent } from '../protocol/events';
import { oneLine, UserError } from '../util/errors';
import { numberOption, parseArgs, stringOption } from './args';
import { keptRuns, openCliStore } from './context';
import { createLiveDisplay } from './liveDisplay';
import { RUN_USAGE } from './usage';
import { exportRunTrace, flushRunTraces } from '../telemetry/traceExport';
import { resolveHubTarget, type HubTargetSources } from '../hub/hubTarget';
import { shipOutbox } from '../hub/shipper';
import type { Store } from '../store/store';

/** Exit codes when the run was stopped: like a shell for a signal we got (128+n), timeout(1)'s 124. */
const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
const TIMEOUT_EXIT = 124;
/**
 * The longest a finished `stepflow run` waits for its trace to reach the collector before it
 * exits (docs/architecture.md, "Trace export"): the exporter's own deadline, retries
 * included, so a down collector costs at most this; the trace is then dropped with one line.
 */
export const TRACE_EXIT_WAIT_MS = 2000;
/**
 * The longest a finished `stepflow run` spends sending the outbox to a team hub before it
 * exits. What is not sent by then stays in the outbox (the next run, the language server or
 * `stepflow hub push` sends it): a slow or down hub delays the exit by at most this.
 */
export const HUB_EXIT_WAIT_MS = 3000;

export async function runCommand(argv: readonly string[]): Promise<number> {
  // First thing, before the database is opened: a Ctrl-C (or SIGTERM/SIGHUP) at any moment
  // from here on cancels the run — before the script is spawned it never runs — and is
  // honoured once: the run is stored as cancelled, we exit 128+signal once the script's whole
  // process group is gone. A second one sends SIGKILL to the group at once (still cancelled).
  let stopSignal: keyof typeof SIGNAL_EXIT | undefined;
  let session: RunSession | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopSignal === undefined) {
      stopSignal = signal as keyof typeof SIGNAL_EXIT;
      session?.cancel();
    } else {
      session?.kill();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  try {
    return await runWithSignals(argv, (s) => {
      session = s;
      if (stopSignal !== undefined) s.cancel();
    }, () => stopSignal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
}

async function runWithSignals(
  argv: readonly string[],
  attach: (session: RunSession) => void,
  stopSignal: () => keyof typeof SIGNAL_EXIT | undefined,
): Promise<number> {
  const args = parseArgs(
    argv,
    { profile: { value: true }, cwd: { value: true }, timeout: { value: true }, db: { value: true }, json: {} },
    { passUnknown: true, stopAtPositional: 1 },
  );
  const script = args.positionals[0];
  if (!script) throw new UserError(`missing script — usage: ${RUN_USAGE}`);
  const timeoutSec = numberOption(args, 'timeout');
  const cwd = stringOption(args, 'cwd');
  const profileName = stringOption(args, 'profile') ?? null;
  // The same resolution as a run from the editor or the API (runs/runConfig.ts): the flags
  // over the script's stepflow.json over the defaults.
  const { options, traceTarget, hub } = resolveRun({ script, args: args.rest, ...(cwd !== undefined ? { cwd } : {}), profileName, ...(timeoutSec !== undefined ? { timeoutSec } : {}) });

  const store = openCliStore(args);
  const session = new RunSession(store, options);

  const json = args.options.json === true;
  const display = json ? undefined : createLiveDisplay(process.stdout, process.stderr, options.dialects);
  if (display) {
    session.onEvent((event: RunEvent) => display.event(event));
    session.onOutput((stream, bytes) => display.output(stream, bytes));
  }

  attach(session);
  try {
    await session.start();
    const result = await session.done;
    display?.close();
    // Read the record only when someone wants it: a run without --json and without a
    // collector does not pay for it.
    const record = json || traceTarget ? store.getRun(result.runId) : null;
    if (record && traceTarget) exportRunTrace(record, traceTarget, { timeoutMillis: TRACE_EXIT_WAIT_MS });
    if (json) process.stdout.write(JSON.stringify(record, null, 2) + '\n');
    await shipToHub(store, hub);
    afterTheRun('prune old runs', () => store.prune({ maxRuns: keptRuns(process.env) }));
    // The export was sending while we printed and pruned; wait for it, bounded.
    if (traceTarget) await flushRunTraces(TRACE_EXIT_WAIT_MS + 500);
    const signal = stopSignal();
    if (result.status === 'cancelled' && signal !== undefined) return SIGNAL_EXIT[signal];
    if (result.status === 'timed_out') return TIMEOUT_EXIT;
    return result.shellExitCode;
  } finally {
    display?.close();
    afterTheRun('close the database', () => store.close());
  }
}

/**
 * Housekeeping once the run's outcome is known. A store that cannot write by then (the disk
 * filled up during the run) has already said so for the run itself; failing here must not
 * replace the script's exit code with ours, so it is one more warning.
 */
function afterTheRun(what: string, work: () => void): void {
  try {
    work();
  } catch (err) {
    process.emitWarning(`could not ${what}: ${oneLine(err)}`);
  }
}

/**
 * Sends what the outbox holds — this run and any earlier one still waiting — to the team
 * hub, if one is configured, within HUB_EXIT_WAIT_MS. Never fails the run: a problem is one
 * warning line, and the runs stay in the outbox.
 */
async function shipToHub(store: Store, sources: HubTargetSources): Promise<void> {
  const target = resolveHubTarget(sources);
  if (target === undefined) return;
  if ('problem' in target) return void process.emitWarning(target.problem);
  const result = await shipOutbox(store, target, { deadline: Date.now() + HUB_EXIT_WAIT_MS, requestTimeoutMs: HUB_EXIT_WAIT_MS });
  if (result.error) process.emitWarning(`${result.error}; ${result.pending} finished runs wait in the outbox and go with a later delivery`);
}
