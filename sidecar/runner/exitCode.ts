// The exit status a shell would report for a run, used as the `stepflow run` exit code
// (spec §4: the script's code, 128+signal when killed).
import { constants } from 'node:os';

/**
 * What a script's end says (the runner's ProcessOutcome has these fields). Declared here
 * rather than imported from processRunner.ts, which imports this file: no import cycle.
 */
export interface ExitFacts {
  exitCode: number | null;
  signal: string | null;
  reason: string;
  errorCode?: string;
}

export function shellExitCode(outcome: ExitFacts): number {
  if (outcome.exitCode !== null) return outcome.exitCode;
  if (outcome.signal !== null) {
    const n = (constants.signals as Record<string, number | undefined>)[outcome.signal];
    if (n !== undefined) return 128 + n;
  }
  // Same convention as POSIX shells: 127 command not found, 126 found but not runnable.
  if (outcome.reason === 'spawn_failed') return outcome.errorCode === 'ENOENT' ? 127 : 126;
  return 1;
}
