// The marker-diagnostics fixture corpus (test/fixtures/lsp/): expectations are written in the
// fixture itself as a comment line of carets under the characters, followed by the code:
//
//   echo "STEP_STRAT:Build"
//   #     ^^^^^^^^^^ misspelt-keyword
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './cli';

export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'lsp');

const LANGUAGE_IDS: Record<string, string> = {
  '.sh': 'shellscript',
  '.py': 'python',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.ps1': 'powershell',
  '.rb': 'ruby',
  '.pl': 'perl',
};

export function languageIdFor(file: string): string {
  return LANGUAGE_IDS[path.extname(file)] ?? 'plaintext';
}

/** "line:from-to code" for every caret line, pointing at the closest line above it that is not one. */
export function expectedDiagnostics(text: string): string[] {
  const expected: string[] = [];
  let target = -1;
  text.split('\n').forEach((line, index) => {
    const m = /^\s*(?:#|\/\/)\s*(\^+)\s+([a-z-]+)\s*$/.exec(line);
    if (!m) {
      target = index;
      return;
    }
    const column = line.indexOf('^');
    expected.push(`${target}:${column}-${column + m[1]!.length} ${m[2]}`);
  });
  return expected.sort();
}

export function describeDiagnostic(d: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; code?: string | number }): string {
  return `${d.range.start.line}:${d.range.start.character}-${d.range.end.character} ${String(d.code)}`;
}

export function fixtureFiles(folder: string): string[] {
  const dir = path.join(FIXTURES, folder);
  return fs.readdirSync(dir).sort().map((f) => path.join(dir, f));
}
