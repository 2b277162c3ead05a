// Every command's usage — its synopsis, what it does, one line per option — for
// `stepflow help`, `stepflow <command> --help` and the commands' own errors. Kept apart from
// the commands so the help text does not load them (serve pulls in the whole HTTP/WebSocket
// stack, which `stepflow run` should not pay for at start-up).

export interface CommandUsage {
  synopsis: string;
  /** One line: what the command does. */
  summary: string;
  /** [option as written, what it does]. */
  options: ReadonlyArray<readonly [string, string]>;
  notes?: readonly string[];
}

const DB: readonly [string, string] = ['--db PATH', 'the database (default $STEPFLOW_HOME/stepflow.db, else ~/.stepflow/stepflow.db)'];
const READ_ONLY: readonly [string, string] = ['--read-only', 'open the database for reading only (done by itself when it cannot be written)'];
const HELP: readonly [string, string] = ['-h, --help', 'show this help'];

export const USAGES: Readonly<Record<string, CommandUsage>> = {
  run: {
    synopsis: 'stepflow run <script> [args…] [--profile NAME] [--cwd DIR] [--timeout SEC] [--db PATH] [--json]',
    summary: 'run a script, show its steps live and store the run; exits with the script’s exit code',
    options: [
      ['--profile NAME', 'run configuration from stepflow.json (development, debug, release or your own)'],
      ['--cwd DIR', 'working directory of the script (default: the current one)'],
      ['--timeout SEC', 'stop the script’s whole process group after SEC seconds (exit 124)'],
      DB,
      ['--json', 'store the output without echoing it; print the finished run record as one JSON document'],
      HELP,
    ],
    notes: [
      'Options StepFlow does not know, and everything after --, are passed to the script:',
      '`stepflow run build.sh --help` passes --help to build.sh.',
      'Exit codes: the script’s own; 130/143/129 after Ctrl-C/SIGTERM/SIGHUP; 124 at --timeout.',
    ],
  },
  history: {
    synopsis: 'stepflow history [--json] [--limit N] [--status S] [--script PATH] [--profile NAME] [--search TEXT] [--db PATH] [--read-only]',
    summary: 'list stored runs, newest first',
    options: [
      ['--json', 'print the runs as JSON'],
      ['--limit N', 'at most N runs (default 20)'],
      ['--status S', 'only runs with this status (succeeded, failed, cancelled, timed_out, interrupted, running)'],
      ['--script PATH', 'only runs of this script'],
      ['--profile NAME', 'only runs with this profile'],
      ['--search TEXT', 'only runs whose log contains TEXT'],
      DB,
      READ_ONLY,
      HELP,
    ],
  },
  search: {
    synopsis: 'stepflow search <text> [--run ID] [--limit N] [--json] [--db PATH] [--read-only]',
    summary: 'find log lines containing TEXT (letters in any case), newest run first, with their run, line and step',
    options: [
      ['--run ID', 'only in this run (a unique prefix of the id is enough)'],
      ['--limit N', 'at most N lines (default 50)'],
      ['--json', 'print the lines as JSON'],
      DB,
      READ_ONLY,
      HELP,
    ],
    notes: ['Each line names the command that prints the log from there: stepflow show <runId> --log --from <line>.'],
  },
  show: {
    synopsis: 'stepflow show <runId> [--json] [--log [--from LINE]] [--db PATH] [--read-only]',
    summary: 'show one run: its steps, errors, warnings, artifacts and step summary (a unique prefix of the id is enough)',
    options: [
      ['--json', 'print the run record as JSON'],
      ['--log', 'also print the run’s whole output'],
      ['--from LINE', 'with --log: print the output from this line on (a search result names it)'],
      DB,
      READ_ONLY,
      HELP,
    ],
  },
  stats: {
    synopsis: 'stepflow stats [<script>] [--json] [--rebuild] [--db PATH] [--read-only]',
    summary: 'step duration statistics per script (runs, mean, σ, min, max, last durations)',
    options: [
      ['--json', 'print the statistics as JSON'],
      ['--rebuild', 'recompute the statistics from the stored runs first (writes the database)'],
      DB,
      READ_ONLY,
      HELP,
    ],
  },
  report: {
    synopsis: 'stepflow report <runId> [--html FILE | --markdown FILE] [--db PATH] [--read-only]',
    summary: 'a run report: Markdown on stdout by default',
    options: [
      ['--html FILE', 'write a self-contained HTML report to FILE (- for stdout)'],
      ['--markdown FILE', 'write the Markdown summary to FILE (- for stdout)'],
      DB,
      READ_ONLY,
      HELP,
    ],
  },
  prune: {
    synopsis: 'stepflow prune [--keep N] [--max-mb MB] [--db PATH]',
    summary: 'delete the oldest finished runs (give at least one of --keep and --max-mb)',
    options: [
      ['--keep N', 'keep the newest N finished runs'],
      ['--max-mb MB', 'delete old runs until the stored runs take at most MB megabytes'],
      DB,
      HELP,
    ],
  },
  serve: {
    synopsis: 'stepflow serve [--port N] [--host ADDR] [--db PATH] [--read-only] [--hub postgres://…]',
    summary: 'the dashboard and HTTP/WebSocket API until Ctrl+C; prints the dashboard URL with its token',
    options: [
      ['--port N', 'port to listen on (default 7420; 0 picks a free one)'],
      ['--host ADDR', 'address to bind (default 127.0.0.1; anything else exposes the service to whoever has the token)'],
      DB,
      ['--read-only', 'browse runs without being able to start any'],
      ['--hub URL', 'serve a team hub from this PostgreSQL database instead (also $STEPFLOW_HUB_DATABASE, "hub": {"database": …} in ./stepflow.json)'],
      HELP,
    ],
    notes: [
      'The token is kept in $STEPFLOW_HOME/token (default ~/.stepflow/token).',
      'A hub needs a token of its own for every client and browser: stepflow hub token create.',
    ],
  },
  hub: {
    synopsis: 'stepflow hub token create [--name NAME] | token list | token revoke <id> [--hub postgres://…]  |  stepflow hub push [--hub-url URL] [--timeout SEC] [--db PATH]  |  stepflow hub status [--db PATH]',
    summary: 'a team hub: its client tokens, and sending this machine’s finished runs to it',
    options: [
      ['--hub URL', 'token commands: the hub’s PostgreSQL database (default $STEPFLOW_HUB_DATABASE, else ./stepflow.json "hub": {"database": …})'],
      ['--name NAME', 'token create: who the token is for (default: this host name)'],
      ['--hub-url URL', 'push: the hub (default $STEPFLOW_HUB_URL); the token is $STEPFLOW_HUB_TOKEN or $STEPFLOW_HOME/hub-token'],
      ['--timeout SEC', 'push: give up after SEC seconds (default 60); what is left stays in the outbox'],
      DB,
      HELP,
    ],
    notes: [
      'Every finished run enters the outbox of the local database; `stepflow run` sends it after the run, the',
      'language server and `stepflow serve` as they go; push sends everything waiting now, ignoring the backoff.',
      'Exit codes: push 0 when the outbox is empty afterwards, 1 when runs are left in it.',
    ],
  },
  help: {
    synopsis: 'stepflow help [<command>]',
    summary: 'list the commands, or show one command’s help',
    options: [],
  },
  version: {
    synopsis: 'stepflow version',
    summary: 'print StepFlow’s version (also --version)',
    options: [],
  },
};

