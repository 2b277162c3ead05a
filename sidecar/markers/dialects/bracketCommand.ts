// The `##[name key=value;key=value]data` command form, shared by the GitHub runner's legacy
// commands and Azure Pipelines (`##[group]`, `##vso[task.logissue type=error;…]message`).
// Parsed as both runners do: the command info runs to the first ']'; properties are split
// at ';', each at its first '=', and pairs without a key or a value are dropped.

export interface BracketCommand {
  /** Lower-case (both runners compare command names ignoring case). */
  name: string;
  /** Keys lower-case; values unescaped. */
  props: Map<string, string>;
  /** Everything after ']', unescaped. */
  data: string;
}

/** Parses `line` (starting with `prefix`, e.g. '##[' or '##vso[') or returns null. */
export function parseBracketCommand(line: string, prefix: string, unescape: (text: string) => string): BracketCommand | null {
  if (!line.startsWith(prefix)) return null;
  const close = line.indexOf(']', prefix.length);
  if (close < 0) return null;
  const info = line.slice(prefix.length, close);
  const space = info.indexOf(' ');
  const name = (space < 0 ? info : info.slice(0, space)).toLowerCase();
  if (name === '') return null;
  const props = new Map<string, string>();
  if (space >= 0) {
    for (const pair of info.slice(space + 1).split(';')) {
      const eq = pair.indexOf('=');
      if (eq <= 0 || eq === pair.length - 1) continue;
      props.set(pair.slice(0, eq).trim().toLowerCase(), unescape(pair.slice(eq + 1)));
    }
  }
  return { name, props, data: unescape(line.slice(close + 1)) };
}

/** A 1-based line or column number from a property, or null when absent or not a number. */
export function positiveInt(text: string | undefined): number | null {
  if (text === undefined || !/^\s*\d{1,9}\s*$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 ? n : null;
}
