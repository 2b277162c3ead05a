// The CI dialects' command lines a script prints (`echo "::group::Build"`,
// `print("##teamcity[blockOpened name='Tests']")`, `echo -e "\e[0Ksection_start:…"`), read
// by the runtime's own parser: each printed string, in document order, is one line fed to an
// OutputParser holding the switched-on CI dialects (markers/dialects/registry.ts). So a line
// is a group/block/section in the outline exactly when a run would make it a step — same
// ANSI stripping, same lead-byte dispatch, same escaping, same open-group state (an
// `::endgroup::` closes the group the dialect itself opened). Dynamic parts (`$name`,
// `{x}`) are read as placeholder characters; a step name holding one is shown with the
// source text of those parts and is not static.
import { createDialects, type CiDialectId, type DialectSwitches } from '../../markers/dialects/registry';
import type { Dialect } from '../../markers/dialect';
import { OutputParser } from '../../markers/outputParser';
import type { MarkerEvent } from '../../protocol/markers';
import type { PrintedString, Span } from './types';

/** A printed string that a CI dialect reads as a step's start or end. */
export interface DialectStepLine {
  source: PrintedString;
  dialect: CiDialectId;
  kind: 'start' | 'complete';
  /** The step name as the dialect made it (placeholders included): what its end is matched by. */
  key: string;
  /** The name shown: `key` with each placeholder replaced by its dynamic part's source text. */
  name: string;
  /** False when the name holds a dynamic part. */
  static: boolean;
}

/** First of the private-use characters standing for dynamic parts (one per part, in order). */
const PLACEHOLDER = 0xe000;
const PLACEHOLDERS = /[\ue000-\uf8ff]/g;
/** GitLab's timestamp slot: a dynamic part there (`$(date +%s)`) is some number. */
const GITLAB_TIMESTAMP = /(section_(?:start|end):)[\ue000-\uf8ff]+(?=:)/;

/** The step starts and ends of the switched-on CI dialects among the printed strings. */
export function dialectStepLines(strings: readonly PrintedString[], text: string, switches: DialectSwitches): DialectStepLine[] {
  let answered: CiDialectId | null = null;
  // Every CI dialect, each reporting itself when it reads a line; the StepFlow dialect's
  // markers are the analysis's own business.
  const dialects: Dialect[] = createDialects(switches)
    .filter((d) => d.id !== 'stepflow')
    .map((d) => ({
      id: d.id,
      leadBytes: d.leadBytes,
      ...(d.heads ? { heads: d.heads } : {}),
      parseLine: (line: string): MarkerEvent | null => {
        const event = d.parseLine(line);
        if (event) answered = d.id as CiDialectId;
        return event;
      },
    }));
  if (dialects.length === 0) return [];
  const parser = new OutputParser({ dialects });
  const found: DialectStepLine[] = [];
  for (const source of [...strings].sort((a, b) => a.statement.start - b.statement.start)) {
    if (!source.printed || !mayBeCommand(source)) continue;
    const { line, dynamic } = lineOf(source, text);
    // A trailing newline ends the line (process.stdout.write); any other makes it several lines.
    const whole = line.replace(/\r?\n$/, '');
    if (whole.includes('\n')) continue;
    answered = null;
    const { markers } = parser.push(Buffer.from(`${whole}\n`, 'utf8'));
    const event = markers[0]?.event;
    if (!event || answered === null || (event.kind !== 'stepStart' && event.kind !== 'stepComplete')) continue;
    const key = event.name;
    const name = key.replace(PLACEHOLDERS, (ch) => dynamic[ch.charCodeAt(0) - PLACEHOLDER] ?? '…');
    found.push({ source, dialect: answered, kind: event.kind === 'stepStart' ? 'start' : 'complete', key, name, static: name === key });
  }
  return found;
}

/** Cheap test before building the line: a command head somewhere in the literal text. */
function mayBeCommand(source: PrintedString): boolean {
  return source.parts.some((p) => p.kind === 'text' && (p.text.includes('::') || p.text.includes('##') || p.text.includes('section_')));
}

/** The line the string prints, each dynamic part a placeholder; and the parts' source text. */
function lineOf(source: PrintedString, text: string): { line: string; dynamic: string[] } {
  const dynamic: string[] = [];
  let line = '';
  for (const part of source.parts) {
    if (part.kind === 'text') line += part.text;
    else {
      line += String.fromCharCode(PLACEHOLDER + Math.min(dynamic.length, 0x18ff));
      dynamic.push(text.slice(part.span.start, part.span.end));
    }
  }
  return { line: line.replace(GITLAB_TIMESTAMP, '$10'), dynamic };
}

/** Where the outline selects a dialect step: its name's source text when found, else the string. */
export function nameSpan(step: DialectStepLine, text: string): Span {
  const { content } = step.source;
  const at = step.static && step.name !== '' ? text.lastIndexOf(step.name, content.end) : -1;
  return at >= content.start ? { start: at, end: at + step.name.length } : content;
}
