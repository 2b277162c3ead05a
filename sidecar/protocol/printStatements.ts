// How each script language writes a statement that prints one line: the one place both the
// language server (quick fixes, completions: sidecar/lsp/markers/languages.ts) and the
// extension (Insert Step Markers: extension/walkthrough.ts) take it from.

export type PrintLanguage = 'shell' | 'python' | 'javascript' | 'powershell' | 'ruby' | 'perl';

/** How the document already writes its prints (quotes, semicolons), so insertions match it. */
export interface PrintStyle {
  quote: '"' | "'";
  semicolon: boolean;
}

export interface PrintForm {
  /** A statement printing `text` (already escaped with `escape`) as one line. */
  print(text: string, style: PrintStyle): string;
  /** Escapes literal text for the inside of the statement's string. */
  escape(text: string, style: PrintStyle): string;
}

/** What an insertion uses when the document gives no hint. */
export const DEFAULT_PRINT_STYLE: PrintStyle = { quote: '"', semicolon: true };

const escapeWith = (text: string, chars: string, escapeChar = '\\') =>
  [...text].map((ch) => (chars.includes(ch) ? escapeChar + ch : ch)).join('');

export const PRINT_FORMS: Record<PrintLanguage, PrintForm> = {
  shell: { print: (text) => `echo "${text}"`, escape: (text) => escapeWith(text, '\\"$`') },
  python: { print: (text, style) => `print(${style.quote}${text}${style.quote})`, escape: (text, style) => escapeWith(text, `\\${style.quote}`) },
  javascript: {
    print: (text, style) => `console.log(${style.quote}${text}${style.quote})${style.semicolon ? ';' : ''}`,
    escape: (text, style) => escapeWith(text, `\\${style.quote}`),
  },
  powershell: { print: (text) => `Write-Host "${text}"`, escape: (text) => escapeWith(text, '`"$', '`') },
  ruby: { print: (text) => `puts "${text}"`, escape: (text) => escapeWith(text, '\\"#') },
  perl: { print: (text) => `print "${text}\\n";`, escape: (text) => escapeWith(text, '\\"$@') },
};

/** VS Code language ids of the languages above (the language server's too: lsp/markers/languages.ts). */
export const PRINT_LANGUAGE_BY_ID: Record<string, PrintLanguage> = {
  shellscript: 'shell',
  bash: 'shell',
  sh: 'shell',
  zsh: 'shell',
  python: 'python',
  javascript: 'javascript',
  javascriptreact: 'javascript',
  typescript: 'javascript',
  typescriptreact: 'javascript',
  powershell: 'powershell',
  ruby: 'ruby',
  perl: 'perl',
};
