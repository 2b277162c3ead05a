// `stepflow run <script> [args…] [--profile NAME] [--cwd DIR] [--timeout SEC] [--db PATH] [--json]`
import * as path from 'node:path';
import { RunSession } from '../runs/runSession';
import { loadProjectConfig, pickProfile } from '../runs/profiles';
import type { RunEvent } from '../protocol/events';
import { UserError } from '../util/errors';
import { numberOption, parseArgs, stringOption } from './args';
import { keptRuns, openCliStore } from './context';
import { createLiveDisplay } from './liveDisplay';
import { RUN_USAGE } from './usage';

export async function runCommand(argv: readonly string[]): Promise<number> {
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
  const config = loadProjectConfig(path.dirname(path.resolve(script)));
  const profile = pickProfile(config.profiles, profileName);

  const store = openCliStore(args);
  const session = new RunSession(store, {
    script,
    args: args.rest,
    ...(cwd !== undefined ? { cwd } : {}),
    profileName,
    profile,
    interpreters: config.interpreters,
    ...(timeoutSec !== undefined ? { timeoutMs: timeoutSec * 1000 } : {}),
    ...(config.outlierMinSamples !== undefined ? { outlierMinSamples: config.outlierMinSamples } : {}),
    ...(config.outlierMinSlowdownMs !== undefined ? { outlierMinSlowdownMs: config.outlierMinSlowdownMs } : {}),
  });

  const json = args.options.json === true;
  const display = json ? undefined : createLiveDisplay(process.stdout, process.stderr);
  if (display) {
    session.onEvent((event: RunEvent) => display.event(event));
    session.onOutput((stream, bytes) => display.output(stream, bytes));
  }

  // Ctrl-C or a terminating parent cancels the run (the whole process group), then we exit
  // with the script's outcome. A second Ctrl-C kills at once.
  let interrupts = 0;
  const onSignal = () => (++interrupts === 1 ? session.cancel() : session.kill());
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  try {
    await session.start();
    const result = await session.done;
    display?.close();
    if (json) {
      const record = store.getRun(result.runId);
      process.stdout.write(JSON.stringify(record, null, 2) + '\n');
    }
    store.prune({ maxRuns: keptRuns(process.env) });
    return result.shellExitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    display?.close();
    store.close();
  }
}
