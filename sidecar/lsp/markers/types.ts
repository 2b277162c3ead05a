// What the syntax-tree extractor (syntax/extract.ts) finds in a script: the strings it prints (which may hold markers)
// and the block structure around them. Offsets are UTF-16 offsets into the document text.

export interface Span {
  start: number;
  end: number;
}

/**
 * One piece of a printed string as the program would print it: literal text (with the
 * document offset of every character, so ranges survive escapes) or a dynamic part
 * (`$name`, `${x}`, `{x}` in an f-string, a `%s` format, a concatenation…).
 */
export type Part = { kind: 'text'; text: string; offsets: number[]; end: number } | { kind: 'dynamic'; span: Span };

/** A string literal (or shell word list) that the script may print. */
export interface PrintedString {
  parts: Part[];
  /** Source span of the content, without quotes. */
  content: Span;
  /**
   * True when this string is exactly what one statement prints as one line: the sole
   * argument of echo/print/console.log/Write-Host… at statement level. False for strings
   * assigned to variables, passed elsewhere or printed conditionally inside an expression.
   */
  printed: boolean;
  /** The whole statement (callee to the end of its arguments), for hover and edits. */
  statement: Span;
  /** Index into ScanResult.regions of the innermost block holding the statement. */
  region: number;
  /** How the content may be rewritten: the quote it sits in ('' for a bare shell word). */
  quote: string;
}

/**
 * A block of code whose statements run in order: the file's top level, a function body,
 * a loop body, one branch of a conditional. Markers in different regions are not in
 * straight-line order with each other.
 */
export interface Region {
  parent: number;
  /** Source span of the block, body included. */
  span: Span;
  /** Where a statement appended at the block's end goes: after its last statement. */
  lastStatementEnd: number;
  /** Indentation (whitespace) of the block's statements, when known. */
  indent: string;
}

export interface ScanResult {
  strings: PrintedString[];
  /** Region 0 is the whole file. */
  regions: Region[];
  /**
   * Places where steps may start or end in ways the scanner cannot read: helper calls such
   * as `step_start "$x"`, here-documents or multi-line strings holding marker text. The
   * structural checks treat them as unknown events in their region.
   */
  opaque: Array<{ span: Span; region: number }>;
  /** The script includes other files (`source`, `.`, `import`…) that may print markers too. */
  includesOthers: boolean;
  /** Statements that end a script (exit, sys.exit, process.exit): appended statements go before them. */
  exits: Array<Span & { region: number }>;
  /**
   * The syntax tree has errors (ERROR or MISSING nodes): the order of events cannot be
   * trusted anywhere, so the structural checks stay silent until the script parses again.
   */
  syntaxErrors: boolean;
  /** A comment, string or here-document that began on an earlier line covers `lineStart`: no statement completion there. */
  insideNonCode(lineStart: number): boolean;
}
