// One build for the three parts (see docs/architecture.md, "Bundles"):
//   extension  node/cjs, `vscode` external
//   sidecar    node/cjs: the `stepflow` CLI, plus the language server (sidecar-lsp.js) and
//              the service (sidecar-serve.js) as separate bundles it requires on demand;
//              better-sqlite3 is native and stays external, as do ws's optional helpers
//   webview    browser/esm (Lit components for the panel and the dashboard)
// Flags: --watch rebuilds on change, --production minifies and drops source maps.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'info',
  legalComments: 'none',
  define: { __STEPFLOW_VERSION__: JSON.stringify(pkg.version) },
};

const nodeCommon = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
};

// `stepflow run` starts a Node process per run, so its start-up counts (docs/performance.md):
// the language server and the HTTP/WebSocket service, most of the sidecar's code, are
// bundles of their own. Their lazy require() in the sources becomes a require of the
// sibling bundle at run time instead of being inlined.
// The OpenTelemetry SDK (sidecar-otel.js) is one too: loaded only when a collector is configured.
const PARTS = { './lsp/server': './sidecar-lsp.js', './serveCommand': './sidecar-serve.js', './hubCommand': './sidecar-hub.js', './runTraceExporter': './sidecar-otel.js' };
const separateParts = {
  name: 'separate-parts',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(PARTS).map((p) => p.replace(/[./]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) => (args.kind === 'require-call' ? { path: PARTS[args.path], external: true } : undefined));
  },
};

const builds = [
  {
    ...nodeCommon,
    entryPoints: { extension: 'extension/main.ts' },
    outdir: 'dist',
    external: ['vscode'],
  },
  {
    ...nodeCommon,
    entryPoints: { sidecar: 'sidecar/main.ts' },
    outdir: 'dist',
    external: ['better-sqlite3', 'bufferutil', 'utf-8-validate'],
    plugins: [separateParts],
  },
  // The parts `dist/sidecar.js` requires only when asked to (see separateParts); the
  // language server and the service require sidecar-otel.js the same way.
  {
    ...nodeCommon,
    entryPoints: { 'sidecar-lsp': 'sidecar/lsp/server.ts', 'sidecar-serve': 'sidecar/cli/serveCommand.ts', 'sidecar-hub': 'sidecar/cli/hubCommand.ts', 'sidecar-otel': 'sidecar/telemetry/runTraceExporter.ts' },
    outdir: 'dist',
    // pg-native: pg's optional native binding, which StepFlow does not use.
    external: ['better-sqlite3', 'bufferutil', 'utf-8-validate', 'pg-native'],
    plugins: [separateParts],
  },
  {
    ...common,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    entryPoints: { webview: 'webview/main.ts' },
    outdir: 'dist',
  },
];

// The codicon font for the webview (panel and dashboard): copied next to webview.js, so
// dist/ is the only folder the webview may load from (localResourceRoots).
for (const file of ['codicon.css', 'codicon.ttf']) {
  mkdirSync(new URL('./dist/', import.meta.url), { recursive: true });
  copyFileSync(new URL(`./node_modules/@vscode/codicons/dist/${file}`, import.meta.url), new URL(`./dist/${file}`, import.meta.url));
}

// The tree-sitter runtime and the grammars the language server parses scripts with
// (sidecar/lsp/markers/syntax/grammars.ts looks for them in dist/tree-sitter/). Only these:
// the package holds 17 grammars (21 MB), the VSIX has to stay small.
const TREE_SITTER = ['tree-sitter', 'tree-sitter-bash', 'tree-sitter-python', 'tree-sitter-javascript', 'tree-sitter-typescript', 'tree-sitter-powershell', 'tree-sitter-ruby'];
mkdirSync(new URL('./dist/tree-sitter/', import.meta.url), { recursive: true });
for (const name of TREE_SITTER) {
  copyFileSync(new URL(`./node_modules/@vscode/tree-sitter-wasm/wasm/${name}.wasm`, import.meta.url), new URL(`./dist/tree-sitter/${name}.wasm`, import.meta.url));
}

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
