// The script languages the editor features know: the tree-sitter grammar and extraction
// rules of each, and how to write a statement that prints one line in it. Adding a
// language = a profile here plus its rules in syntax/ — see the README, "How to add a
// language". Perl has no tree-sitter grammar in @vscode/tree-sitter-wasm, so it gets none.
import { javascriptRules } from './syntax/javascriptRules';
import { POWERSHELL_RULES } from './syntax/powershellRules';
import { PYTHON_RULES } from './syntax/pythonRules';
import { RUBY_RULES } from './syntax/rubyRules';
import type { SyntaxRules } from './syntax/rules';
import { SHELL_RULES } from './syntax/shellRules';

export type LanguageName = 'shell' | 'python' | 'javascript' | 'powershell' | 'ruby';

export interface LanguageProfile {
  name: LanguageName;
  /** How markers are found in this language's syntax tree. */
  rules: SyntaxRules;
  /** A statement printing `text` (already escaped with `escape`) as one line. */
  print(text: string, style: PrintStyle): string;
  /** Escapes literal text for the inside of the statement's string. */
  escape(text: string, style: PrintStyle): string;
  /** Whether START/COMPLETE balance is checked (the block structure is understood well enough). */
  structural: boolean;
}

/** How the document already writes its prints (quotes, semicolons), so insertions match it. */
export interface PrintStyle {
  quote: '"' | "'";
  semicolon: boolean;
}

const escapeWith = (text: string, chars: string, escapeChar = '\\') =>
  [...text].map((ch) => (chars.includes(ch) ? escapeChar + ch : ch)).join('');

const PROFILES: Record<LanguageName, LanguageProfile> = {
  shell: {
    name: 'shell',
    rules: SHELL_RULES,
    print: (text) => `echo "${text}"`,
    escape: (text) => escapeWith(text, '\\"$`'),
    structural: true,
  },
  python: {
    name: 'python',
    rules: PYTHON_RULES,
    print: (text, style) => `print(${style.quote}${text}${style.quote})`,
    escape: (text, style) => escapeWith(text, `\\${style.quote}`),
    structural: true,
  },
  javascript: {
    name: 'javascript',
    rules: javascriptRules('javascript'),
    print: (text, style) => `console.log(${style.quote}${text}${style.quote})${style.semicolon ? ';' : ''}`,
    escape: (text, style) => escapeWith(text, `\\${style.quote}`),
    structural: true,
  },
  powershell: {
    name: 'powershell',
    rules: POWERSHELL_RULES,
    print: (text) => `Write-Host "${text}"`,
    escape: (text) => escapeWith(text, '`"$', '`'),
    structural: true,
  },
  ruby: {
    name: 'ruby',
    rules: RUBY_RULES,
    print: (text) => `puts "${text}"`,
    escape: (text) => escapeWith(text, '\\"#'),
    structural: false,
  },
};

const BY_LANGUAGE_ID: Record<string, LanguageName> = {
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
};

const BY_EXTENSION: Record<string, LanguageName> = {
  sh: 'shell',
  bash: 'shell',
  zsh: 'shell',
  ksh: 'shell',
  py: 'python',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  ts: 'javascript',
  mts: 'javascript',
  cts: 'javascript',
  ps1: 'powershell',
  psm1: 'powershell',
  rb: 'ruby',
};

const BY_INTERPRETER: Array<[RegExp, LanguageName]> = [
  [/\b(ba|z|k|da)?sh\b/, 'shell'],
  [/\bpython[\d.]*\b/, 'python'],
  [/\b(node|deno|bun|tsx|ts-node)\b/, 'javascript'],
  [/\bpwsh\b|\bpowershell\b/, 'powershell'],
  [/\bruby\b/, 'ruby'],
];

/** TypeScript is read with its own grammar (type annotations, `<T>x` casts) and the JavaScript rules. */
const TYPESCRIPT: LanguageProfile = { ...PROFILES.javascript, rules: javascriptRules('typescript') };
const TYPESCRIPT_IDS = new Set(['typescript', 'typescriptreact']);
const TYPESCRIPT_EXTENSIONS = new Set(['ts', 'mts', 'cts']);

/** The profile for a document: by language id, then file extension, then shebang. */
export function languageOf(languageId: string, uri: string, firstLine: string): LanguageProfile | null {
  const ext = /\.([A-Za-z0-9]+)$/.exec(uri)?.[1]?.toLowerCase();
  const byId = BY_LANGUAGE_ID[languageId];
  if (byId) return TYPESCRIPT_IDS.has(languageId) ? TYPESCRIPT : PROFILES[byId];
  if (ext && BY_EXTENSION[ext]) return TYPESCRIPT_EXTENSIONS.has(ext) ? TYPESCRIPT : PROFILES[BY_EXTENSION[ext]];
  if (firstLine.startsWith('#!')) {
    for (const [re, name] of BY_INTERPRETER) if (re.test(firstLine)) return PROFILES[name];
  }
  return null;
}

export function profile(name: LanguageName): LanguageProfile {
  return PROFILES[name];
}
