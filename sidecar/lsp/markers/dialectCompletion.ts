// Statement snippets for the CI dialects' commands (GitHub Actions, TeamCity, GitLab, Azure
// Pipelines), in the file's own print statement, for every dialect not switched off.
//
// Escaping is done for the user: every field the user types is a tab stop with a snippet
// transform that rewrites it as the CI system's escaping wants (`,` → `%2C` in a GitHub
// property, `'` → `|'` in TeamCity, `;` → `%3B` for Azure…) and as the host string wants (`"`
// and `$` in a shell double-quoted string), applied when the user moves on with Tab. Chosen
// over a quick fix on a selection because it needs no second step and no knowing that the
// value needed escaping: the user types the title as they want to read it (`Build failed:
// a, b`) and gets what the runner reads back as exactly that.
import { CompletionItemKind, InsertTextFormat, InsertTextMode, MarkupKind, type CompletionItem, type Range } from 'vscode-languageserver';
import { CI_DIALECTS, type CiDialectId, type DialectSwitches } from '../../markers/dialects/registry';
import type { LanguageProfile, PrintStyle } from './languages';

/** How a field's text is escaped: the CI system's mapping of characters to their escapes. */
type Escaping = 'githubProperty' | 'githubData' | 'teamcity' | 'azure' | 'gitlabName' | 'none';

const ESCAPES: Record<Exclude<Escaping, 'gitlabName'>, ReadonlyArray<readonly [string, string]>> = {
  // actions/runner ActionCommand: properties `% \r \n : ,`, data `% \r \n`.
  githubProperty: [['%', '%25'], ['\r', '%0D'], ['\n', '%0A'], [':', '%3A'], [',', '%2C']],
  githubData: [['%', '%25'], ['\r', '%0D'], ['\n', '%0A']],
  // TeamCity service messages: | ' [ ] and line breaks.
  teamcity: [['|', '||'], ["'", "|'"], ['[', '|['], [']', '|]'], ['\n', '|n'], ['\r', '|r']],
  // Azure Pipelines agent: `; \r \n ]` and `%` as %AZP25.
  azure: [['%', '%AZP25'], [';', '%3B'], ['\r', '%0D'], ['\n', '%0A'], [']', '%5D']],
  none: [],
};

interface Field {
  /** Tab stop number; the same number twice is one value typed once (a block's open and close). */
  stop: number;
  escaping: Escaping;
  /** What the field holds, for the documentation (a transformed tab stop shows no placeholder text). */
  hint: string;
}
type Segment = string | Field;
const field = (stop: number, escaping: Escaping, hint: string): Field => ({ stop, escaping, hint });

interface DialectSnippet {
  dialect: CiDialectId;
  label: string;
  filter: string;
  doc: string;
  /** Printed lines; a pair has the cursor's final place ($0) between its two lines. */
  lines: Segment[][];
  /** A whole shell statement instead of the language's print form (GitLab: `echo -e` for its escape sequences). */
  shellOnly?: (line: string) => string;
}

const annotation = (name: 'error' | 'warning' | 'notice', doc: string): DialectSnippet => ({
  dialect: 'github',
  label: `::${name} file=…,line=…,title=…::message`,
  filter: `${name} github annotation`,
  doc,
  lines: [[`::${name} file=`, field(1, 'githubProperty', 'file'), ',line=', field(2, 'githubProperty', 'line'), ',title=', field(3, 'githubProperty', 'title'), '::', field(4, 'githubData', 'message')]],
});

