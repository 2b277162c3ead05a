// The CI dialects in the editor, from the built sidecar's language server over JSON-RPC: the
// outline of bash and Python scripts that mix StepFlow markers with GitHub Actions, TeamCity,
// GitLab and Azure command lines; the dialects' statement snippets, whose fields escape what
// the user types (checked end to end: the snippet is expanded as VS Code expands it, the
// statement run by the real interpreter, its output read by the runtime's parser); and a
// dialect switched off in stepflow.json is neither read nor offered.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CompletionItem, DocumentSymbol, TextEdit } from 'vscode-languageserver-protocol';
import { createDialects } from '../../sidecar/markers/dialects/registry';
import { OutputParser } from '../../sidecar/markers/outputParser';
import type { MarkerEvent } from '../../sidecar/protocol/markers';
import { tempDir } from '../support/cli';
import { LspClient, fileUri } from '../support/lspClient';

const BASH = [
  '#!/bin/bash',
  'echo "::group::Build"',
  'echo "STEP_START:Compile"',
  'make',
  'echo "STEP_COMPLETE:Compile"',
  `echo "##teamcity[blockOpened name='Unit |'tests|'']"`,
  'npm test',
  `echo "##teamcity[blockClosed name='Unit |'tests|'']"`,
  'echo "::endgroup::"',
  'echo -e "\\e[0Ksection_start:$(date +%s):deploy[collapsed=true]\\r\\e[0KDeploy to $TARGET"',
  'echo "##vso[task.setprogress value=50;]half"',
  'echo -e "\\033[0Ksection_end:$(date +%s):deploy\\r\\033[0K"',
  'GROUP="::group::assigned, not printed"',
  '',
].join('\n');

const PYTHON = [
  'import sys',
  'print("::group::Setup")',
  'for name in ["a", "b"]:',
  `    print(f"##teamcity[blockOpened name='{name}']")`,
  '    print("STEP_START:inner")',
  '    print("STEP_COMPLETE:inner")',
  `    print(f"##teamcity[blockClosed name='{name}']")`,
  'print("::endgroup::")',
  'print("##[group]Azure")',
  'print("##[endgroup]")',
  '',
].join('\n');

type Shape = [string, string, number, number, Shape[]];
const shape = (s: DocumentSymbol): Shape => [s.name, s.detail ?? '', s.range.start.line, s.range.end.line, (s.children ?? []).map(shape)];
const newText = (item: CompletionItem) => (item.textEdit as TextEdit).newText;

/**
 * The text VS Code leaves after expanding `snippet`, the user typing `typed[n]` into tab stop n
 * and pressing Tab past each: escapes undone, `$0` dropped, each `${n/regex/format/flags}`
 * replaced by the typed text transformed (formats of `${k:+text}` conditionals, as ours are).
 */
