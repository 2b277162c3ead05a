// Entry point of the sidecar bundle (dist/sidecar.js).
//   stepflow lsp --stdio   the language server the VS Code extension starts
//   stepflow <command>     the CLI (bin/stepflow.js calls `main`)
import { cliMain } from './cli/main';

export function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'lsp') {
    // Required here, not imported at the top: the language server is a bundle of its own
    // (dist/sidecar-lsp.js, see esbuild.mjs), so the CLI never loads its libraries.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startLanguageServer } = require('./lsp/server') as typeof import('./lsp/server');
    startLanguageServer();
    // The connection keeps the process alive; it exits when the client disconnects.
    return new Promise<number>(() => undefined);
  }
  return cliMain(argv);
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
