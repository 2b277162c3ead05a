// Untrusted text (step names, messages, a script's marker lines) shown in a terminal: `safe()`
// makes control characters visible, so a script cannot move the cursor, clear the screen or
// forge StepFlow's own lines. Used by the CLI and by the extension's terminals.

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** `text` with every control character written as `\xNN` (a tab as a space). */
export function safe(text: string): string {
  return text.replace(CONTROL, (c) => (c === '\t' ? ' ' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
