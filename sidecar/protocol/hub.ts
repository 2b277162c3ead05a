// What a machine sends to a team hub (docs/spec.md §10; sidecar/hub/shipper.ts →
// sidecar/hub/hubServer.ts). A finished run travels as its log in bounded chunks first,
// then its record: a run shows on the hub only once all of its log is there, and every
// request is idempotent by run id (a chunk again is a no-op, the record again replaces
// itself), so a delivery cut off anywhere is simply sent again.
import type { LogLine } from './history';
import type { RunRecord } from './model';
import { arrayOf, isNumber, isRecord, isString, objectOf, optional, type Guard } from './messages';

/**
 * `PUT /api/hub/runs/:id`: the finished run, from which machine and user. A log that fits
 * in one chunk comes along as `lines` (one request and one statement per run); a longer one
 * was sent before in chunks.
 */
export interface ShippedRun {
  host: string;
  user: string;
  run: RunRecord;
  lines?: LogLine[];
}

/** `POST /api/hub/runs/:id/log`: consecutive log lines of the run. */
export interface ShippedLog {
  lines: LogLine[];
}

/** The answer to a log chunk: how many of its lines were new to the hub. */
export interface ShippedLogAck {
  stored: number;
}

/** At most this many lines, and about this many bytes, per log request. */
export const HUB_LOG_CHUNK_LINES = 5000;
export const HUB_LOG_CHUNK_BYTES = 1024 * 1024;
/** The largest request body a hub accepts (a run record with many steps; a log chunk and its JSON). */
export const HUB_MAX_BODY_BYTES = 8 * 1024 * 1024;

const isLogLine: Guard<LogLine> = objectOf<LogLine>({
  line: isNumber,
  stream: (v): v is LogLine['stream'] => v === 'stdout' || v === 'stderr',
  at: isNumber,
  text: isString,
});

const isNumberOrNull = (v: unknown): boolean => v === null || (typeof v === 'number' && Number.isFinite(v));

/** The step fields the hub files (its steps table); the rest of a step is stored as sent. Depth-limited. */
function isShippedStep(v: unknown, depth = 0): boolean {
  return (
    depth < 64 &&
    isRecord(v) &&
    Number.isInteger(v.id) &&
    typeof v.name === 'string' &&
    typeof v.status === 'string' &&
    typeof v.startedAt === 'number' &&
    Number.isFinite(v.startedAt) &&
    isNumberOrNull(v.endedAt) &&
    isNumberOrNull(v.durationMs) &&
    Array.isArray(v.children) &&
    v.children.every((child) => isShippedStep(child, depth + 1))
  );
}

/** The fields the hub files runs and steps by are checked; the rest of the record is stored as sent. */
const isShippedRecord: Guard<RunRecord> = (v): v is RunRecord =>
  isRecord(v) &&
  typeof v.id === 'string' &&
  typeof v.script === 'string' &&
  typeof v.status === 'string' &&
  typeof v.startedAt === 'string' &&
  Number.isFinite(Date.parse(v.startedAt)) &&
  typeof v.lineCount === 'number' &&
  Array.isArray(v.steps) &&
  v.steps.every((step) => isShippedStep(step)) &&
  (v.endedAt === null || (typeof v.endedAt === 'string' && Number.isFinite(Date.parse(v.endedAt)))) &&
  isNumberOrNull(v.durationMs) &&
  (v.profile === null || typeof v.profile === 'string') &&
  Array.isArray(v.args) &&
  Array.isArray(v.warnings) &&
  Array.isArray(v.artifacts);

export const isShippedRun: Guard<ShippedRun> = objectOf<ShippedRun>({ host: isString, user: isString, run: isShippedRecord, lines: optional(arrayOf(isLogLine, HUB_LOG_CHUNK_LINES)) });
export const isShippedLog: Guard<ShippedLog> = objectOf<ShippedLog>({ lines: arrayOf(isLogLine, HUB_LOG_CHUNK_LINES) });
