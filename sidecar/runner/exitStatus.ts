// How a script ended, for a process that did not start it. Only a parent can wait for a
// process; a sidecar that adopts a run after a reload (runs/adoption.ts) is not the script's
// parent, so an adoptable run's script is started under a small `sh` that waits for it and
// writes its status into the spool folder. The wrapper is the process group's leader (the
// group, its signals and its start identity work as before) and dies the way the script did:
// for a status above 128 it re-raises that signal on itself, so the parent still sees
// "killed by SIGTERM" and not "exit code 143".
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The file, in the spool folder, that the wrapper writes the script's status into. */
export const EXIT_STATUS_FILE = 'exit-status';

/**
 * `sh -c WRAPPER stepflow-run STATUS_FILE COMMAND ARGS…`. Signals that would end the wrapper
 * before it can write the status are caught (a handler, not "ignore": an ignored signal
 * would stay ignored in the script), so a cancel's SIGTERM to the group ends only the script;
 * SIGKILL ends both, and then there is no status to read.
 */
const WRAPPER = [
  'f=$1; shift',
  'trap : HUP INT QUIT TERM USR1 USR2 ALRM',
  '"$@"',
  's=$?',
  'printf "%s\\n" "$s" > "$f"',
  'trap - HUP INT QUIT TERM USR1 USR2 ALRM',
  '[ "$s" -gt 128 ] && kill -$((s - 128)) $$ 2>/dev/null',
  'exit "$s"',
].join('\n');

export function wrapForExitStatus(command: string, args: readonly string[], statusFile: string): { command: string; args: string[] } {
  return { command: '/bin/sh', args: ['-c', WRAPPER, 'stepflow-run', statusFile, command, ...args] };
}

/**
 * True when `command` can be executed as it is (a path) or from `PATH`. A command that
 * cannot is started without the wrapper, so that it fails to spawn exactly as before (a
 * `spawn_failed` outcome naming the command) instead of as `sh`'s exit code 127.
 */
export function commandExists(command: string, env: NodeJS.ProcessEnv): boolean {
  const executable = (file: string): boolean => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/')) return executable(command);
  return (env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && executable(path.join(dir, command)));
}

/** The status the wrapper wrote: an exit code, or the signal a status above 128 stands for. */
export function readExitStatus(spoolDir: string): { exitCode: number | null; signal: string | null } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(spoolDir, EXIT_STATUS_FILE), 'utf8');
  } catch {
    return undefined;
  }
  if (!text.endsWith('\n')) return undefined; // cut short: no status
  const status = Number(text.trim());
  if (!Number.isInteger(status) || status < 0 || status > 255) return undefined;
  if (status > 128) {
    const signal = Object.entries(os.constants.signals).find(([, n]) => n === status - 128)?.[0];
    if (signal) return { exitCode: null, signal };
  }
  return { exitCode: status, signal: null };
}
