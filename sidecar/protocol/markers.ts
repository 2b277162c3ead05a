// Marker events: what a dialect recognises in one output line (docs/spec.md §1).
// Pure data, no I/O; the step tracker turns a sequence of them into a step tree.
import type { SourceLocation } from './model';

export type MarkerEvent =
  | { kind: 'stepStart'; name: string }
  | { kind: 'stepComplete'; name: string }
  | { kind: 'stepError'; message: string; location: SourceLocation | null }
  | { kind: 'stepWarning'; message: string; location: SourceLocation | null }
  | { kind: 'artifact'; path: string; description: string | null }
  | { kind: 'meta'; key: string; value: string };

/** Meta keys with a meaning of their own; any other key is stored as a free key/value. */
export const KNOWN_META_KEYS = ['ESTIMATED_DURATION', 'DESCRIPTION', 'PROGRESS'] as const;
