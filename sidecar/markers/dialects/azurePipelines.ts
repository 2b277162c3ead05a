// Azure Pipelines logging commands (docs/spec.md §1 "CI dialects"), read as the agent reads
// them (`##vso[area.action key=value;…]data`, values escaped %3B %0D %0A %5D and %AZP25):
//   ##[group] / ##[endgroup]                            → a step
//   ##[error] / ##[warning]                             → error (fails the innermost step, which
//                                                         stays open) / warning
//   ##[section]Starting: X … ##[section]Finishing: X    → a step X (the agent's own section
//                                                         lines); other sections are output
//   ##vso[task.logissue type=error|warning;sourcepath=…;linenumber=…;columnnumber=…;code=…]message
//   ##vso[task.setprogress value=N;]title               → META PROGRESS
//   ##vso[artifact.upload artifactname=…;…]path, ##vso[task.uploadfile]path → an artifact
//   ##vso[task.setvariable variable=…;issecret=true]value → a secret, masked from this line on
// When the GitHub dialect is on too, it reads the shared `##[group]`-style lines first; the
// result is the same step.
import type { MarkerEvent } from '../../protocol/markers';
import type { SourceLocation } from '../../protocol/model';
import type { Dialect } from '../dialect';
import { parseBracketCommand, positiveInt, type BracketCommand } from './bracketCommand';
import { unescapeAzure } from './escapes';
import { OpenGroups } from './openGroups';

export class AzurePipelinesDialect implements Dialect {
  readonly id = 'azure';
  readonly leadBytes = [0x23]; // '#'
  readonly heads = ['##[', '##vso['];
  private readonly groups = new OpenGroups();

  parseLine(line: string): MarkerEvent | null {
    if (line.startsWith('##vso[')) {
      const command = parseBracketCommand(line, '##vso[', unescapeAzure);
      return command ? this.vso(command) : null;
    }
    const command = parseBracketCommand(line, '##[', unescapeAzure);
    return command ? this.formatting(command) : null;
  }

  private formatting({ name, data }: BracketCommand): MarkerEvent | null {
    const text = data.trim();
    switch (name) {
      case 'group': {
        const title = text || 'group';
        this.groups.open('group', title);
        return { kind: 'stepStart', name: title };
      }
      case 'endgroup': {
        const title = this.groups.close('group');
        return title === undefined ? null : { kind: 'stepComplete', name: title };
      }
      case 'error':
        return { kind: 'stepError', message: text, location: null, keepOpen: true };
      case 'warning':
        return { kind: 'stepWarning', message: text, location: null };
      case 'section': {
        const starting = /^Starting:\s*(.+)$/.exec(text);
        if (starting) {
          this.groups.open(`section\0${starting[1]!}`, starting[1]!);
          return { kind: 'stepStart', name: starting[1]! };
        }
        const finishing = /^Finishing:\s*(.+)$/.exec(text);
        const title = finishing ? this.groups.close(`section\0${finishing[1]!}`) : undefined;
        return title === undefined ? null : { kind: 'stepComplete', name: title };
      }
      default:
        return null; // ##[debug], ##[command] …: output
    }
  }

  private vso({ name, props, data }: BracketCommand): MarkerEvent | null {
    switch (name) {
      case 'task.logissue': {
        const type = props.get('type')?.trim().toLowerCase();
        const code = props.get('code')?.trim();
        const message = code ? `${code}: ${data.trim()}` : data.trim();
        const location = issueLocation(props);
        if (type === 'error') return { kind: 'stepError', message, location, keepOpen: true };
        if (type === 'warning') return { kind: 'stepWarning', message, location };
        return null;
      }
      case 'task.setprogress': {
        const value = props.get('value')?.trim();
        return value !== undefined && /^\d{1,3}$/.test(value) && Number(value) <= 100 ? { kind: 'meta', key: 'PROGRESS', value } : null;
      }
      case 'artifact.upload':
      case 'task.uploadfile': {
        const path = data.trim();
        const artifact = props.get('artifactname')?.trim();
        return path === '' ? null : { kind: 'artifact', path, description: artifact ? artifact : null };
      }
      case 'task.setvariable':
        return props.get('issecret')?.trim().toLowerCase() === 'true' && data.trim() !== '' ? { kind: 'mask', value: data } : null;
      default:
        return null;
    }
  }
}

function issueLocation(props: Map<string, string>): SourceLocation | null {
  const file = props.get('sourcepath')?.trim();
  if (!file) return null;
  return { file, line: positiveInt(props.get('linenumber')) ?? 1, column: positiveInt(props.get('columnnumber')) };
}
