// tree-sitter-powershell. Write-Host / Write-Output / echo … print a line when the marker
// string is their one positional argument (-ForegroundColor and friends allowed, not
// -NoNewline); so do a string alone as a statement (implicit output) and
// [Console]::WriteLine(s). `$var` and `$( … )` inside "…" are dynamic.
import type { Node } from '@vscode/tree-sitter-wasm';
import { PartsBuilder } from '../parts';
import { readContent, type Escapes } from './literalText';
import type { Literal, PrintMatch, SyntaxRules } from './rules';

const PRINT_COMMANDS = new Set(['write-host', 'write-output', 'write-information', 'echo', 'write']);
/** Parameters whose value follows them (the value is no positional argument). */
const VALUE_PARAMETERS = new Set(['-foregroundcolor', '-backgroundcolor', '-separator', '-tags', '-informationaction', '-erroraction']);
const INTERPOLATIONS = new Set(['variable', 'sub_expression']);
/** Expression nodes that wrap a single value (the grammar nests a dozen of them). */
const WRAPPER = /^(string_literal|unary_expression|array_literal_expression|range_expression|format_expression|multiplicative_expression|additive_expression|comparison_expression|bitwise_expression|logical_expression|argument_expression|[a-z_]+_argument_expression)$/;

const STRINGS: Record<string, { open: number; close: number; escapes: Escapes; quote: string }> = {
  expandable_string_literal: { open: 1, close: 1, escapes: 'powershell', quote: '"' },
  verbatim_string_characters: { open: 1, close: 1, escapes: 'powershell-verbatim', quote: "'" },
  expandable_here_string_literal: { open: 2, close: 2, escapes: 'powershell', quote: '@"' },
  verbatim_here_string_characters: { open: 2, close: 2, escapes: 'none', quote: "@'" },
};

function literal(node: Node, text: string): Literal | null {
  const kind = STRINGS[node.type];
  if (!kind) return null;
  const start = node.startIndex + kind.open;
  const end = Math.max(start, node.endIndex - kind.close);
  const b = new PartsBuilder(text);
  readContent(b, node, text, start, end, kind.escapes, kind.escapes === 'powershell' ? INTERPOLATIONS : new Set());
  return { parts: b.flush(), content: { start, end }, quote: kind.quote };
}

/** Index of the outermost node above chain[index] that only wraps it (same span). */
function unwrap(chain: Node[], index: number): number {
  const { startIndex, endIndex } = chain[index]!;
  let k = index;
  while (k > 0 && WRAPPER.test(chain[k - 1]!.type) && chain[k - 1]!.startIndex === startIndex && chain[k - 1]!.endIndex === endIndex) k--;
  return k;
}

/** The node at chain[index] is a whole statement: a pipeline of one element in a statement list. */
function wholeStatement(chain: Node[], index: number): boolean {
  const top = unwrap(chain, index);
  const pipelineChain = chain[top - 1];
  const pipeline = chain[top - 2];
  return (
    pipelineChain?.type === 'pipeline_chain' &&
    pipelineChain.namedChildCount === 1 &&
    pipeline?.type === 'pipeline' &&
    pipeline.namedChildCount === 1 &&
    chain[top - 3]?.type === 'statement_list'
  );
}

function print(chain: Node[], index: number, text: string): PrintMatch | null {
  const found = literal(chain[index]!, text);
  if (!found) return null;
  const multiline = text.slice(found.content.start, found.content.end).includes('\n');
  const top = unwrap(chain, index);
  const above = chain[top - 1];
  if (above?.type === 'pipeline_chain') {
    // A string alone on its line is written to the output.
    return { statement: chain[top]!, ...found, printed: !multiline && wholeStatement(chain, top) };
  }
  if (above?.type === 'command_elements' && chain[top - 2]?.type === 'command') {
    const command = chain[top - 2]!;
    const name = command.childForFieldName('command_name')?.text.toLowerCase() ?? command.firstNamedChild?.text.toLowerCase() ?? '';
    if (!PRINT_COMMANDS.has(name)) return null;
    let positional = 0;
    let noNewline = false;
    let skipValue = false;
    for (const element of above.namedChildren) {
      if (!element || element.type === 'command_argument_sep' || element.type === 'comment') continue;
      if (element.type === 'command_parameter') {
        const parameter = element.text.toLowerCase().replace(/:$/, '');
        if (parameter === '-nonewline') noNewline = true;
        skipValue = VALUE_PARAMETERS.has(parameter);
        continue;
      }
      if (skipValue) {
        skipValue = false;
        continue;
      }
      positional++;
    }
    return { statement: command, ...found, printed: positional === 1 && !noNewline && !multiline && wholeStatement(chain, top - 2) };
  }
  // [Console]::WriteLine(s)
  const list = chain[top - 1];
  const invocation = chain[top - 3];
  if (list?.type === 'argument_expression_list' && invocation?.type === 'invokation_expression') {
    if (!/^\[(system\.)?console\]::writeline\(/i.test(invocation.text.replace(/\s+/g, ''))) return null;
    return { statement: invocation, ...found, printed: list.namedChildCount === 1 && !multiline && wholeStatement(chain, top - 3) };
  }
  return null;
}

export const POWERSHELL_RULES: SyntaxRules = {
  grammar: 'powershell',
  literals: new Set(Object.keys(STRINGS)),
  joins: new Set(),
  blocks: new Set(['program', 'statement_block', 'script_block']),
  nonCode: new Set(['comment', ...Object.keys(STRINGS)]),
  literal,
  print,
  exitPattern: /\bexit\b/gi,
  isExit: (chain) => [...chain].reverse().find((n) => n.type === 'flow_control_statement' && /^exit\b/i.test(n.text)) ?? null,
  isCall: (chain, text, end) => chain.some((n) => n.type === 'command_name') || /^\s*\(/.test(text.slice(end, end + 8)),
  includes: /^[ \t]*(?:\.[ \t]+\S|import-module\b)/gim,
};
