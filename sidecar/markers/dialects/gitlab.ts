// GitLab CI collapsible sections (docs/spec.md §1 "CI dialects"):
//   \e[0Ksection_start:UNIX_TS:name[collapsed=true]\r\e[0KHeader
//   \e[0Ksection_end:UNIX_TS:name\r\e[0K
// The parser has already removed the ANSI sequences and a trailing '\r'. A section becomes
// a step named by its header (its name when there is none); its duration is the difference
// of the two timestamps, as GitLab computes it (whole seconds). Section names are GitLab's:
// letters, digits, '_', '.', '-'.
import type { MarkerEvent } from '../../protocol/markers';
import type { Dialect } from '../dialect';
import { OpenGroups } from './openGroups';

const SECTION = /^section_(start|end):(\d{1,12}):([A-Za-z0-9_.-]+)(?:\[[^\]\r]*\])?(?:\r(.*))?$/s;

export class GitlabDialect implements Dialect {
  readonly id = 'gitlab';
  readonly leadBytes = [0x73]; // 's'
  readonly heads = ['section_'];
  private readonly sections = new OpenGroups();

  parseLine(line: string): MarkerEvent | null {
    if (!line.startsWith('section_')) return null;
    const m = SECTION.exec(line);
    if (!m) return null;
    const timestamp = Number(m[2]) * 1000;
    const id = m[3]!;
    if (m[1] === 'start') {
      const name = m[4]?.replace(/\r/g, '').trim() || id;
      this.sections.open(id, name);
      return { kind: 'stepStart', name, timestamp };
    }
    const name = this.sections.close(id);
    return name === undefined ? null : { kind: 'stepComplete', name, timestamp };
  }
}
