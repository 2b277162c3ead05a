// Decides how to start a script: which interpreter, which leading arguments, and which
// environment additions keep the child from block-buffering its output (step durations
// are measured when marker lines *arrive*, spec §1/§2). Node I/O only, no vscode.
import { constants as fsc, promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../util/errors';

export interface Invocation {
  /** Absolute path of the program to spawn. */
  command: string;
  args: string[];
  /** Additions to the run's environment (the caller merges them last). */
  env: Record<string, string>;
  /** Short label for logs and the UI, e.g. `python3`, `bash`, `tsx`, `exec`. */
  interpreter: string;
}

export interface ResolveOptions {
  /** Absolute path of the script. */
  script: string;
  args: string[];
  /** Per-extension overrides from settings, `{".py": ["python3", "-X", "utf8"]}`. Win over shebang and extension. */
  overrides?: Record<string, string[]>;
  /** Environment the child will get (default `process.env`): used for PATH look-ups and to extend PERL5LIB/RUBYOPT instead of replacing them. */
  env?: NodeJS.ProcessEnv;
}

/** An interpreter that is not installed, and the script extension a setting can give another one. */
export interface MissingInterpreter {
  /** What was looked for: `pwsh`, `/opt/bin/python9`, `tsx`. */
  interpreter: string;
  /** The script's extension (`.ps1`): `stepflow.run.interpreters` / stepflow.json "interpreters" can choose its interpreter. */
  extension: string;
}

/** A problem the user can fix (missing script, no interpreter); its message is one line. */
export class InterpreterError extends UserError {
  /** Set when the fix is installing an interpreter or choosing another: clients offer the setting. */
  readonly missing: MissingInterpreter | undefined;

  constructor(message: string, missing?: MissingInterpreter) {
    super(message);
    this.name = 'InterpreterError';
    this.missing = missing;
  }
}

const SHEBANG_BYTES = 256;
const SETTING = 'stepflow.interpreters';

/** Extension table (spec §2); `null` entries need a look-up (`.ts` runners). */
const BY_EXTENSION: Readonly<Record<string, readonly string[] | null>> = {
  '.sh': ['bash'], '.bash': ['bash'], '.zsh': ['zsh'], '.py': ['python3'],
  '.js': ['node'], '.mjs': ['node'], '.cjs': ['node'], '.ts': null, '.mts': null, '.cts': null,
  '.ps1': ['pwsh', '-NoProfile', '-NonInteractive', '-File'], '.rb': ['ruby'], '.pl': ['perl'],
};

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash']);

export async function resolveInvocation(opts: ResolveOptions): Promise<Invocation> {
  const env = opts.env ?? process.env;
  const script = opts.script;
  const stat = await fsp.stat(script).catch(() => null);
  if (!stat) throw new InterpreterError(`script not found: ${script}`);
  if (!stat.isFile()) throw new InterpreterError(`not a file: ${script}`);

  const ext = path.extname(script).toLowerCase();
  const override = findOverride(opts.overrides, ext);
  let base: { command: string; lead: string[]; env?: Record<string, string> };
  if (override) {
    if (override.length === 0 || !override[0]) throw new InterpreterError(`${SETTING}["${ext}"] is empty`);
    base = { command: await locate(override[0], env, `${SETTING}["${ext}"]`, ext), lead: override.slice(1) };
  } else {
    const shebang = parseShebang(await readHead(script));
    if (shebang) base = await fromShebang(shebang, env, script, ext);
    else if (ext in BY_EXTENSION) base = await fromExtension(ext, env, script);
    else if (await isExecutable(script)) return finish({ command: script, lead: [] }, opts, env, 'exec', true);
    else throw new InterpreterError(`no interpreter for ${script}: add a shebang or set ${SETTING}`);
  }
  return finish(base, opts, env, labelOf(base.command), false);
}

async function finish(
  base: { command: string; lead: string[]; env?: Record<string, string> },
  opts: ResolveOptions, env: NodeJS.ProcessEnv, label: string, direct: boolean,
): Promise<Invocation> {
  const add: Record<string, string> = { STEPFLOW: '1', ...pythonEnv(env), ...base.env };
  const scriptArgs = direct ? opts.args : [...base.lead, opts.script, ...opts.args];
  let command = base.command;
  let args = scriptArgs;
  if (/^(?:j?ruby)[\d.]*$/.test(label)) Object.assign(add, await rubyEnv(env));
  else if (/^perl[\d.]*$/.test(label)) Object.assign(add, await perlEnv(env));
  else if (SHELLS.has(label)) {
    // Shell scripts mostly print through children (grep, awk, sed, sort…), and glibc
    // stdio block-buffers a pipe. stdbuf LD_PRELOADs line buffering into every
    // descendant that uses stdio. Only -oL: stderr is already unbuffered and -eL
    // would make it *more* buffered. stdbuf execs the shell, so the pid (and process
    // group leader) stays the script's.
    const stdbuf = await findOnPath('stdbuf', env);
    if (stdbuf) { args = ['-oL', command, ...args]; command = stdbuf; }
  }
  return { command, args, env: add, interpreter: label };
}

function findOverride(overrides: Record<string, string[]> | undefined, ext: string): string[] | undefined {
  if (!overrides || !ext) return undefined;
  for (const [key, value] of Object.entries(overrides)) {
    const k = key.toLowerCase();
    if ((k.startsWith('.') ? k : `.${k}`) === ext) return value;
  }
  return undefined;
}

async function readHead(file: string): Promise<string> {
  const fh = await fsp.open(file, 'r').catch(() => null);
  if (!fh) throw new InterpreterError(`script not readable: ${file}`);
  try {
    const buf = Buffer.alloc(SHEBANG_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SHEBANG_BYTES, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** Tokens of a `#!` line, or null. Split on whitespace (as BSD/macOS do) rather than
 * Linux's "one argument" rule, so `#!/bin/bash -e -x` does what the author meant. */
export function parseShebang(head: string): string[] | null {
  if (!head.startsWith('#!')) return null;
  const line = head.slice(2).split('\n', 1)[0]!.replace(/\r$/, '');
  const tokens = line.trim().split(/\s+/).filter(Boolean);
  return tokens.length > 0 ? tokens : null;
}

async function fromShebang(tokens: string[], env: NodeJS.ProcessEnv, script: string, ext: string) {
  const where = `shebang of ${script}`;
  const [interp, ...rest] = tokens as [string, ...string[]];
  if (path.basename(interp) !== 'env') return { command: await locate(interp, env, where, ext), lead: rest };
  // `#!/usr/bin/env [-S] [NAME=value…] cmd args`: resolve cmd ourselves so the label
  // (and thus the unbuffering) is the real interpreter's, not `env`'s.
  let words = rest;
  if (words[0] === '-S' || words[0] === '--split-string') words = splitWords(words.slice(1).join(' '));
  else if (words[0]?.startsWith('-S')) words = splitWords([words[0].slice(2), ...words.slice(1)].join(' '));
  const assigned: Record<string, string> = {};
  while (words[0] && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) {
    const w = words.shift()!;
    assigned[w.slice(0, w.indexOf('='))] = w.slice(w.indexOf('=') + 1);
  }
  if (!words[0] || words[0].startsWith('-')) {
    // Other env options (-i, -u, -C…): let env itself interpret the line.
    return { command: await locate(interp, env, where, ext), lead: rest };
  }
  return { command: await locate(words[0], env, where, ext), lead: words.slice(1), env: assigned };
}

/** `env -S` word splitting: whitespace, with '…' and "…" quoting and \ escapes. */
function splitWords(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let has = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") { quote = c; has = true; }
    else if (c === '\\' && i + 1 < s.length) { cur += s[++i]; has = true; }
    else if (/\s/.test(c)) { if (has || cur) out.push(cur); cur = ''; has = false; }
    else cur += c;
  }
  if (has || cur) out.push(cur);
  return out;
}

async function fromExtension(ext: string, env: NodeJS.ProcessEnv, script: string) {
  const entry = BY_EXTENSION[ext];
  if (entry) {
    const where = `${ext} scripts (set ${SETTING}["${ext}"] to use another)`;
    return { command: await locate(entry[0]!, env, where, ext), lead: entry.slice(1) };
  }
  // TypeScript: a project-local runner first (like npx), then PATH.
  for (const name of ['tsx', 'ts-node']) {
    const found = (await findLocalBin(name, path.dirname(script))) ?? (await findOnPath(name, env));
    if (found) return { command: found, lead: [] };
  }
  throw new InterpreterError(`no TypeScript runner for ${script}: install tsx (npm i -D tsx) or set ${SETTING}["${ext}"]`, { interpreter: 'tsx', extension: ext });
}

/**
 * Absolute path of an interpreter named in a shebang, the table or a setting. `ext` is the
 * script's extension ('' for none), which a setting can map to another interpreter.
 */
async function locate(name: string, env: NodeJS.ProcessEnv, where: string, ext: string): Promise<string> {
  const missing = ext ? { interpreter: name, extension: ext } : undefined;
  if (name.includes('/') || name.includes(path.sep)) {
    if (await isExecutable(name)) return path.resolve(name);
    throw new InterpreterError(`interpreter ${name} (${where}) not found or not executable`, missing);
  }
  const found = await findOnPath(name, env);
  if (found) return found;
  // No `node` on PATH: the sidecar itself runs on a real Node (architecture.md).
  if (name === 'node' && !process.versions['electron']) return process.execPath;
  throw new InterpreterError(`interpreter ${name} (${where}) not found on PATH`, missing);
}

function labelOf(command: string): string {
  return path.basename(command).replace(/\.(exe|cmd|bat)$/i, '');
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    if (!(await fsp.stat(file)).isFile()) return false;
    await fsp.access(file, fsc.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Like `which`: first executable file named `name` on the env's PATH. */
export async function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const pathVar = env['PATH'] ?? env['Path'] ?? '';
  const exts = process.platform === 'win32' ? ['', ...(env['PATHEXT'] ?? '.EXE;.CMD;.BAT').split(';')] : [''];
  for (const dir of pathVar.split(path.delimiter)) {
    if (!dir || !path.isAbsolute(dir)) continue; // relative PATH entries depend on cwd: skip
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

async function findLocalBin(name: string, from: string): Promise<string | undefined> {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', '.bin', name);
    if (await isExecutable(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Set for every run, not only Python scripts: shell scripts commonly call Python
 * helpers that print markers, and the variables are inherited. A user's value wins. */
function pythonEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const add: Record<string, string> = {};
  if (env['PYTHONUNBUFFERED'] === undefined) add['PYTHONUNBUFFERED'] = '1';
  if (env['PYTHONIOENCODING'] === undefined) add['PYTHONIOENCODING'] = 'utf-8';
  return add;
}

/** Shim files: fixed contents, written on first use (and rewritten if altered). */
export const SHIMS = {
  ruby: { file: 'stepflow_sync.rb', text: '# Written by StepFlow: line-timely output when stdout is a pipe.\n$stdout.sync = true\n$stderr.sync = true\n' },
  perl: {
    file: 'StepFlowAutoflush.pm',
    text: '# Written by StepFlow: line-timely output when STDOUT is a pipe.\npackage StepFlowAutoflush;\n'
      + 'my $old = select(STDERR); $| = 1; select(STDOUT); $| = 1; select($old);\n1;\n',
  },
} as const;

async function rubyEnv(env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const file = await ensureShim('ruby');
  return { RUBYOPT: [env['RUBYOPT'], `-r${file}`].filter(Boolean).join(' ') };
}

async function perlEnv(env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const file = await ensureShim('perl');
  return {
    PERL5LIB: [path.dirname(file), env['PERL5LIB']].filter(Boolean).join(path.delimiter),
    PERL5OPT: [env['PERL5OPT'], '-MStepFlowAutoflush'].filter(Boolean).join(' '),
  };
}

/** Path of a shim file in `<tmpdir>/stepflow-shims-<uid>`, created if needed. */
export async function ensureShim(kind: keyof typeof SHIMS): Promise<string> {
  const { file, text } = SHIMS[kind];
  const dir = await shimDir();
  const target = path.join(dir, file);
  if ((await fsp.readFile(target, 'utf8').catch(() => null)) === text) return target;
  // Write-then-rename so a concurrent run never loads a half-written file.
  const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await fsp.writeFile(tmp, text, { mode: 0o644 });
  await fsp.rename(tmp, target);
  return target;
}

async function shimDir(): Promise<string> {
  const id = process.getuid?.() ?? os.userInfo().username;
  const dir = path.join(os.tmpdir(), `stepflow-shims-${id}`);
  await fsp.mkdir(dir, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'EEXIST') throw e; });
  // The directory is on a shared /tmp and its code gets loaded into user scripts: refuse
  // one that another user could have planted or can write to.
  const st = await fsp.lstat(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (process.platform !== 'win32' && (st.mode & 0o022) !== 0)) {
    throw new InterpreterError(`unsafe shim directory ${dir}: remove it and run again`);
  }
  return dir;
}
