// Escaping of CI systems' command lines, undone exactly as each system's own runner does.

/** [escaped, literal] pairs, replaced in this order (the runner's own order: '%' last). */
type Mapping = ReadonlyArray<readonly [string, string]>;

const unescapeWith = (mapping: Mapping) => (text: string): string => {
  let out = text;
  for (const [escaped, literal] of mapping) if (out.includes(escaped)) out = out.split(escaped).join(literal);
  return out;
};

// GitHub Actions runner (src/Runner.Worker/ActionCommandManager.cs, ActionCommand.cs):
// data `%0D %0A %25`; property values also `%3A %2C`.
export const unescapeGithubData = unescapeWith([['%0D', '\r'], ['%0A', '\n'], ['%25', '%']]);
export const unescapeGithubProperty = unescapeWith([['%0D', '\r'], ['%0A', '\n'], ['%3A', ':'], ['%2C', ','], ['%25', '%']]);
// The runner's legacy `##[command key=value;…]data` form: `%3B %0D %0A %5D %25`.
export const unescapeGithubLegacy = unescapeWith([['%3B', ';'], ['%0D', '\r'], ['%0A', '\n'], ['%5D', ']'], ['%25', '%']]);
// Azure Pipelines agent (CommandStringConvertor): `%3B %0D %0A %5D`, then `%AZP25` for '%'.
export const unescapeAzure = unescapeWith([['%3B', ';'], ['%0D', '\r'], ['%0A', '\n'], ['%5D', ']'], ['%AZP25', '%']]);

/**
 * A TeamCity service-message value: `|'  |n  |r  ||  |[  |]  |0xNNNN`. Returns null for a
 * '|' followed by anything else (TeamCity rejects such a message; it stays a plain line).
 */
export function unescapeTeamcity(text: string): string | null {
  if (!text.includes('|')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '|') {
      out += c;
      continue;
    }
    const next = text[++i];
    switch (next) {
      case "'": out += "'"; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case '|': out += '|'; break;
      case '[': out += '['; break;
      case ']': out += ']'; break;
      case '0': {
        const hex = /^x([0-9A-Fa-f]{4})/.exec(text.slice(i + 1, i + 6));
        if (!hex) return null;
        out += String.fromCharCode(parseInt(hex[1]!, 16));
        i += 5;
        break;
      }
      default:
        return null;
    }
  }
  return out;
}
