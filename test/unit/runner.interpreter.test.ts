// resolveInvocation: shebang variants, the extension table, overrides, errors, and the
// environment that keeps children unbuffered. Interpreters that are not installed here
// (zsh, pwsh, ruby, tsx on PATH) are stood in for by fake executables on a private PATH.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InterpreterError, SHIMS, ensureShim, parseShebang, resolveInvocation } from '../../sidecar/runner/interpreter';
import { tempFolderPerTest } from '../support/tempFolder';

describe('runner/interpreter', () => {
  let tmp: string;
  let bin: string;
  let env: NodeJS.ProcessEnv;

  const write = (rel: string, text: string, mode = 0o644): string => {
    const file = path.join(tmp, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text, { mode });
    return file;
  };
  const fake = (dir: string, ...names: string[]): void => {
    for (const n of names) fs.writeFileSync(path.join(dir, n), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  };

  tempFolderPerTest('sf-interp-', {
    beforeTest: (folder) => {
      tmp = folder;
      bin = path.join(tmp, 'bin');
      fs.mkdirSync(bin);
      fake(bin, 'bash', 'zsh', 'python3', 'node', 'pwsh', 'ruby', 'perl');
      env = { PATH: bin };
    },
  });

  describe('parseShebang', () => {
    it('splits the line into words and ignores CR', () => {
      assert.deepEqual(parseShebang('#!/bin/bash -e\necho'), ['/bin/bash', '-e']);
      assert.deepEqual(parseShebang('#! /usr/bin/env python3\r\nprint()'), ['/usr/bin/env', 'python3']);
      assert.equal(parseShebang('echo hi\n'), null);
      assert.equal(parseShebang('#!\n'), null);
    });
  });

  describe('extension table', () => {
    const cases: Array<[string, string, string[]]> = [
      ['a.sh', 'bash', []], ['a.bash', 'bash', []], ['a.zsh', 'zsh', []], ['a.py', 'python3', []],
      ['a.js', 'node', []], ['a.mjs', 'node', []], ['a.cjs', 'node', []], ['A.RB', 'ruby', []], ['a.pl', 'perl', []],
      ['a.ps1', 'pwsh', ['-NoProfile', '-NonInteractive', '-File']],
    ];
    for (const [name, label, lead] of cases) {
      it(`${name} → ${label}`, async () => {
        const script = write(name, 'x\n');
        const inv = await resolveInvocation({ script, args: ['--flag', 'two words'], env });
        assert.equal(inv.interpreter, label);
        assert.equal(inv.command, path.join(bin, label));
        assert.deepEqual(inv.args, [...lead, script, '--flag', 'two words']);
        assert.equal(inv.env['STEPFLOW'], '1');
      });
    }

    it('prefixes shell scripts with `stdbuf -oL` when stdbuf is on PATH', async () => {
      fake(bin, 'stdbuf');
      const script = write('a.sh', 'echo hi\n');
      const inv = await resolveInvocation({ script, args: ['x'], env });
      assert.equal(inv.command, path.join(bin, 'stdbuf'));
      assert.deepEqual(inv.args, ['-oL', path.join(bin, 'bash'), script, 'x']);
      assert.equal(inv.interpreter, 'bash');
    });

    it('falls back to the Node running StepFlow when `node` is not on PATH', async () => {
      fs.rmSync(path.join(bin, 'node'));
      const inv = await resolveInvocation({ script: write('a.js', ''), args: [], env });
      assert.equal(inv.command, process.execPath);
    });

    it('runs .ts through a project-local runner first, then PATH, else a clear error', async () => {
      const script = write('proj/src/deep/a.ts', 'const n: number = 1;\n');
      await assert.rejects(resolveInvocation({ script, args: [], env }), (e: Error) => {
        assert.ok(e instanceof InterpreterError);
        assert.match(e.message, /^no TypeScript runner for .*a\.ts: install tsx/);
        return true;
      });
      fake(bin, 'ts-node');
      assert.equal((await resolveInvocation({ script, args: [], env })).interpreter, 'ts-node');
      fake(bin, 'tsx');
      assert.equal((await resolveInvocation({ script, args: [], env })).command, path.join(bin, 'tsx'));
      const local = path.join(tmp, 'proj', 'node_modules', '.bin');
      fs.mkdirSync(local, { recursive: true });
      fake(local, 'tsx');
      assert.equal((await resolveInvocation({ script, args: [], env })).command, path.join(local, 'tsx'));
    });

    it('says which interpreter is missing', async () => {
      fs.rmSync(path.join(bin, 'zsh'));
      await assert.rejects(resolveInvocation({ script: write('a.zsh', ''), args: [], env }), /interpreter zsh \(\.zsh scripts.*\) not found on PATH/);
    });
  });

  describe('shebang', () => {
    it('wins over the extension', async () => {
      const script = write('a.sh', '#!/usr/bin/env python3\nprint(1)\n');
      const inv = await resolveInvocation({ script, args: ['1'], env });
      assert.equal(inv.interpreter, 'python3');
      assert.equal(inv.command, path.join(bin, 'python3'));
      assert.deepEqual(inv.args, [script, '1']);
    });

    it('#!/bin/bash -e keeps the flag', async () => {
      const script = write('noext', '#!/bin/bash -e\necho\n');
      const inv = await resolveInvocation({ script, args: ['a'], env });
      assert.equal(inv.command, '/bin/bash');
      assert.deepEqual(inv.args.slice(-3), ['-e', script, 'a']);
      assert.equal(inv.interpreter, 'bash');
    });

    it('#!/usr/bin/env -S node --foo resolves node and keeps its options', async () => {
      const script = write('tool', '#!/usr/bin/env -S node --foo\n');
      const inv = await resolveInvocation({ script, args: ['x'], env });
      assert.equal(inv.command, path.join(bin, 'node'));
      assert.deepEqual(inv.args, ['--foo', script, 'x']);
    });

    it('env -S with assignments and quotes', async () => {
      const script = write('tool', `#!/usr/bin/env -S A=1 B='two words' python3 -X "utf8"\n`);
      const inv = await resolveInvocation({ script, args: [], env });
      assert.equal(inv.interpreter, 'python3');
      assert.deepEqual(inv.args, ['-X', 'utf8', script]);
      assert.equal(inv.env['A'], '1');
      assert.equal(inv.env['B'], 'two words');
    });

    it('other env options are left to env itself', async () => {
      const script = write('tool', '#!/usr/bin/env -i python3\n');
      const inv = await resolveInvocation({ script, args: [], env });
      assert.equal(inv.command, '/usr/bin/env');
      assert.deepEqual(inv.args, ['-i', 'python3', script]);
    });

    it('a missing shebang interpreter is a clear error', async () => {
      const script = write('a.py', '#!/opt/nowhere/python9\n');
      await assert.rejects(resolveInvocation({ script, args: [], env }), /interpreter \/opt\/nowhere\/python9 \(shebang of .*a\.py\) not found/);
    });

    it('only the first 256 bytes are considered', async () => {
      const script = write('a.py', `#!/usr/bin/env ${'x'.repeat(300)}\n`);
      await assert.rejects(resolveInvocation({ script, args: [], env }), (e: Error) => e.message.includes(`${'x'.repeat(240)} (`));
    });
  });

  describe('overrides', () => {
    it('win over shebang and extension; keys are case-insensitive, dot optional', async () => {
      const script = write('a.PY', '#!/bin/bash\n');
      const inv = await resolveInvocation({ script, args: ['z'], env, overrides: { py: ['python3', '-X', 'utf8'] } });
      assert.equal(inv.command, path.join(bin, 'python3'));
      assert.deepEqual(inv.args, ['-X', 'utf8', script, 'z']);
      assert.equal(inv.env['PYTHONUNBUFFERED'], '1');
    });

    it('an empty or unknown override command is a clear error', async () => {
      const script = write('a.py', '');
      await assert.rejects(resolveInvocation({ script, args: [], env, overrides: { '.py': [] } }), /stepflow\.interpreters\["\.py"\] is empty/);
      await assert.rejects(resolveInvocation({ script, args: [], env, overrides: { '.py': ['py9'] } }), /interpreter py9 \(stepflow\.interpreters\["\.py"\]\) not found/);
    });
  });

  describe('no interpreter', () => {
    it('missing script', async () => {
      const script = path.join(tmp, 'nope.sh');
      await assert.rejects(resolveInvocation({ script, args: [], env }), { message: `script not found: ${script}` });
    });

    it('a directory is not a script', async () => {
      await assert.rejects(resolveInvocation({ script: bin, args: [], env }), /^InterpreterError: not a file/);
    });

    it('an executable without shebang or known extension runs directly', async () => {
      const script = write('tool.bin', '\x7fELF', 0o755);
      const inv = await resolveInvocation({ script, args: ['a', 'b'], env });
      assert.deepEqual([inv.command, inv.args, inv.interpreter], [script, ['a', 'b'], 'exec']);
    });

    it('a non-executable one is an error that says what to do', async () => {
      const script = write('notes.txt', 'hello\n');
      await assert.rejects(resolveInvocation({ script, args: [], env }), {
        message: `no interpreter for ${script}: add a shebang or set stepflow.interpreters`,
      });
    });
  });

  describe('unbuffering environment', () => {
    it('Python variables are set for every run, but a user value wins', async () => {
      const inv = await resolveInvocation({ script: write('a.sh', ''), args: [], env: { ...env, PYTHONIOENCODING: 'latin-1' } });
      assert.equal(inv.env['PYTHONUNBUFFERED'], '1');
      assert.equal(inv.env['PYTHONIOENCODING'], undefined);
      assert.equal(inv.env['PERL5OPT'], undefined);
      assert.equal(inv.env['RUBYOPT'], undefined);
    });

    it('Perl: PERL5LIB + PERL5OPT load an autoflush module, extending existing values', async () => {
      const inv = await resolveInvocation({ script: write('a.pl', ''), args: [], env: { ...env, PERL5LIB: '/mine', PERL5OPT: '-w' } });
      const dir = inv.env['PERL5LIB']!.split(path.delimiter)[0]!;
      assert.equal(inv.env['PERL5LIB'], `${dir}${path.delimiter}/mine`);
      assert.equal(inv.env['PERL5OPT'], '-w -MStepFlowAutoflush');
      assert.equal(fs.readFileSync(path.join(dir, 'StepFlowAutoflush.pm'), 'utf8'), SHIMS.perl.text);
      assert.match(SHIMS.perl.text, /select\(STDOUT\); \$\| = 1/);
    });

    // Ruby is not installed on these machines, so this checks what would be handed to
    // it; runner.process.test.ts runs a real ruby when one is on PATH.
    it('Ruby: RUBYOPT requires a file that syncs $stdout and $stderr', async () => {
      const inv = await resolveInvocation({ script: write('a.rb', ''), args: [], env: { ...env, RUBYOPT: '-W0' } });
      const m = /^-W0 -r(\/.+\/stepflow_sync\.rb)$/.exec(inv.env['RUBYOPT']!);
      assert.ok(m, inv.env['RUBYOPT']);
      const text = fs.readFileSync(m[1]!, 'utf8');
      assert.equal(text, SHIMS.ruby.text);
      assert.match(text, /^\$stdout\.sync = true$/m);
      assert.match(text, /^\$stderr\.sync = true$/m);
    });

    it('shims live in a private directory and are rewritten when altered', async () => {
      const file = await ensureShim('perl');
      const dir = path.dirname(file);
      assert.equal(path.basename(dir), `stepflow-shims-${process.getuid!()}`);
      assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
      fs.writeFileSync(file, 'die;\n');
      assert.equal(await ensureShim('perl'), file);
      assert.equal(fs.readFileSync(file, 'utf8'), SHIMS.perl.text);
      assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes('.pm.')), [], 'no temp files left behind');
    });
  });
});
