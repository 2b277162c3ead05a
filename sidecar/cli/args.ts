// A small argument parser for the CLI. `stepflow run` needs one rule node:util's
// parseArgs cannot express: options StepFlow does not know, and everything after `--`,
// belong to the script, exactly as written and in order (`--help` after the script too).
// `--help`/`-h` where StepFlow reads options asks for the command's help (HelpRequested).
import { UserError } from '../util/errors';

/**
 * Thrown for `--help`/`-h` among a command's own options; the dispatcher prints the help.
 * Recognised by `name`, not `instanceof`: `serve` runs from a bundle with its own copy.
 */
export class HelpRequested extends UserError {
  constructor() {
    super('help requested', 0);
    this.name = 'HelpRequested';
  }
}

/** An option the command does not know; the dispatcher names the command's --help. */
export class UnknownOption extends UserError {
  constructor(readonly option: string) {
    super(`unknown option ${option}`);
    this.name = 'UnknownOption';
  }
}

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
    const passing = opts.passUnknown === true && parsed.positionals.length > 0;
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq === -1 ? undefined : eq);
      const option = spec[name];
      if (!option) {
        if (passing) {
          parsed.rest.push(arg);
          continue;
        }
        if (name === 'help' && eq === -1) throw new HelpRequested();
        throw new UnknownOption(`--${name}`);
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
    } else if (/^-[^-\d]/.test(arg) && !passing) {
      // A short option: only -h is StepFlow's (a lone `-` or `-1` stays a positional).
      if (arg === '-h') throw new HelpRequested();
      throw new UnknownOption(arg);
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
