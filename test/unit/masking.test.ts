// Secret masking (sidecar/runs/secretMasker.ts, outputMasking.ts): what is masked, from
// which line on, in events and bytes, and in the spool file the script wrote.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { OutputParser } from '../../sidecar/markers/outputParser';
import { createDialects } from '../../sidecar/markers/dialects/registry';
import { SecretMasker } from '../../sidecar/runs/secretMasker';
import { SpoolScrubber, maskBatch } from '../../sidecar/runs/outputMasking';

/** Output as a run stores it: every chunk parsed, masked, joined. */
function storedOf(chunks: Buffer[], masker = new SecretMasker()): { text: string; events: unknown[] } {
  const parser = new OutputParser({ dialects: createDialects() });
  const parts: Buffer[] = [];
  const events: unknown[] = [];
  for (const batch of [...chunks.map((c) => parser.push(c)), parser.end()]) {
    const { batch: masked } = maskBatch(batch, masker);
    parts.push(masked.bytes);
    events.push(...masked.markers.map((m) => m.event));
  }
  return { text: Buffer.concat(parts).toString(), events };
}

describe('masking: secrets', () => {
  it('registers values line by line, trimmed, ignoring empty and all-asterisk ones; longest first', () => {
    const m = new SecretMasker();
    assert.equal(m.add('  '), false);
    assert.equal(m.add('****'), false);
    assert.equal(m.add('ab'), true);
    assert.equal(m.add('line one\r\nabcd '), true);
    assert.equal(m.add('ab'), false);
    assert.equal(m.maskText('xabcdx ab line one'), 'x***x *** ***');
    assert.equal(m.maskBytes(Buffer.from('nothing')), null);
    assert.equal(m.maskBytes(Buffer.from('ab-abcd'))!.toString(), '***-***');
  });

  it('masks from the mask line on — that line included — but not the lines before it', () => {
    const { text } = storedOf([Buffer.from('early s3cret\n::add-mask::s3cret\nlate s3cret\n')]);
    assert.equal(text, 'early s3cret\n::add-mask::***\nlate ***\n');
  });

  it('masks marker fields: step names, errors and their files, meta, artifacts', () => {
    const { events } = storedOf([
      Buffer.from('MASK:tok3n\nSTEP_START:deploy tok3n\n::error file=tok3n.ts,line=2::bad tok3n\nMETA:K:tok3n\nARTIFACT:out/tok3n.txt:tok3n\n'),
    ]);
    assert.deepEqual(events, [
      { kind: 'stepStart', name: 'deploy ***' },
      { kind: 'stepError', message: 'bad ***', location: { file: '***.ts', line: 2, column: null }, keepOpen: true },
      { kind: 'meta', key: 'K', value: '***' },
      { kind: 'artifact', path: 'out/***.txt', description: '***' },
    ]);
  });

  it('masks Azure secret variables and MASK: alike, and a secret split across any writes', () => {
    const secret = 'pa55-w0rd';
    const script = `##vso[task.setvariable variable=x;issecret=true]${secret}\n` + `a ${secret} b\nSTEP_START:${secret}\n`.repeat(20);
    fc.assert(
      fc.property(fc.array(fc.nat(script.length), { maxLength: 15 }), (cuts) => {
        const bytes = Buffer.from(script);
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let from = 0;
        for (const cut of [...points, bytes.length]) {
          chunks.push(bytes.subarray(from, cut));
          from = cut;
        }
        const { text, events } = storedOf(chunks);
        assert.ok(!text.includes(secret));
        assert.ok(!JSON.stringify(events).includes(secret));
        assert.equal(text.split('\n').length, script.split('\n').length); // line count kept
      }),
      { numRuns: 200 },
    );
  });

  it('overwrites secrets in the spool file in place, also across two reads', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-scrub-'));
    try {
      const file = path.join(dir, 'output');
      const content = Buffer.from('key=TOPSECRET; again TOPSE');
      const more = Buffer.from('CRET\nTOPSECRET\n');
      fs.writeFileSync(file, Buffer.concat([content, more]));
      const masker = new SecretMasker();
      masker.add('TOPSECRET');
      const scrubber = new SpoolScrubber({ stdout: file, stderr: file });
      scrubber.scrub('stdout', content, 0, masker);
      scrubber.scrub('stdout', more, content.length, masker);
      scrubber.close();
      assert.equal(fs.readFileSync(file, 'utf8'), 'key=*********; again *********\n*********\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
