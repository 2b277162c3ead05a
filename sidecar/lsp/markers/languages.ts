// The script languages the editor features know: how to scan each, and how to write a
// statement that prints one line in it. Adding a language = a profile here (plus a scanner
// if none of the existing ones fits) — see the README, "How to add a language".
import { scanCode } from './codeScanner';
import { scanShell } from './shellScanner';
import type { ScanResult } from './types';

export type LanguageName = 'shell' | 'python' | 'javascript' | 'powershell' | 'ruby' | 'perl';

export interface LanguageProfile {
  name: LanguageName;
  scan(text: string): ScanResult;
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
    scan: scanShell,
    print: (text) => `echo "${text}"`,
    escape: (text) => escapeWith(text, '\\"$`'),
    structural: true,
  },
  python: {
    name: 'python',
    scan: (text) => scanCode(text, 'python'),
    print: (text, style) => `print(${style.quote}${text}${style.quote})`,
    escape: (text, style) => escapeWith(text, `\\${style.quote}`),
    structural: true,
  },
  javascript: {
    name: 'javascript',
    scan: (text) => scanCode(text, 'javascript'),
    print: (text, style) => `console.log(${style.quote}${text}${style.quote})${style.semicolon ? ';' : ''}`,
    escape: (text, style) => escapeWith(text, `\\${style.quote}`),
    structural: true,
  },
  powershell: {
    name: 'powershell',
    scan: (text) => scanCode(text, 'powershell'),
    print: (text) => `Write-Host "${text}"`,
    escape: (text) => escapeWith(text, '`"$', '`'),
    structural: true,
  },
  ruby: {
    name: 'ruby',
    scan: (text) => scanCode(text, 'ruby'),
    print: (text) => `puts "${text}"`,
    escape: (text) => escapeWith(text, '\\"#'),
    structural: false,
  },
  perl: {
    name: 'perl',
    scan: (text) => scanCode(text, 'perl'),
    print: (text) => `print "${text}\\n";`,
    escape: (text) => escapeWith(text, '\\"$@'),
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
  perl: 'perl',
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
  pl: 'perl',
  pm: 'perl',
};

const BY_INTERPRETER: Array<[RegExp, LanguageName]> = [
  [/\b(ba|z|k|da)?sh\b/, 'shell'],
  [/\bpython[\d.]*\b/, 'python'],
  [/\b(node|deno|bun|tsx|ts-node)\b/, 'javascript'],
  [/\bpwsh\b|\bpowershell\b/, 'powershell'],
  [/\bruby\b/, 'ruby'],
  [/\bperl\b/, 'perl'],
];

/** The profile for a document: by language id, then file extension, then shebang. */
export function languageOf(languageId: string, uri: string, firstLine: string): LanguageProfile | null {
  const byId = BY_LANGUAGE_ID[languageId];
  if (byId) return PROFILES[byId];
  const ext = /\.([A-Za-z0-9]+)$/.exec(uri)?.[1]?.toLowerCase();
  if (ext && BY_EXTENSION[ext]) return PROFILES[BY_EXTENSION[ext]];
  if (firstLine.startsWith('#!')) {
    for (const [re, name] of BY_INTERPRETER) if (re.test(firstLine)) return PROFILES[name];
  }
  return null;
}

export function profile(name: LanguageName): LanguageProfile {
  return PROFILES[name];
}
