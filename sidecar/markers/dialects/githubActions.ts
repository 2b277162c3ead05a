// GitHub Actions workflow commands (docs/spec.md §1 "CI dialects"), read as the runner reads
// them (src/Runner.Worker/ActionCommandManager.cs of actions/runner):
//   ::group::title / ::endgroup::           → a step (nested groups nest, unlike GitHub's UI)
//   ::error|warning|notice file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message
//                                           → an error (fails the innermost step, which stays
//                                             open until its ::endgroup::) / warning / notice
//   ::add-mask::value                       → a secret, masked from this line on
//   ::stop-commands::TOKEN … ::TOKEN::      → no command of this dialect is read in between
//   ::debug::, ::echo::, ::set-output … and the other known commands → ordinary output
//   ##[group] ##[endgroup] ##[error] ##[warning] ##[notice] → the legacy forms
// Command names and property keys ignore case, as in the runner. A line that is not a
// well-formed command of a known name is ordinary output.
import type { MarkerEvent } from '../../protocol/markers';
import type { SourceLocation } from '../../protocol/model';
import type { Dialect } from '../dialect';
import { parseBracketCommand, positiveInt } from './bracketCommand';
import { unescapeGithubData, unescapeGithubLegacy, unescapeGithubProperty } from './escapes';
import { OpenGroups } from './openGroups';

/** The runner's registered commands: only these names make a `::name::` line a command. */
const KNOWN = new Set([
  'group', 'endgroup', 'error', 'warning', 'notice', 'debug', 'add-mask', 'stop-commands', 'echo',
  'set-output', 'save-state', 'set-env', 'add-path', 'add-matcher', 'remove-matcher',
]);
/** The legacy `##[…]` names this dialect reads (others, e.g. Azure's ##[section], are left to it). */
const LEGACY = new Set(['group', 'endgroup', 'error', 'warning', 'notice']);

/**
 * `::` and any printable character but a space (a stop token may begin with any), and `##[`:
 * so a batch-file comment line like `:: note` is never decoded (OutputParser checks heads on
 * the bytes).
 */
const HEADS = [...Array.from({ length: 0x7e - 0x20 }, (_, k) => `::${String.fromCharCode(0x21 + k)}`), '##['];

/** A group without a title still needs a step name. */
const UNTITLED = 'group';

export class GithubActionsDialect implements Dialect {
  readonly id = 'github';
  /** ':' (`::command`) and '#' (`##[command]`). */
  readonly leadBytes = [0x3a, 0x23];
  readonly heads = HEADS;
  private readonly groups = new OpenGroups();
  /** Set by ::stop-commands::: the line `::TOKEN::` (any case) resumes. */
  private stopToken: string | null = null;

  parseLine(line: string): MarkerEvent | null {
    if (this.stopToken !== null) {
      if (line.trimEnd().toLowerCase() === `::${this.stopToken}::`) this.stopToken = null;
      return null;
    }
    if (line.startsWith('::')) return this.parseCommand(line);
    const legacy = parseBracketCommand(line, '##[', unescapeGithubLegacy);
    if (!legacy || !LEGACY.has(legacy.name)) return null;
    return this.toEvent(legacy.name, legacy.props, legacy.data);
  }

  private parseCommand(line: string): MarkerEvent | null {
    const end = line.indexOf('::', 2);
    if (end < 0) return null;
    const info = line.slice(2, end);
    const space = info.indexOf(' ');
    const name = (space < 0 ? info : info.slice(0, space)).toLowerCase();
    if (!KNOWN.has(name)) return null;
    const props = new Map<string, string>();
    if (space >= 0) {
      for (const pair of info.slice(space + 1).trim().split(',')) {
        const eq = pair.indexOf('=');
        // The runner splits at the first '=' dropping empty parts: "k=" and "=v" are no pair.
        if (eq <= 0 || eq === pair.length - 1) continue;
        props.set(pair.slice(0, eq).toLowerCase(), unescapeGithubProperty(pair.slice(eq + 1)));
      }
    }
    return this.toEvent(name, props, unescapeGithubData(line.slice(end + 2)));
  }

  private toEvent(name: string, props: Map<string, string>, data: string): MarkerEvent | null {
    switch (name) {
      case 'group': {
        const title = data.trim() || UNTITLED;
        this.groups.open('group', title);
        return { kind: 'stepStart', name: title };
      }
      case 'endgroup': {
        const title = this.groups.closeInnermost();
        return title === undefined ? null : { kind: 'stepComplete', name: title };
      }
      case 'error':
        return { kind: 'stepError', message: annotationText(props, data), location: annotationLocation(props), keepOpen: true };
      case 'warning':
        return { kind: 'stepWarning', message: annotationText(props, data), location: annotationLocation(props) };
      case 'notice':
        return { kind: 'stepWarning', message: annotationText(props, data), location: annotationLocation(props), severity: 'info' };
      case 'add-mask':
        return data.trim() === '' ? null : { kind: 'mask', value: data };
      case 'stop-commands': {
        const token = data.trim();
        // The runner refuses an empty token (and 'pause-logging', its old spelling of this).
        if (token !== '' && token.toLowerCase() !== 'pause-logging') this.stopToken = token.toLowerCase();
        return null;
      }
      default:
        return null; // debug, echo, set-output …: known, but nothing StepFlow shows apart
    }
  }
}

/** The annotation's message, with its title in front as GitHub shows it above the message. */
function annotationText(props: Map<string, string>, data: string): string {
  const title = props.get('title')?.trim();
  const message = data.trim();
  return title ? (message ? `${title}: ${message}` : title) : message;
}

/** file, line and col (or column); a file without a line is annotated at its first line. */
function annotationLocation(props: Map<string, string>): SourceLocation | null {
  const file = props.get('file')?.trim();
  if (!file) return null;
  return { file, line: positiveInt(props.get('line')) ?? 1, column: positiveInt(props.get('col') ?? props.get('column')) };
}
