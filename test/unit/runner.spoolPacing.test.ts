// The spool reader's pacing (sidecar/runner/spool.ts, COALESCE_MS): a writer that writes one
// line per write(2) is read in batches, not once per line, byte for byte; and a reader that
// paused its watchers for a dense stream still hears a later write after a quiet spell, also
// after the file was renamed away (as the store does when a run spills to <rid>.out).
// Real child processes and files; the child waits on a gate file, never on a sleep.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Spool } from '../../sidecar/runner/spool';
import { pollUntil } from '../support/poll';
import { tempFolderPerTest } from '../support/tempFolder';

let dir: string;
tempFolderPerTest('stepflow-spool-pacing-', { beforeTest: (folder) => (dir = folder) });

const LINES = 20_000;
const lineText = (i: number): string => `line ${i} ${'x'.repeat(i % 37)}\n`;

// One fs.writeSync per line, each after ~10 µs of work (a writer slower than the reader, as
// a script formatting its lines is: unpaced, the reader took nearly every line on its own),
// then, after the gate opens, one more line.
const WRITER = `
const fs = require('node:fs');
const [lines, gate] = [Number(process.argv[1]), process.argv[2]];
const work = () => { const t = process.hrtime.bigint(); while (process.hrtime.bigint() - t < 10000n); };
for (let i = 0; i < lines; i++) { work(); fs.writeSync(1, 'line ' + i + ' ' + 'x'.repeat(i % 37) + '\\n'); }
while (!fs.existsSync(gate)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
fs.writeSync(1, 'after the gate\\n');
`;

describe('spool: paced reading of a line-at-a-time writer', () => {
  it('delivers every byte in whole lines, in far fewer chunks than writes, and hears a write after a quiet spell and a rename', async () => {
    const chunks: Buffer[] = [];
    const spool = new Spool((_stream, chunk) => chunks.push(chunk), dir, { merged: true });
    const gate = path.join(dir, 'gate');
    const [fd] = spool.childFds;
    const child = spawn(process.execPath, ['-e', WRITER, String(LINES), gate], { stdio: ['ignore', fd, fd] });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    spool.follow();
    try {
      const expected = Array.from({ length: LINES }, (_, i) => lineText(i)).join('');
      const received = (): number => chunks.reduce((n, c) => n + c.length, 0);
      await pollUntil(() => received() >= Buffer.byteLength(expected), 'the first lines', { timeoutMs: 20_000 });
      assert.equal(Buffer.concat(chunks).toString(), expected);
      for (const chunk of chunks) assert.equal(chunk[chunk.length - 1], 10, 'a chunk ends at a line end');
      // One write per line; the pacing reads at most once per interval while they come.
      assert.ok(chunks.length < LINES / 10, `${chunks.length} chunks for ${LINES} one-line writes`);
      // The store renames a spilled spool file; the paused watchers must come back on it.
      fs.renameSync(spool.paths.stdout, path.join(dir, 'renamed.out'));
      const before = chunks.length;
      fs.writeFileSync(gate, '');
      await pollUntil(() => chunks.length > before, 'the line written after the gate', { timeoutMs: 20_000 });
      assert.equal(Buffer.concat(chunks.slice(before)).toString(), 'after the gate\n');
      await exited;
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); // a failed assertion must not leave it waiting for the gate
      spool.close();
    }
  });
});

// Blocks of every size, from a line to more than the 256 KiB read buffer, and a line longer
// than the buffer: each of several spools read at once must get exactly its own writer's bytes.
const BLOCKS = `
const fs = require('node:fs');
const tag = process.argv[1];
const sizes = [1, 80, 4096, 70000, 140000, 300000];
let out = '';
for (let round = 0; round < 6; round++) {
  for (const size of sizes) {
    const line = (tag + ' ' + round + ' ' + size + ' ').padEnd(Math.max(size, 12), tag) + '\\n';
    out += line;
    fs.writeSync(1, line);
  }
}
fs.writeFileSync(process.argv[2], out);
`;

describe('spool: several at once', () => {
  it('gives every spool exactly its own bytes, though they share one read buffer', async () => {
    const tags = ['a', 'b', 'c', 'd'];
    const spools = tags.map((tag) => {
      const chunks: Buffer[] = [];
      const spool = new Spool((_stream, chunk) => chunks.push(chunk), dir, { merged: true });
      const [fd] = spool.childFds;
      const expectedFile = path.join(dir, `expected-${tag}`);
      const child = spawn(process.execPath, ['-e', BLOCKS, tag, expectedFile], { stdio: ['ignore', fd, fd] });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      spool.follow();
      return { tag, spool, chunks, exited, expectedFile };
    });
    try {
      await Promise.all(spools.map((s) => s.exited));
      for (const s of spools) {
        const expected = fs.readFileSync(s.expectedFile);
        await pollUntil(() => s.chunks.reduce((n, c) => n + c.length, 0) >= expected.length, `spool ${s.tag}'s bytes`, { timeoutMs: 20_000 });
        assert.ok(Buffer.concat(s.chunks).equals(expected), `spool ${s.tag} got its own bytes`);
      }
    } finally {
      for (const s of spools) s.spool.close();
    }
  });
});
