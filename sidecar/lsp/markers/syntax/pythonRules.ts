// tree-sitter-python. `print(s)` (keyword arguments allowed) and `sys.stdout.write(s)` print
// a line when they are a whole expression statement; implicit concatenation
// (`"STEP_START:" "Pack"`) is one string, f-string fields are dynamic.
import type { Node } from '@vscode/tree-sitter-wasm';
import { PartsBuilder } from '../parts';
import { readContent } from './literalText';
import type { Literal, PrintMatch, SyntaxRules } from './rules';

const FIELDS = new Set(['interpolation']);

function readString(b: PartsBuilder, node: Node, text: string): string {
  const open = node.firstChild;
  const close = node.lastChild;
  if (open?.type !== 'string_start' || close?.type !== 'string_end') {
    b.dynamic(node.startIndex, node.endIndex);
    return '"';
  }
  const raw = /r/i.test(open.text.replace(/['"]+$/, ''));
  readContent(b, node, text, open.endIndex, close.startIndex, raw ? 'none' : 'c', FIELDS);
  return open.text;
}

function literal(node: Node, text: string): Literal | null {
  const b = new PartsBuilder(text);
  let quote = '"';
  if (node.type === 'concatenated_string') {
    let first: string | null = null;
    for (const child of node.namedChildren) {
      if (child?.type !== 'string') continue;
      const opened = readString(b, child, text);
      first ??= opened;
    }
    quote = first ?? quote;
  } else if (node.type === 'string') quote = readString(b, node, text);
  else return null;
  const contentStart = node.firstChild?.endIndex ?? node.startIndex;
  const contentEnd = node.lastChild?.startIndex ?? node.endIndex;
  return { parts: b.flush(), content: { start: contentStart, end: Math.max(contentStart, contentEnd) }, quote };
}

function print(chain: Node[], index: number, text: string): PrintMatch | null {
  const args = chain[index - 1];
  const call = chain[index - 2];
  if (args?.type !== 'argument_list' || call?.type !== 'call') return null;
  const callee = call.childForFieldName('function')?.text ?? '';
  const values = args.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment');
  let sole: boolean;
  if (callee === 'print') sole = values.filter((n) => n.type !== 'keyword_argument').length === 1 && values[0]!.startIndex === chain[index]!.startIndex;
  else if (/^sys\.std(out|err)\.write$/.test(callee)) sole = values.length === 1;
  else return null;
  const found = literal(chain[index]!, text);
  if (!found) return null;
  const statement = chain[index - 3];
  const whole = statement?.type === 'expression_statement' && statement.namedChildCount === 1 && PYTHON_RULES.blocks.has(chain[index - 4]?.type ?? '');
  const multiline = text.slice(found.content.start, found.content.end).includes('\n');
  return { statement: call, ...found, printed: sole && whole && !multiline };
}

export const PYTHON_RULES: SyntaxRules = {
  grammar: 'python',
  literals: new Set(['string']),
  joins: new Set(['concatenated_string']),
  blocks: new Set(['module', 'block']),
  nonCode: new Set(['comment', 'string']),
  literal,
  print,
  exitPattern: /\b(?:sys\.exit|exit|quit)\s*\(/g,
  isExit: (chain) => [...chain].reverse().find((n) => n.type === 'call' && /^(sys\.exit|exit|quit)$/.test(n.childForFieldName('function')?.text ?? '')) ?? null,
  isCall: (_chain, text, end) => /^\s*\(/.test(text.slice(end, end + 8)),
  includes: /^[ \t]*(?:import|from)\b[^\n]*?(?:step|flow|marker)/gim,
};
