// How a run ended, from how its process ended and what its markers said: the stored status
// (a failed step or a STEP_ERROR fails a run that exited 0) and the run's own error line.
import type { ProcessOutcome } from '../runner/processRunner';
import type { RunStatus, StepError } from '../protocol/model';

export function runStatus(outcome: ProcessOutcome, hasFailedStep: boolean, error: StepError | null): Exclude<RunStatus, 'running'> {
  if (outcome.reason === 'cancelled') return 'cancelled';
  if (outcome.reason === 'timed_out') return 'timed_out';
  if (outcome.reason === 'spawn_failed') return 'failed';
  return outcome.exitCode === 0 && !hasFailedStep && !error ? 'succeeded' : 'failed';
}

export function runError(outcome: ProcessOutcome, markerError: StepError | null): StepError | null {
  if (markerError) return markerError;
  const message =
    outcome.reason === 'spawn_failed'
      ? outcome.error ?? 'the script could not be started'
      : outcome.reason === 'timed_out'
        ? 'timed out'
        : outcome.reason === 'cancelled'
          ? 'cancelled'
          : outcome.signal
            ? `killed by ${outcome.signal}`
            : outcome.exitCode === null
              ? // an adopted run whose exit-status wrapper was killed (runner/exitStatus.ts)
                'exited abnormally (no exit status was recorded)'
              : outcome.exitCode !== 0
                ? `exit code ${outcome.exitCode}`
              : null;
  return message ? { message, file: null, line: null } : null;
}