export const RUN_USAGE = USAGES.run!.synopsis;
export const REPORT_USAGE = USAGES.report!.synopsis;
export const SERVE_USAGE = USAGES.serve!.synopsis;

/** `stepflow <command> --help`. */
export function commandHelp(command: string): string {
  const usage = USAGES[command];
  if (!usage) return overview();
  const width = Math.max(0, ...usage.options.map(([option]) => option.length));
  const lines = [`usage: ${usage.synopsis}`, '', `${usage.summary[0]!.toUpperCase()}${usage.summary.slice(1)}.`];
  if (usage.options.length) lines.push('', 'options:', ...usage.options.map(([option, text]) => `  ${option.padEnd(width)}  ${text}`));
  if (usage.notes?.length) lines.push('', ...usage.notes);
  return `${lines.join('\n')}\n`;
}

/** `stepflow help`: every command in one line. */
export function overview(): string {
  const names = Object.keys(USAGES);
  const width = Math.max(...names.map((name) => name.length));
  return `StepFlow — run scripts and watch their marker-driven steps.

usage: stepflow <command> [options]

commands:
${names.map((name) => `  ${name.padEnd(width)}  ${USAGES[name]!.summary}`).join('\n')}

\`stepflow <command> --help\` shows a command's options.
`;
}
