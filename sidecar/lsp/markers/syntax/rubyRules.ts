// tree-sitter-ruby. `puts`/`print`/`warn` (also on $stdout, $stderr, STDOUT, STDERR) with one
// string argument print a line; `#{…}` is dynamic. Ruby's block structure is not checked for
// balance (the profile says `structural: false`), so blocks only shape the outline.
import type { Node } from '@vscode/tree-sitter-wasm';
import { PartsBuilder } from '../parts';
import { readContent } from './literalText';
import type { Literal, PrintMatch, SyntaxRules } from './rules';

const INTERPOLATIONS = new Set(['interpolation']);

function literal(node: Node, text: string): Literal | null {
  if (node.type !== 'string') return null;
  const open = node.firstChild;
  const close = node.lastChild;
  const start = open && !open.isNamed ? open.endIndex : node.startIndex;
  const end = close && !close.isNamed && close !== open ? close.startIndex : node.endIndex;
  const quote = open && !open.isNamed ? open.text : '"';
  const b = new PartsBuilder(text);
  readContent(b, node, text, start, Math.max(start, end), quote === "'" ? 'none' : 'c', INTERPOLATIONS);
  return { parts: b.flush(), content: { start, end: Math.max(start, end) }, quote };
}

function print(chain: Node[], index: number, text: string): PrintMatch | null {
  const args = chain[index - 1];
  const call = chain[index - 2];
  if (args?.type !== 'argument_list' || call?.type !== 'call') return null;
  if (!/^(puts|print|warn)$/.test(call.childForFieldName('method')?.text ?? '')) return null;
  const receiver = call.childForFieldName('receiver');
  if (receiver && !/^(\$stdout|\$stderr|STDOUT|STDERR)$/.test(receiver.text)) return null;
  const found = literal(chain[index]!, text);
  if (!found) return null;
  const multiline = text.slice(found.content.start, found.content.end).includes('\n');
  const whole = RUBY_RULES.blocks.has(chain[index - 3]?.type ?? '');
  return { statement: call, ...found, printed: args.namedChildCount === 1 && whole && !multiline };
}

export const RUBY_RULES: SyntaxRules = {
  grammar: 'ruby',
  literals: new Set(['string']),
  joins: new Set(),
  blocks: new Set(['program', 'body_statement', 'do_block', 'block', 'then', 'else', 'if_modifier', 'unless_modifier', 'begin', 'ensure', 'rescue']),
  nonCode: new Set(['comment', 'string', 'heredoc_body']),
  literal,
  print,
  exitPattern: /\bexit!?/g,
  isExit: (chain) => [...chain].reverse().find((n) => (n.type === 'identifier' || n.type === 'call') && /^exit!?\b/.test(n.text)) ?? null,
  isCall: (_chain, text, end) => /^(\s*\(|\s+["'])/.test(text.slice(end, end + 8)),
  includes: /^[ \t]*(?:require|require_relative|load)\b[^\n]*?(?:step|flow|marker)/gim,
};
