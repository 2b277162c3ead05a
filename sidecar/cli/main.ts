// The `stepflow` command line: dispatch, usage, and the one rule for errors — one line on
// stderr and a non-zero exit code, never a stack trace.
import { UserError, oneLine } from '../util/errors';
import { runCommand } from './runCommand';
import { historyCommand, pruneCommand, searchCommand, showCommand, statsCommand } from './readCommands';
import { reportCommand } from './reportCommand';
import { READING_COMMANDS, setCliCommand } from './context';
import { USAGES, commandHelp, overview } from './usage';

const COMMANDS: Record<string, (argv: readonly string[]) => Promise<number>> = {
  run: runCommand,
  history: historyCommand,
  search: searchCommand,
  show: showCommand,
  stats: statsCommand,
  report: reportCommand,
  prune: pruneCommand,
  // Required on demand, not imported: the HTTP/WebSocket stack is a bundle of its own
  // (dist/sidecar-serve.js, see esbuild.mjs) that the other commands never load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  serve: (argv) => (require('./serveCommand') as typeof import('./serveCommand')).serveCommand(argv),
  // The PostgreSQL client too (dist/sidecar-hub.js).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  hub: (argv) => (require('./hubCommand') as typeof import('./hubCommand')).hubCommand(argv),
};

export async function cliMain(argv: readonly string[]): Promise<number> {
  ignoreClosedPipes();
  oneLineWarnings();
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') {
    process.stdout.write(overview());
    return command ? 0 : 2;
  }
  const helpFlag = (arg: string | undefined) => arg === '--help' || arg === '-h';
  if (command === 'help') {
    const about = helpFlag(rest[0]) ? 'help' : rest[0];
    if (about !== undefined && !USAGES[about]) {
      process.stderr.write(`stepflow: unknown command "${about}" — try \`stepflow help\`\n`);
      return 2;
    }
    process.stdout.write(about === undefined ? overview() : commandHelp(about));
    return 0;
  }
  if (command === 'version' && helpFlag(rest[0])) {
    process.stdout.write(commandHelp('version'));
    return 0;
  }
  if (command === '--version' || command === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const handler = COMMANDS[command];
  if (!handler) {
    process.stderr.write(`stepflow: unknown command "${command}" — try \`stepflow help\`\n`);
    return 2;
  }
  try {
    // `--read-only` (before `--`) is the dispatcher's: every command that only reads takes it.
    const dashdash = rest.indexOf('--');
    const flag = rest.findIndex((arg, i) => arg === '--read-only' && (dashdash === -1 || i < dashdash));
    if (flag !== -1 && command === 'run') {
      // After the script, an unknown option belongs to the script (README: `stepflow run`).
      const script = rest.findIndex((arg) => !arg.startsWith('--'));
      if (script === -1 || flag < script) throw new UserError('--read-only: run needs to write the database');
    } else if (flag !== -1 && !READING_COMMANDS.has(command)) {
      throw new UserError(`--read-only: ${command} needs to write the database`);
    }
    const readOnly = flag !== -1 && command !== 'run';
    setCliCommand(command, readOnly);
    return await handler(readOnly ? rest.filter((_, i) => i !== flag) : rest);
  } catch (err) {
    // By name: `serve` throws from a bundle with its own copy of args.ts.
    const name = err instanceof Error ? err.name : '';
    if (name === 'HelpRequested') {
      process.stdout.write(commandHelp(command));
      return 0;
    }
    if (name === 'UnknownOption') {
      process.stderr.write(`stepflow: unknown option ${(err as { option: string }).option} for ${command} (see stepflow ${command} --help)\n`);
      return 2;
    }
    process.stderr.write(`stepflow: ${oneLine(err)}\n`);
    if (process.env.STEPFLOW_DEBUG && !(err instanceof UserError)) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
    return err instanceof UserError ? err.exitCode : 1;
  }
}

declare const __STEPFLOW_VERSION__: string | undefined;
const VERSION = typeof __STEPFLOW_VERSION__ === 'string' ? __STEPFLOW_VERSION__ : '0.0.0-dev';

/**
 * The store's and the run's warnings (the disk is full, the database is locked by another
 * process and StepFlow waits) as one `stepflow: warning: …` line each, said once while it
 * repeats — not Node's "(node:PID) Warning … --trace-warnings" form.
 */
function oneLineWarnings(): void {
  process.removeAllListeners('warning');
  let last = '';
  process.on('warning', (warning: Error) => {
    const text = `stepflow: warning: ${oneLine(warning)}\n`;
    if (text === last) return;
    last = text;
    process.stderr.write(text);
  });
}

/** A reader that goes away (`stepflow history | head`) is normal, not a crash. */
function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      stream.destroy();
    });
  }
}
