// Errors meant for a person: the CLI prints `stepflow: <message>` and exits non-zero,
// the language server answers with the message — never a stack trace.
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'UserError';
  }
}

/** The first line of any thrown value, for one-line error reports. */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n', 1)[0] ?? text;
}
