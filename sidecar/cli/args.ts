// A small argument parser for the CLI. `stepflow run` needs one rule node:util's
// parseArgs cannot express: options StepFlow does not know, and everything after `--`,
// belong to the script.
import { UserError } from '../util/errors';

export interface OptionSpec {
  /** Takes a value (`--db PATH`); otherwise a boolean flag. */
  value?: boolean;
}

export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string | true>;
  /** Unknown options (only when passUnknown) and everything after `--`, in order. */
  rest: string[];
}

export function parseArgs(
  argv: readonly string[],
  spec: Record<string, OptionSpec>,
  opts: { passUnknown?: boolean; stopAtPositional?: number } = {},
): ParsedArgs {
  const parsed: ParsedArgs = { positionals: [], options: {}, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      parsed.rest.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq === -1 ? undefined : eq);
      const option = spec[name];
      if (!option) {
        if (opts.passUnknown && parsed.positionals.length > 0) {
          parsed.rest.push(arg);
          continue;
        }
        throw new UserError(`unknown option --${name}`);
      }
      if (!option.value) {
        parsed.options[name] = true;
        continue;
      }
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined) throw new UserError(`option --${name} needs a value`);
      parsed.options[name] = value;
      continue;
    }
    if (opts.stopAtPositional !== undefined && parsed.positionals.length >= opts.stopAtPositional) {
      parsed.rest.push(arg);
    } else {
      parsed.positionals.push(arg);
    }
  }
  return parsed;
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.options[name];
  return typeof value === 'string' ? value : undefined;
}

export function numberOption(args: ParsedArgs, name: string, { min = 0 } = {}): number | undefined {
  const raw = stringOption(args, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new UserError(`option --${name} needs a number ≥ ${min}, got "${raw}"`);
  return value;
}