const SNIPPETS: DialectSnippet[] = [
  {
    dialect: 'github',
    label: '::group:: … ::endgroup::',
    filter: 'group endgroup github',
    doc: 'A GitHub Actions group: a step in StepFlow, nested as written.',
    lines: [['::group::', field(1, 'githubData', 'title')], ['::endgroup::']],
  },
  annotation('error', 'Fails the innermost step (it stays open) and puts an error at file:line in the Problems panel.'),
  annotation('warning', 'A warning of the innermost step, at file:line in the Problems panel.'),
  annotation('notice', 'A notice (information) of the innermost step, at file:line.'),
  {
    dialect: 'github',
    label: '::add-mask::value',
    filter: 'add-mask mask secret github',
    doc: 'Registers a secret: from this line on it is stored and shown as `***`. Print it from a variable (`$TOKEN`), not as a literal.',
    lines: [['::add-mask::', field(1, 'githubData', 'value')]],
  },
  {
    dialect: 'teamcity',
    label: "##teamcity[blockOpened name='…'] … blockClosed",
    filter: 'teamcity blockOpened blockClosed block',
    doc: 'A TeamCity block: a step in StepFlow. The name is typed once for both lines.',
    lines: [["##teamcity[blockOpened name='", field(1, 'teamcity', 'name'), "']"], ["##teamcity[blockClosed name='", field(1, 'teamcity', 'name'), "']"]],
  },
  {
    dialect: 'teamcity',
    label: "##teamcity[message text='…' status='ERROR']",
    filter: 'teamcity message error',
    doc: 'An error message: fails the innermost step (it stays open).',
    lines: [["##teamcity[message text='", field(1, 'teamcity', 'text'), "' status='ERROR']"]],
  },
  {
    dialect: 'teamcity',
    label: "##teamcity[buildProblem description='…']",
    filter: 'teamcity buildProblem problem',
    doc: 'A build problem: fails the innermost step.',
    lines: [["##teamcity[buildProblem description='", field(1, 'teamcity', 'description'), "']"]],
  },
  {
    dialect: 'teamcity',
    label: "##teamcity[publishArtifacts '…']",
    filter: 'teamcity publishArtifacts artifact',
    doc: 'An artifact of the innermost step (the first path rule).',
    lines: [["##teamcity[publishArtifacts '", field(1, 'teamcity', 'path'), "']"]],
  },
  {
    dialect: 'teamcity',
    label: "##teamcity[buildStatisticValue key='…' value='…']",
    filter: 'teamcity buildStatisticValue statistic',
    doc: 'A metadata entry (key and value) of the innermost step.',
    lines: [["##teamcity[buildStatisticValue key='", field(1, 'teamcity', 'key'), "' value='", field(2, 'teamcity', 'value'), "']"]],
  },
  {
    dialect: 'gitlab',
    label: 'section_start … section_end',
    filter: 'section gitlab section_start section_end',
    doc: "A GitLab CI collapsible section: a step in StepFlow, its duration taken from the lines' timestamps. The section name keeps GitLab's letters, digits, `_ . -` (others become `_`); the header is what both show.",
    lines: [
      ['section_start:$(date +%s):', field(1, 'gitlabName', 'name'), '[collapsed=true]\\r\\e[0K', field(2, 'none', 'header')],
      ['section_end:$(date +%s):', field(1, 'gitlabName', 'name'), '\\r\\e[0K'],
    ],
    shellOnly: (line) => `echo -e "\\e[0K${line}"`,
  },
  {
    dialect: 'azure',
    label: '##[group] … ##[endgroup]',
    filter: 'group endgroup azure',
    doc: 'An Azure Pipelines group: a step in StepFlow (with GitHub Actions on too, GitHub reads this line first; the step is the same).',
    lines: [['##[group]', field(1, 'azure', 'title')], ['##[endgroup]']],
  },
  {
    dialect: 'azure',
    label: '##vso[task.logissue type=error;…]message',
    filter: 'vso logissue error azure',
    doc: 'An error of the innermost step (it stays open), at sourcepath:linenumber in the Problems panel.',
    lines: [['##vso[task.logissue type=error;sourcepath=', field(1, 'azure', 'file'), ';linenumber=', field(2, 'azure', 'line'), ']', field(3, 'azure', 'message')]],
  },
  {
    dialect: 'azure',
    label: '##vso[task.setprogress value=…;]',
    filter: 'vso setprogress progress azure',
    doc: "The run's progress in percent (0–100), as `META:PROGRESS`.",
    lines: [['##vso[task.setprogress value=', field(1, 'azure', 'percent'), ';]', field(2, 'azure', 'title')]],
  },
  {
    dialect: 'azure',
    label: '##vso[artifact.upload artifactname=…]path',
    filter: 'vso artifact upload azure',
    doc: 'An artifact of the innermost step.',
    lines: [['##vso[artifact.upload artifactname=', field(1, 'azure', 'name'), ']', field(2, 'azure', 'path')]],
  },
  {
    dialect: 'azure',
    label: '##vso[task.setvariable variable=…;issecret=true]value',
    filter: 'vso setvariable secret mask azure',
    doc: 'Registers a secret: from this line on it is stored and shown as `***`. Print it from a variable, not as a literal.',
    lines: [['##vso[task.setvariable variable=', field(1, 'azure', 'name'), ';issecret=true]', field(2, 'azure', 'value')]],
  },
];

const DIALECT_NAME: Record<CiDialectId, string> = { github: 'GitHub Actions', teamcity: 'TeamCity', gitlab: 'GitLab CI', azure: 'Azure Pipelines' };

const snippetEscape = (text: string) => text.replace(/[\\$}]/g, (ch) => `\\${ch}`);
const HOLE = '\u0000';

