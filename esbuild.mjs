// One build for the three parts (see docs/architecture.md, "Bundling"):
//   extension  node/cjs, `vscode` external
//   sidecar    node/cjs (the language server, the service and the `stepflow` CLI);
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

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
