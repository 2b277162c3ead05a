// tree-sitter-bash for POSIX shell / bash / zsh scripts. `echo`/`printf` print a line when
// they are a whole statement of their block — piped only into `tee`, redirected only to
// stderr, not in `$( … )`, not backgrounded; after `&&`/`||` they print conditionally (the
// list is a block of its own).
import type { Node } from '@vscode/tree-sitter-wasm';
import { PartsBuilder } from '../parts';
import { echoString, printfString, type Word } from '../shellPrintCommands';
import { decode, readContent } from './literalText';
import type { Literal, PrintMatch, SyntaxRules } from './rules';

const EXPANSIONS = new Set(['simple_expansion', 'expansion', 'command_substitution', 'arithmetic_expansion', 'process_substitution']);
/** Globs, `~` and brace expansion print what the file system or the shell makes of them. */
const EXPANDED_WORD = /[*?[]|^~|\{[^}\s]*(,|\.\.)[^}\s]*\}/;
const STDOUT_TO_FILE = /^(\d*)(&>>|&>|>>|>\||>&|>)\s*(\S*)/;

/** Appends what `node` (an argument) expands to; returns the quote it starts with. */
function readArgument(b: PartsBuilder, node: Node, text: string): string {
  const { startIndex: start, endIndex: end } = node;
  switch (node.type) {
    case 'string':
      readContent(b, node, text, start + 1, end - 1, 'shell-double', EXPANSIONS);
      return '"';
    case 'raw_string':
      decode(b, text, start + 1, end - 1, 'none');
      return "'";
    case 'ansi_c_string':
      decode(b, text, start + 2, end - 1, 'c');
      return "$'";
    case 'word':
    case 'number':
      if (EXPANDED_WORD.test(text.slice(start, end))) b.dynamic(start, end);
      else decode(b, text, start, end, 'shell-word');
      return '';
    case 'concatenation': {
      let quote: string | null = null;
      for (const child of node.children) {
        if (!child) continue;
        const opened = readArgument(b, child, text);
        quote ??= opened;
      }
      return quote ?? '';
    }
    default:
      b.dynamic(start, end);
      return '';
  }
}

function wordOf(node: Node, text: string): Word {
  const b = new PartsBuilder(text);
  const quote = readArgument(b, node, text);
  const parts = b.flush();
  const stat = b.hasDynamic ? null : parts.map((p) => (p.kind === 'text' ? p.text : '')).join('');
  return { start: node.startIndex, end: node.endIndex, parts, quote, static: stat };
}

/** A redirection that sends stdout to a file (`> f`, `>> f`, `&> f`; not `>&2`). */
function stdoutToFile(redirect: Node): boolean {
  if (redirect.type !== 'file_redirect') return false;
  const m = STDOUT_TO_FILE.exec(redirect.text);
  if (!m) return false;
  const [, fd, op, target] = m;
  if (fd !== '' && fd !== '1') return false;
  if (target!.startsWith('&') || (op === '>&' && /^(\d+|-)?$/.test(target!))) return false;
  return true;
}

/** `echo … | tee [-a] log`: the pipeline still prints the line. */
function onlyTeeAfter(pipeline: Node, first: Node): boolean {
  const commands = pipeline.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment');
  if (commands[0]?.startIndex !== first.startIndex) return false;
  return commands.slice(1).every((c) => c.type === 'command' && c.childForFieldName('name')?.text === 'tee');
}

function print(rules: SyntaxRules, chain: Node[], index: number, text: string): PrintMatch | null {
  const command = chain[index - 1];
  if (command?.type !== 'command') return null;
  const nameNode = command.childForFieldName('name');
  const name = nameNode?.text;
  if (name !== 'echo' && name !== 'printf') return null;
  const args: Word[] = [];
  let printed = true;
  for (const child of command.namedChildren) {
    if (!child || child.startIndex <= nameNode!.startIndex || child.type === 'comment') continue;
    if (child.type.endsWith('redirect')) {
      if (stdoutToFile(child)) printed = false;
      continue;
    }
    args.push(wordOf(child, text));
  }
  const found = name === 'echo' ? echoString(args) : printfString(args);
  if (!found) return null;
  // Up to the block: only redirections to stderr and pipes into tee keep the line printed.
  let node = command;
  let k = index - 2;
  for (; k >= 0 && !rules.blocks.has(chain[k]!.type); k--) {
    const parent = chain[k]!;
    if (parent.type === 'redirected_statement') {
      if (parent.namedChildren.some((r) => r && r.type.endsWith('redirect') && stdoutToFile(r))) printed = false;
    } else if (parent.type === 'pipeline') {
      if (!onlyTeeAfter(parent, node)) printed = false;
    } else printed = false;
    node = parent;
  }
  // `echo … &` runs in the background: its line may come at any time.
  if (/^[ \t]*&(?![&>])/.test(text.slice(node.endIndex, node.endIndex + 8))) printed = false;
  return { statement: command, parts: found.parts, content: found.content, printed: printed && found.printed, quote: found.quote };
}

function literal(node: Node, text: string): Literal {
  const word = wordOf(node, text);
  return { parts: word.parts, content: { start: word.start, end: word.end }, quote: word.quote };
}

export const SHELL_RULES: SyntaxRules = {
  grammar: 'bash',
  literals: new Set(['string', 'raw_string', 'ansi_c_string', 'word']),
  joins: new Set(['concatenation']),
  blocks: new Set(['program', 'compound_statement', 'subshell', 'do_group', 'if_statement', 'elif_clause', 'else_clause', 'case_item', 'list']),
  nonCode: new Set(['comment', 'heredoc_body', 'string', 'raw_string', 'ansi_c_string']),
  literal,
  print: (chain, index, text) => print(SHELL_RULES, chain, index, text),
  exitPattern: /\bexit\b/g,
  isExit: (chain) => [...chain].reverse().find((n) => n.type === 'command' && n.childForFieldName('name')?.text === 'exit') ?? null,
  isCall: (chain) => chain.some((n) => n.type === 'command_name'),
  includes: /(?:^|[;&|(]|\bthen\b|\bdo\b)[ \t]*(?:source|\.)[ \t]+\S/gm,
};
