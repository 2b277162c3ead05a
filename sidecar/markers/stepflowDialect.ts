// The StepFlow marker dialect (docs/spec.md §1): STEP_START, STEP_COMPLETE, STEP_ERROR,
// STEP_WARNING, ARTIFACT, META — exact upper-case keywords followed by ':'.
//
// Decisions (documented here because they are user-visible):
// - Names, messages, paths, descriptions, keys and values are trimmed at both ends.
// - `STEP_START:` with an empty name is not a marker (it would create a nameless step);
//   `STEP_COMPLETE:` with an empty name is, and means "close the innermost step".
// - A compiler-style location `path:line[:col]:` at the start of a STEP_ERROR/STEP_WARNING
//   message is split off: `location` holds it and `message` is the rest (the full text when
//   the rest is empty). The editor shows the message at that location, so repeating the
//   location inside the message would only be noise.
// - `ARTIFACT:` needs a non-empty path; `META:` needs a non-empty key and a second ':'.
// - `MASK:<value>` registers a secret (runs/outputMasking.ts); an empty value is no marker.
import type { SourceLocation } from '../protocol/model';
import type { MarkerEvent } from '../protocol/markers';
import type { Dialect } from './dialect';

/** `C:\…` or `C:/…` — a Windows drive path, whose first ':' is not a separator. */
const DRIVE_PREFIX = /^[A-Za-z]:[\\/]/;

/**
 * `path:line[:col]:` at the start of a message. The path may start with a drive prefix and
 * otherwise contains no ':'; line and column are 1–9 digits (always safe integers).
 */
const LOCATION = /^((?:[A-Za-z]:[\\/])?[^:]+):(\d{1,9})(?::(\d{1,9}))?:/;

/**
 * Splits a compiler-style location off a message. Guards against prose that merely looks
 * like one ("Failed at 10:30:45: timeout"): a path containing whitespace must also contain
 * a path separator, a path must not start with whitespace, and it must not be all digits.
 */
export function parseLocation(text: string): { location: SourceLocation | null; message: string } {
  const m = LOCATION.exec(text);
  if (m) {
    const file = m[1]!;
    const plausible =
      !/^\s/.test(file) && !/^\d+$/.test(file) && (!/\s/.test(file) || /[\\/]/.test(file));
    if (plausible) {
      const rest = text.slice(m[0].length).trim();
      return {
        location: { file, line: Number(m[2]), column: m[3] === undefined ? null : Number(m[3]) },
        message: rest === '' ? text : rest,
      };
    }
  }
  return { location: null, message: text };
}

function parseArtifact(rest: string): MarkerEvent | null {
  const from = DRIVE_PREFIX.test(rest) ? 2 : 0;
  const colon = rest.indexOf(':', from);
  const path = (colon < 0 ? rest : rest.slice(0, colon)).trim();
  if (path === '') return null;
  const description = colon < 0 ? '' : rest.slice(colon + 1).trim();
  return { kind: 'artifact', path, description: description === '' ? null : description };
}

function parseMeta(rest: string): MarkerEvent | null {
  const colon = rest.indexOf(':');
  if (colon < 0) return null;
  const key = rest.slice(0, colon).trim();
  if (key === '') return null;
  return { kind: 'meta', key, value: rest.slice(colon + 1).trim() };
}

/** Parses one cleaned line (see Dialect.parseLine) as a StepFlow marker. */
export function parseStepflowLine(line: string): MarkerEvent | null {
  const colon = line.indexOf(':');
  // Shortest keyword is META (4), longest STEP_COMPLETE/STEP_WARNING (13).
  if (colon < 4 || colon > 13) return null;
  const rest = line.slice(colon + 1);
  switch (line.slice(0, colon)) {
    case 'STEP_START': {
      const name = rest.trim();
      return name === '' ? null : { kind: 'stepStart', name };
    }
    case 'STEP_COMPLETE':
      return { kind: 'stepComplete', name: rest.trim() };
    case 'STEP_ERROR': {
      const { location, message } = parseLocation(rest.trim());
      return { kind: 'stepError', message, location };
    }
    case 'STEP_WARNING': {
      const { location, message } = parseLocation(rest.trim());
      return { kind: 'stepWarning', message, location };
    }
    case 'ARTIFACT':
      return parseArtifact(rest);
    case 'META':
      return parseMeta(rest);
    case 'MASK': {
      const value = rest.trim();
      return value === '' ? null : { kind: 'mask', value };
    }
    default:
      return null;
  }
}

export const stepflowDialect: Dialect = {
  id: 'stepflow',
  // 'S' (STEP_*), 'A' (ARTIFACT), 'M' (META, MASK).
  leadBytes: [0x53, 0x41, 0x4d],
  parseLine: parseStepflowLine,
};