/** The dialects' statement snippets for a typed word at the start of a line. */
export function dialectStatementItems(language: LanguageProfile, style: PrintStyle, switches: DialectSwitches, typed: string, range: Range): CompletionItem[] {
  const word = typed.toLowerCase();
  const items: CompletionItem[] = [];
  SNIPPETS.forEach((snippet, i) => {
    if (switches[snippet.dialect] === false) return;
    if (snippet.shellOnly && language.name !== 'shell') return;
    if (word !== '' && !snippet.filter.toLowerCase().split(' ').some((w) => w.startsWith(word[0]!))) return;
    const rendered = snippet.lines.map((line) => renderLine(snippet, line, language, style));
    const newText = rendered.length === 2 ? `${rendered[0]}\n$0\n${rendered[1]}` : rendered[0]!;
    const fields = [...new Map(snippet.lines.flat().filter((s): s is Field => typeof s !== 'string').map((f) => [f.stop, f])).values()];
    items.push({
      label: snippet.label,
      kind: CompletionItemKind.Snippet,
      detail: `${DIALECT_NAME[snippet.dialect]}: ${plainLine(snippet, snippet.lines[0]!, language, style)}`,
      documentation: {
        kind: MarkupKind.Markdown,
        value:
          `${snippet.doc}\n\n` +
          `Fields: ${fields.map((f) => `*${f.hint}*`).join(', ')}. Type each as you want it read; ` +
          `when you Tab on, it is escaped for ${DIALECT_NAME[snippet.dialect]}${escapingNote(fields)} and for the string it sits in.`,
      },
      sortText: `2${String(CI_DIALECTS.indexOf(snippet.dialect))}${String(i).padStart(2, '0')}`,
      filterText: snippet.filter,
      insertTextFormat: InsertTextFormat.Snippet,
      insertTextMode: InsertTextMode.adjustIndentation,
      textEdit: { range, newText },
    });
  });
  return items;
}

function escapingNote(fields: Field[]): string {
  const pairs = [...new Set(fields.flatMap((f) => (f.escaping === 'gitlabName' || f.escaping === 'none' ? [] : ESCAPES[f.escaping].filter(([c]) => c >= ' ').map(([c, e]) => `${c} → ${e}`))))];
  return pairs.length ? ` (\`${pairs.join('`, `')}\`)` : '';
}

/** One printed line as snippet text: literal text escaped for the string, fields as transformed tab stops. */
function renderLine(snippet: DialectSnippet, line: Segment[], language: LanguageProfile, style: PrintStyle): string {
  if (snippet.shellOnly) {
    // The literal pieces are shell source already (`$(date +%s)`, `\e`); fields escaped as in "…".
    const body = line.map((s) => (typeof s === 'string' ? snippetEscape(s) : tabStop(s, language, style))).join('');
    return snippetEscape(snippet.shellOnly(HOLE)).replace(HOLE, body);
  }
  const body = line.map((s) => (typeof s === 'string' ? snippetEscape(language.escape(s, style)) : tabStop(s, language, style))).join('');
  return snippetEscape(language.print(HOLE, style)).replace(HOLE, body);
}

/** The line as the detail shows it, each field by its hint. */
function plainLine(snippet: DialectSnippet, line: Segment[], language: LanguageProfile, style: PrintStyle): string {
  const body = line.map((s) => (typeof s === 'string' ? s : s.hint)).join('');
  return snippet.shellOnly ? snippet.shellOnly(body) : language.print(body, style);
}

/**
 * `${n/(\xHH)|(\xHH)…/${1:+escape}${2:+escape}…/g}`: each character the CI system or the host
 * string needs escaped becomes its escape (the CI escape itself escaped for the string).
 */
export function tabStop(f: Field, language: LanguageProfile, style: PrintStyle): string {
  if (f.escaping === 'gitlabName') return `\${${f.stop}/[^A-Za-z0-9_.-]/_/g}`;
  const table = new Map<string, string>(ESCAPES[f.escaping]);
  for (let code = 0x20; code < 0x7f; code++) {
    const c = String.fromCharCode(code);
    if (!table.has(c) && language.escape(c, style) !== c) table.set(c, c);
  }
  if (table.size === 0) return `\${${f.stop}}`;
  const entries = [...table].map(([c, escaped]) => [c, language.escape(escaped, style)] as const);
  const hex = (c: string) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  const regex = entries.map(([c]) => `(${hex(c)})`).join('|');
  const format = entries.map(([, escaped], k) => `\${${k + 1}:+${snippetEscape(escaped)}}`).join('');
  return `\${${f.stop}/${regex}/${format}/g}`;
}
