// TeamCity service messages (docs/spec.md §1 "CI dialects"):
//   ##teamcity[name 'value']                     the single-value form
//   ##teamcity[name attr='value' attr='value']   the attribute form
// with TeamCity's escaping inside values: |' |n |r || |[ |] |0xNNNN.
//   blockOpened/blockClosed, progressStart/progressFinish, testSuiteStarted/Finished,
//   testStarted/testFinished                     → steps (a test's `duration` is its duration)
//   testFailed                                   → an error on the open test step (closed by
//                                                  its testFinished, as failed)
//   testIgnored                                  → a notice on the test step
//   message text=… status=ERROR|FAILURE|WARNING  → error / warning (other statuses: output)
//   buildProblem description=…                   → an error
//   publishArtifacts 'path[ => target]'          → an artifact (the first path rule)
//   buildStatisticValue key=… value=…            → metadata
// Parallel test flows (flowId) are read as one sequence. Anything malformed is ordinary output.
import type { MarkerEvent } from '../../protocol/markers';
import type { Dialect } from '../dialect';
import { unescapeTeamcity } from './escapes';
import { OpenGroups } from './openGroups';

const PREFIX = '##teamcity[';

interface ServiceMessage {
  name: string;
  /** The single-value form's value, else undefined. */
  value?: string;
  attrs: Map<string, string>;
}

/** Parses a whole service message, or null when the line is not one (or a malformed one). */
export function parseServiceMessage(line: string): ServiceMessage | null {
  if (!line.startsWith(PREFIX)) return null;
  let i = PREFIX.length;
  const nameMatch = /^[A-Za-z][\w.-]*/.exec(line.slice(i));
  if (!nameMatch) return null;
  const name = nameMatch[0];
  i += name.length;
  const attrs = new Map<string, string>();
  let value: string | undefined;
  const skipSpaces = () => {
    while (line[i] === ' ' || line[i] === '\t') i++;
  };
  /** A quoted value at i: its unescaped text, or null when unterminated or badly escaped. */
  const quoted = (): string | null => {
    if (line[i] !== "'") return null;
    const start = ++i;
    while (i < line.length && line[i] !== "'") i += line[i] === '|' ? 2 : 1;
    if (i >= line.length) return null;
    const raw = line.slice(start, i++);
    return unescapeTeamcity(raw);
  };
  skipSpaces();
  if (line[i] === "'") {
    const v = quoted();
    if (v === null) return null;
    value = v;
    skipSpaces();
  } else {
    while (i < line.length && line[i] !== ']') {
      const key = /^[A-Za-z][\w.-]*/.exec(line.slice(i));
      if (!key) return null;
      i += key[0].length;
      skipSpaces();
      if (line[i] !== '=') return null;
      i++;
      skipSpaces();
      const v = quoted();
      if (v === null) return null;
      attrs.set(key[0], v);
      skipSpaces();
    }
  }
  if (line[i] !== ']') return null;
  return { name, ...(value !== undefined ? { value } : {}), attrs };
}

export class TeamcityDialect implements Dialect {
  readonly id = 'teamcity';
  readonly leadBytes = [0x23]; // '#'
  readonly heads = ['##teamcity['];
  private readonly groups = new OpenGroups();

  parseLine(line: string): MarkerEvent | null {
    const message = parseServiceMessage(line);
    return message ? this.toEvent(message) : null;
  }

  private toEvent({ name, value, attrs }: ServiceMessage): MarkerEvent | null {
    const attr = (key: string) => attrs.get(key);
    switch (name) {
      case 'blockOpened':
      case 'testSuiteStarted':
      case 'testStarted':
        return this.open(name, attr('name'));
      case 'progressStart':
        return this.open(name, value);
      case 'blockClosed':
      case 'testSuiteFinished':
        return this.close(opener(name), attr('name'));
      case 'progressFinish':
        return this.close('progressStart', value);
      case 'testFinished': {
        const event = this.close('testStarted', attr('name'));
        const duration = attr('duration');
        if (event?.kind === 'stepComplete' && duration !== undefined && /^\d{1,12}$/.test(duration.trim())) {
          return { ...event, durationMs: Number(duration) };
        }
        return event;
      }
      case 'testFailed': {
        const details = attr('details')?.trim();
        const text = [attr('message')?.trim() || `${attr('name') ?? 'test'} failed`, details].filter(Boolean).join('\n');
        return { kind: 'stepError', message: text, location: null, keepOpen: true };
      }
      case 'testIgnored':
        return { kind: 'stepWarning', message: `ignored: ${attr('message')?.trim() || attr('name') || 'test'}`, location: null, severity: 'info' };
      case 'message': {
        const status = (attr('status') ?? 'NORMAL').toUpperCase();
        const text = [attr('text')?.trim() ?? '', attr('errorDetails')?.trim()].filter(Boolean).join('\n');
        if (status === 'ERROR' || status === 'FAILURE') return { kind: 'stepError', message: text, location: null, keepOpen: true };
        if (status === 'WARNING') return { kind: 'stepWarning', message: text, location: null };
        return null;
      }
      case 'buildProblem': {
        const description = attr('description')?.trim();
        return description ? { kind: 'stepError', message: description, location: null, keepOpen: true } : null;
      }
      case 'publishArtifacts': {
        // Path rules: one per line, `source => target`; the first rule's source is the file.
        const rule = (value ?? attr('path') ?? '').split('\n')[0]!;
        const arrow = rule.indexOf('=>');
        const path = (arrow < 0 ? rule : rule.slice(0, arrow)).trim();
        const target = arrow < 0 ? '' : rule.slice(arrow + 2).trim();
        return path === '' ? null : { kind: 'artifact', path, description: target === '' ? null : target };
      }
      case 'buildStatisticValue': {
        const key = attr('key')?.trim();
        const v = attr('value');
        return key && v !== undefined ? { kind: 'meta', key, value: v.trim() } : null;
      }
      default:
        return null;
    }
  }

  private open(kind: string, name: string | undefined): MarkerEvent | null {
    const title = name?.trim();
    if (!title) return null;
    this.groups.open(`${kind}\0${title}`, title);
    return { kind: 'stepStart', name: title };
  }

  private close(kind: string, name: string | undefined): MarkerEvent | null {
    const title = name?.trim();
    if (!title) return null;
    const closed = this.groups.close(`${kind}\0${title}`);
    return closed === undefined ? null : { kind: 'stepComplete', name: closed };
  }
}

function opener(closer: string): string {
  return closer === 'blockClosed' ? 'blockOpened' : 'testSuiteStarted';
}
