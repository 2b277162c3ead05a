// The script languages the editor features know: the tree-sitter grammar and extraction
// rules of each, and how to write a statement that prints one line in it. Adding a
// language = a profile here, its print form and language ids in protocol/printStatements.ts
// and its rules in syntax/ — see the README, "How to add a language". Perl has no
// tree-sitter grammar in @vscode/tree-sitter-wasm, so it gets no profile.
import { javascriptRules } from './syntax/javascriptRules';
import { POWERSHELL_RULES } from './syntax/powershellRules';
import { PYTHON_RULES } from './syntax/pythonRules';
import { RUBY_RULES } from './syntax/rubyRules';
import type { SyntaxRules } from './syntax/rules';
import { SHELL_RULES } from './syntax/shellRules';
import { PRINT_FORMS, PRINT_LANGUAGE_BY_ID, type PrintForm, type PrintStyle } from '../../protocol/printStatements';

export type { PrintStyle };

export type LanguageName = 'shell' | 'python' | 'javascript' | 'powershell' | 'ruby';

export interface LanguageProfile extends PrintForm {
  name: LanguageName;
  /** How markers are found in this language's syntax tree. */
  rules: SyntaxRules;
  /** Whether START/COMPLETE balance is checked (the block structure is understood well enough). */
  structural: boolean;
}

const PROFILES: Record<LanguageName, LanguageProfile> = {
  shell: {
    name: 'shell',
    rules: SHELL_RULES,
    ...PRINT_FORMS.shell,
    structural: true,
  },
  python: {
    name: 'python',
    rules: PYTHON_RULES,
    ...PRINT_FORMS.python,
    structural: true,
  },
  javascript: {
    name: 'javascript',
    rules: javascriptRules('javascript'),
    ...PRINT_FORMS.javascript,
    structural: true,
  },
  powershell: {
    name: 'powershell',
    rules: POWERSHELL_RULES,
    ...PRINT_FORMS.powershell,
    structural: true,
  },
  ruby: {
    name: 'ruby',
    rules: RUBY_RULES,
    ...PRINT_FORMS.ruby,
    structural: false,
  },
};

/** The language of a VS Code language id — the print statements' table, less Perl (no grammar). */
function byLanguageId(languageId: string): LanguageName | undefined {
  const language = PRINT_LANGUAGE_BY_ID[languageId];
  return language === 'perl' ? undefined : language;
}

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
  const byId = byLanguageId(languageId);
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
