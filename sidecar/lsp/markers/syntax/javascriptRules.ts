// tree-sitter-javascript and tree-sitter-typescript. `console.log(s)` (info, warn, error,
// debug, trace) and `process.stdout.write(s)` print a line when they are a whole expression
// statement; template substitutions and `+ name` are dynamic.
import type { Node } from '@vscode/tree-sitter-wasm';
import { PartsBuilder } from '../parts';
import { readContent } from './literalText';
import type { Literal, PrintMatch, SyntaxRules } from './rules';
import type { GrammarName } from './grammars';

const SUBSTITUTIONS = new Set(['template_substitution']);
const NONE = new Set<string>();

function read(b: PartsBuilder, node: Node, text: string): string {
  if (node.type === 'string') {
    readContent(b, node, text, node.startIndex + 1, node.endIndex - 1, 'c', NONE);
    return text[node.startIndex]!;
  }
  if (node.type === 'template_string') {
    readContent(b, node, text, node.startIndex + 1, node.endIndex - 1, 'c', SUBSTITUTIONS);
    return '`';
  }
  if (node.type === 'binary_expression' && node.childForFieldName('operator')?.type === '+') {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    const quote = left ? read(b, left, text) : '';
    if (right) read(b, right, text);
    return quote;
  }
  b.dynamic(node.startIndex, node.endIndex);
  return '';
}

function literal(node: Node, text: string): Literal {
  const b = new PartsBuilder(text);
  const quote = read(b, node, text);
  const quoted = node.type === 'string' || node.type === 'template_string';
  return { parts: b.flush(), content: { start: node.startIndex + (quoted ? 1 : 0), end: node.endIndex - (quoted ? 1 : 0) }, quote };
}

function print(rules: SyntaxRules, chain: Node[], index: number, text: string): PrintMatch | null {
  const args = chain[index - 1];
  const call = chain[index - 2];
  if (args?.type !== 'arguments' || call?.type !== 'call_expression') return null;
  const callee = call.childForFieldName('function')?.text ?? '';
  if (!/^console\.(log|info|warn|error|debug|trace)$/.test(callee) && !/^process\.std(out|err)\.write$/.test(callee)) return null;
  const found = literal(chain[index]!, text);
  const sole = args.namedChildren.filter((n) => n && n.type !== 'comment').length === 1;
  const statement = chain[index - 3];
  const whole = statement?.type === 'expression_statement' && statement.namedChildCount === 1 && rules.blocks.has(chain[index - 4]?.type ?? '');
  const multiline = text.slice(found.content.start, found.content.end).includes('\n');
  return { statement: call, ...found, printed: sole && whole && !multiline };
}

export function javascriptRules(grammar: Extract<GrammarName, 'javascript' | 'typescript'>): SyntaxRules {
  const rules: SyntaxRules = {
    grammar,
    literals: new Set(['string', 'template_string']),
    joins: new Set(['binary_expression']),
    // Bodies without braces (`if (x) console.log(…)`) belong to their statement: it is a block too.
    blocks: new Set([
      'program',
      'statement_block',
      'switch_case',
      'switch_default',
      'else_clause',
      'if_statement',
      'for_statement',
      'for_in_statement',
      'while_statement',
      'do_statement',
      'arrow_function',
    ]),
    nonCode: new Set(['comment', 'string', 'template_string', 'regex']),
    literal,
    print: (chain, index, text) => print(rules, chain, index, text),
    exitPattern: /\bprocess\.exit\b/g,
    isExit: (chain) => [...chain].reverse().find((n) => n.type === 'call_expression' && n.childForFieldName('function')?.text === 'process.exit') ?? null,
    isCall: (_chain, text, end) => /^\s*\(/.test(text.slice(end, end + 8)),
    includes: /^[ \t]*(?:import\b[^\n]*?(?:step|flow|marker)|[^\n]*\brequire\s*\(\s*['"][^'"\n]*(?:step|flow|marker))/gim,
  };
  return rules;
}
