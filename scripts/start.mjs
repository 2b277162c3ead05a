// `npm start`: a real VS Code (code-server) with StepFlow installed and examples/ open.
// The extension is linked into a private extensions folder, so `npm run build` (or
// `npm run watch`) followed by a window reload picks up changes. Prints the URL and runs
// until Ctrl-C. Runs share the database with `npx stepflow` in the integrated terminal.
// It runs the minimum VS Code the manifest declares (code-server 4.100.3 on the machine's
// Node 20), the one installed first and the one whose user data lasts across runs;
// `npm start -- --newest` runs the newest tested release instead (on its own Node from npm,
// scripts/install-code-server.mjs), with user data of its own.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeCodeServer } from './install-code-server.mjs';
import { startCodeServer } from '../test/vscode/codeServer.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const newest = process.argv.includes('--newest');
const state = path.join(root, '.vscode-test', newest ? 'start-newest' : 'start');
const extensionsDir = path.join(state, 'extensions');
const link = path.join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`);

fs.mkdirSync(extensionsDir, { recursive: true });
for (const entry of fs.readdirSync(extensionsDir)) {
  if (entry.startsWith(`${pkg.publisher}.${pkg.name}-`)) fs.rmSync(path.join(extensionsDir, entry), { recursive: true, force: true });
}
fs.symlinkSync(root, link, 'dir');
// `stepflow` on the integrated terminal's PATH, so CLI runs show up in the StepFlow view.
const binDir = path.join(state, 'bin');
fs.mkdirSync(binDir, { recursive: true });
fs.rmSync(path.join(binDir, 'stepflow'), { force: true });
fs.symlinkSync(path.join(root, 'bin', 'stepflow.js'), path.join(binDir, 'stepflow'));

const port = Number(process.env.PORT) || undefined;
const stepflowHome = process.env.STEPFLOW_HOME || path.join(os.homedir(), '.stepflow');
console.log(`Starting code-server (a real VS Code, the ${newest ? 'newest' : 'minimum'} version tested) with StepFlow…`);
const server = await startCodeServer({
  codeServer: newest ? 'newest' : 'minimum',
  workspace: path.join(root, 'examples'),
  extensionsDir,
  userDataDir: path.join(state, 'user-data'),
  keepTemp: false,
  readyTimeoutMs: 120_000,
  ...(port ? { port } : {}),
  env: { STEPFLOW_HOME: stepflowHome, PATH: `${binDir}:${process.env.PATH}` },
});
const url = `${server.url}/?folder=${encodeURIComponent(path.join(root, 'examples'))}`;
console.log(`\nStepFlow is ready in VS Code (${describeCodeServer(server.codeServer)}): ${url}\n`);
console.log('Open a script in examples/ and click "▶ Run with StepFlow" above it.');
console.log(`Runs are stored in ${stepflowHome}. Press Ctrl-C to stop.`);

const shutdown = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
const { code, signal } = await server.exited;
console.error(`code-server stopped (${signal ?? code})\n${server.output().slice(-2000)}`);
process.exit(1);
