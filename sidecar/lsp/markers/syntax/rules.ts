// What the marker extractor (extract.ts) needs to know about one grammar: which nodes are
// string literals and how to read them, which are blocks, and which statements print.
import type { Node } from '@vscode/tree-sitter-wasm';
import type { GrammarName } from './grammars';
import type { Part, Span } from '../types';

/** A print statement around a marker string. */
export interface PrintMatch {
  /** The statement node (callee to the end of its arguments). */
  statement: Node;
  parts: Part[];
  content: Span;
  /** Prints exactly this text as one line, as a whole statement of its block. */
  printed: boolean;
  quote: string;
}

/** A string literal read the way the program would print it. */
export interface Literal {
  parts: Part[];
  content: Span;
  quote: string;
}

export interface SyntaxRules {
  grammar: GrammarName;
  /** Literal nodes that may hold marker text (the innermost one around a marker is looked up). */
  literals: ReadonlySet<string>;
  /** Nodes that join literals into one value (`"a" "b"` in Python, `STEP_START:"x"` in shell). */
  joins: ReadonlySet<string>;
  /** Blocks whose statements run in order: the file, bodies, branches, conditional lists. */
  blocks: ReadonlySet<string>;
  /** Comments, strings and here-documents: where statement completion is not offered. */
  nonCode: ReadonlySet<string>;
  /** Reads a literal (or a join of literals); null when the node is none. */
  literal(node: Node, text: string): Literal | null;
  /**
   * The print statement whose printed text includes `chain[index]` (a literal), or null.
   * `chain` runs from the root down to (at least) that literal.
   */
  print(chain: Node[], index: number, text: string): PrintMatch | null;
  /** Whether the statement at the end of `chain` (found by `exitPattern`) ends the script. */
  exitPattern: RegExp;
  isExit(chain: Node[]): Node | null;
  /** Marker helper calls (`step_start "x"`) at a word: is the word called? */
  isCall(chain: Node[], text: string, end: number): boolean;
  /** Lines that include other files which may print markers too. */
  includes: RegExp;
}

/** The block (by the extractor's rules) each node of a chain belongs to is the last block above it. */
export const isBlock = (rules: SyntaxRules, node: Node) => rules.blocks.has(node.type);
