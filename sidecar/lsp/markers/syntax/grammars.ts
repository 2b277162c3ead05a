// The tree-sitter runtime and the script grammars, loaded once per process from the WASM
// files of @vscode/tree-sitter-wasm (the build that VS Code itself ships). Loading is
// asynchronous (the runtime is an Emscripten module), parsing afterwards is synchronous:
// callers await `loadGrammar(name)` once, then `grammar(name)` answers at once.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { Language, Parser } from '@vscode/tree-sitter-wasm';

/** The grammars StepFlow ships (esbuild.mjs copies exactly these next to the bundle). */
export const GRAMMARS = ['bash', 'python', 'javascript', 'typescript', 'powershell', 'ruby'] as const;
export type GrammarName = (typeof GRAMMARS)[number];

/**
 * Where the WASM files are: `dist/tree-sitter/` beside the bundle (esbuild.mjs copies them;
 * benchmarks bundled into dist/bench/ look one folder up), else the npm package when running
 * from the sources (tests, tsx).
 */
export function wasmFolder(): string {
  for (const folder of [path.join(__dirname, 'tree-sitter'), path.join(__dirname, '..', 'tree-sitter')]) {
    if (fs.existsSync(path.join(folder, 'tree-sitter.wasm'))) return folder;
  }
  return path.join(__dirname, '..', '..', '..', '..', 'node_modules', '@vscode', 'tree-sitter-wasm', 'wasm');
}

const languages = new Map<GrammarName, Language>();
const loading = new Map<GrammarName, Promise<Language | null>>();
let runtime: Promise<void> | null = null;

/**
 * Loads the runtime and one grammar, once; later calls share it. Each grammar is loaded
 * only when a document needs it: V8 compiles a grammar's WASM code in background threads
 * (bash's alone costs about a second of CPU on the 2-core machine, and a process cannot
 * exit before those threads finish), so a session with only Python scripts never pays for
 * bash or Ruby. Resolves to null (and logs nothing) when the files cannot be read.
 */
export function loadGrammar(name: GrammarName): Promise<Language | null> {
  let promise = loading.get(name);
  if (!promise) {
    const folder = wasmFolder();
    if (!runtime) {
      // WASM code from the baseline compiler (Liftoff) only, no optimising recompilation in
      // background threads: the bash lexer is one huge function whose recompilation takes
      // seconds of CPU on a busy machine, Node does not exit before it is done (closing the
      // language server took 3–20 s), and the baseline code parses as fast here: 5,000
      // lines of bash in 45–55 ms of CPU either way, with 0.9 s instead of 2.5 s of CPU for
      // the whole process (docs/performance.md). The sidecar runs no other WASM.
      v8.setFlagsFromString('--liftoff-only');
      runtime = Parser.init({ locateFile: (file: string) => path.join(folder, file) });
    }
    promise = runtime.then(async () => {
      const language = await Language.load(fs.readFileSync(path.join(folder, `tree-sitter-${name}.wasm`)));
      languages.set(name, language);
      return language;
    });
    loading.set(name, promise);
  }
  return promise;
}

/** Every grammar (tests and benchmarks, which analyse in-process). */
export async function loadGrammars(): Promise<void> {
  await Promise.all(GRAMMARS.map(loadGrammar));
}

/** The grammar if it is loaded, else null (see `loadGrammar`). */
export function grammar(name: GrammarName): Language | null {
  return languages.get(name) ?? null;
}
