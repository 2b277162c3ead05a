// Marker events: what a dialect recognises in one output line (docs/spec.md §1).
// Pure data, no I/O; the step tracker turns a sequence of them into a step tree.
import type { SourceLocation, WarningSeverity } from './model';

export type MarkerEvent =
  /** `timestamp`: when the line says the step started (ms epoch; GitLab sections). */
  | { kind: 'stepStart'; name: string; timestamp?: number }
  /**
   * `timestamp`: when the line says the step ended (its duration is then the difference to
   * its start's timestamp); `durationMs`: a duration the line states (TeamCity tests).
   */
  | { kind: 'stepComplete'; name: string; timestamp?: number; durationMs?: number }
  /**
   * `keepOpen`: the error fails the innermost step but does not close it (a CI system's
   * error annotation inside a group: the group's own end closes it, as failed).
   */
  | { kind: 'stepError'; message: string; location: SourceLocation | null; keepOpen?: boolean }
  /** `severity`: 'info' for notices; default 'warning'. */
  | { kind: 'stepWarning'; message: string; location: SourceLocation | null; severity?: WarningSeverity }
  | { kind: 'artifact'; path: string; description: string | null }
  | { kind: 'meta'; key: string; value: string }
  /** A secret: replaced by *** in everything stored or shown from this line on (runs/outputMasking.ts). */
  | { kind: 'mask'; value: string };

/** Meta keys with a meaning of their own; any other key is stored as a free key/value. */
export const KNOWN_META_KEYS = ['ESTIMATED_DURATION', 'DESCRIPTION', 'PROGRESS'] as const;