function expand(snippet: string, typed: Record<number, string>): string {
  let out = '';
  for (let i = 0; i < snippet.length; ) {
    const c = snippet[i]!;
    if (c === '\\') {
      out += snippet[i + 1];
      i += 2;
    } else if (snippet.startsWith('$0', i)) i += 2;
    else if (c === '$' && snippet[i + 1] === '{') {
      const stop = /^\$\{(\d+)\//.exec(snippet.slice(i))!;
      i += stop[0].length;
      let regex = '';
      while (snippet[i] !== '/') regex += snippet[i] === '\\' && snippet[i + 1] === '/' ? (i++, '/') : snippet[i++];
      i++;
      const conditionals: string[] = [];
      let plain = '';
      while (snippet[i] !== '/') {
        const cond = /^\$\{(\d+):\+/.exec(snippet.slice(i));
        if (!cond) {
          plain += snippet[i++];
          continue;
        }
        i += cond[0].length;
        let text = '';
        while (snippet[i] !== '}') text += snippet[i] === '\\' ? snippet[(i += 2) - 1] : snippet[i++];
        i++;
        conditionals[Number(cond[1])] = text;
      }
      i++;
      const flags = /^[a-z]*/.exec(snippet.slice(i))![0];
      i += flags.length + 1;
      out += (typed[Number(stop[1])] ?? '').replace(new RegExp(regex, flags), (...groups: unknown[]) => {
        if (conditionals.length === 0) return plain;
        const k = groups.findIndex((g, index) => index > 0 && typeof g === 'string');
        return conditionals[k] ?? '';
      });
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** What the runtime's parser, every dialect on, reads in a script's output. */
function parsed(output: string): MarkerEvent[] {
  const parser = new OutputParser({ dialects: createDialects() });
  const batch = parser.push(Buffer.from(output));
  return [...batch.markers, ...parser.end().markers].map((m) => m.event);
}

describe('LSP CI dialects: outline and completion (JSON-RPC to the built sidecar)', () => {
  let home: string;
  let client: LspClient;
  let count = 0;

  before(async () => {
    home = tempDir('stepflow-lsp-dialects-');
    client = await LspClient.start(home);
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  async function symbolsOf(folder: string, ext: string, languageId: string, text: string): Promise<DocumentSymbol[]> {
    const uri = fileUri(path.join(folder, `doc${++count}${ext}`));
    await client.open(uri, languageId, text);
    const symbols = await client.symbols(uri);
    await client.close(uri);
    return symbols;
  }

  async function completeAt(folder: string, ext: string, languageId: string, textWithCursor: string): Promise<CompletionItem[]> {
    const offset = textWithCursor.indexOf('|');
    const text = textWithCursor.replace('|', '');
    const before = text.slice(0, offset).split('\n');
    const uri = fileUri(path.join(folder, `doc${++count}${ext}`));
    await client.open(uri, languageId, text);
    const items = await client.completion(uri, before.length - 1, before[before.length - 1]!.length);
    await client.close(uri);
    return items;
  }

  it('outlines a bash script mixing GitHub groups, TeamCity blocks, GitLab sections and StepFlow steps, nested as a run nests them', async () => {
    const symbols = await symbolsOf(home, '.sh', 'shellscript', BASH);
    assert.deepEqual(symbols.map(shape), [
      ['Build', 'GitHub Actions group', 1, 8, [
        ['Compile', 'step', 2, 4, []],
        ["Unit 'tests'", 'TeamCity block', 5, 7, []],
      ]],
      ['Deploy to $TARGET', 'GitLab section', 9, 11, []],
    ]);
    const build = symbols[0]!;
    assert.deepEqual(build.selectionRange, { start: { line: 1, character: 15 }, end: { line: 1, character: 20 } }, 'the group title is selected');
  });

  it('outlines a Python script: a dynamic TeamCity block name inside a loop, a GitHub group, an Azure-style group', async () => {
    const symbols = await symbolsOf(home, '.py', 'python', PYTHON);
    assert.deepEqual(symbols.map(shape), [
      ['Setup', 'GitHub Actions group', 1, 7, [['{name}', 'TeamCity block', 3, 6, [['inner', 'step', 4, 5, []]]]]],
      // With GitHub Actions on, GitHub reads `##[group]` first, as in a run.
      ['Azure', 'GitHub Actions group', 8, 9, []],
    ]);
  });

  it('leaves out the dialects stepflow.json switches off', async () => {
    const folder = path.join(home, 'no-github');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'stepflow.json'), JSON.stringify({ dialects: { github: false, teamcity: false } }));
    const symbols = await symbolsOf(folder, '.py', 'python', PYTHON);
    assert.deepEqual(symbols.map(shape), [
      ['inner', 'step', 4, 5, []],
      ['Azure', 'Azure Pipelines group', 8, 9, []],
    ]);
    const items = await completeAt(folder, '.sh', 'shellscript', 'make\n|\n');
    const labels = items.map((i) => i.label);
    assert.ok(!labels.some((l) => l.startsWith('::') || l.includes('teamcity')), labels.join(' | '));
    assert.ok(labels.includes('section_start … section_end') && labels.includes('##[group] … ##[endgroup]'), labels.join(' | '));
  });

  it('offers every dialect in bash, and a typed title comes out of the snippet escaped: the runner reads back what was typed', async () => {
    const items = await completeAt(home, '.sh', 'shellscript', 'make\n|\n');
    const labels = items.map((i) => i.label);
    for (const label of ['STEP_START … STEP_COMPLETE', '::group:: … ::endgroup::', '::error file=…,line=…,title=…::message', "##teamcity[blockOpened name='…'] … blockClosed", 'section_start … section_end', '##vso[task.logissue type=error;…]message']) {
      assert.ok(labels.includes(label), `${label} in ${labels.join(' | ')}`);
    }
    const byLabel = (label: string) => items.find((i) => i.label === label)!;
    assert.equal(byLabel('::group:: … ::endgroup::').insertTextFormat, 2, 'a snippet');

    const title = 'Build failed: 100% of "a, b" $HOME';
    const script = [
      expand(newText(byLabel('::error file=…,line=…,title=…::message')), { 1: 'src/a,b.c', 2: '7', 3: title, 4: 'cost 5%, not $5' }),
      expand(newText(byLabel("##teamcity[blockOpened name='…'] … blockClosed")), { 1: "Jo's [tests] | more" }),
      expand(newText(byLabel('section_start … section_end')), { 1: 'deploy prod', 2: 'Deploy "prod"' }),
      expand(newText(byLabel('##vso[task.logissue type=error;…]message')), { 1: 'x;y].ps1', 2: '3', 3: '100% done; really]' }),
    ].join('\n');
    const output = execFileSync('bash', ['-c', script], { encoding: 'utf8' });
    const events = parsed(output);
    assert.deepEqual(events[0], { kind: 'stepError', message: `${title}: cost 5%, not $5`, location: { file: 'src/a,b.c', line: 7, column: null }, keepOpen: true });
    assert.deepEqual(events.slice(1, 3), [
      { kind: 'stepStart', name: "Jo's [tests] | more" },
      { kind: 'stepComplete', name: "Jo's [tests] | more" },
    ]);
    assert.equal(events[3]!.kind === 'stepStart' && events[3]!.name, 'Deploy "prod"');
    assert.equal(events[4]!.kind, 'stepComplete', 'the section name typed with a space still pairs start and end');
    assert.deepEqual(events[5], { kind: 'stepError', message: '100% done; really]', location: { file: 'x;y].ps1', line: 3, column: null }, keepOpen: true });
  });

  it('offers the dialects in Python print statements, escaped for the quotes the file uses', async () => {
    const items = await completeAt(home, '.py', 'python', "print('STEP_START:all')\n|\nprint('STEP_COMPLETE:all')\n");
    const labels = items.map((i) => i.label);
    assert.ok(!labels.includes('section_start … section_end'), 'GitLab sections are offered in shell scripts only');
    const block = items.find((i) => i.label === "##teamcity[blockOpened name='…'] … blockClosed")!;
    const group = items.find((i) => i.label === '::group:: … ::endgroup::')!;
    const script = [expand(newText(group), { 1: "it's 100%" }), expand(newText(block), { 1: "Jo's \\tests" })].join('\n');
    assert.match(script, /^print\('::group::it\\'s 100%25'\)/, 'single quotes, as the file writes them');
    const output = execFileSync('python3', ['-c', script], { encoding: 'utf8' });
    assert.deepEqual(parsed(output), [
      { kind: 'stepStart', name: "it's 100%" },
      { kind: 'stepComplete', name: "it's 100%" },
      { kind: 'stepStart', name: "Jo's \\tests" },
      { kind: 'stepComplete', name: "Jo's \\tests" },
    ]);
  });

  it('offers the dialect commands by their own words (group, teamcity, vso) and stays quiet on other words', async () => {
    const group = (await completeAt(home, '.sh', 'shellscript', 'make\ngr|\n')).map((i) => i.label);
    assert.ok(group.includes('::group:: … ::endgroup::') && group.includes('##[group] … ##[endgroup]'), group.join(' | '));
    assert.ok(!group.includes('STEP_START'), 'StepFlow keywords start with S, A or M');
    assert.deepEqual((await completeAt(home, '.sh', 'shellscript', 'make\nxyz|\n')).map((i) => i.label), []);
  });
});
