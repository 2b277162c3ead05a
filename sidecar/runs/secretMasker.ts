// The secrets of one run and their replacement by *** (docs/spec.md §1 "Secret masking").
// Pure: no I/O. A secret is matched as bytes in output lines and as text in marker fields.
//
// Decisions:
// - A value with line breaks is registered line by line (output is stored and searched by
//   lines; a secret spanning lines would never match one), each line trimmed.
// - Empty values and values made only of '*' are ignored: the latter is what an earlier
//   secret looks like after StepFlow overwrote it in the spool file (outputMasking.ts), and
//   masking runs of asterisks would garble every masked line.
// - Longer secrets are replaced first, so a secret containing another is masked whole.
export const MASK = '***';
const MASK_BYTES = Buffer.from(MASK);

export class SecretMasker {
  private secrets: Array<{ text: string; bytes: Buffer }> = [];

  /** Registers a secret; true when it adds something not masked before. */
  add(value: string): boolean {
    let added = false;
    for (const part of value.split(/\r?\n|\r/)) {
      const text = part.trim();
      if (text === '' || /^\*+$/.test(text) || this.secrets.some((s) => s.text === text)) continue;
      this.secrets.push({ text, bytes: Buffer.from(text) });
      added = true;
    }
    if (added) this.secrets.sort((a, b) => b.bytes.length - a.bytes.length);
    return added;
  }

  get isEmpty(): boolean {
    return this.secrets.length === 0;
  }

  /** Byte length of the longest secret (0 when none). */
  get longestBytes(): number {
    return this.secrets[0]?.bytes.length ?? 0;
  }

  /** The secrets as bytes, longest first. */
  get byteValues(): readonly Buffer[] {
    return this.secrets.map((s) => s.bytes);
  }

  maskText(text: string): string {
    let out = text;
    for (const { text: secret } of this.secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  }

  /** The bytes with every secret replaced, or null when none occurs (the caller keeps its buffer). */
  maskBytes(bytes: Buffer): Buffer | null {
    let out: Buffer | null = null;
    for (const { bytes: secret } of this.secrets) {
      const source: Buffer = out ?? bytes;
      let at = source.indexOf(secret);
      if (at < 0) continue;
      const parts: Buffer[] = [];
      let from = 0;
      while (at >= 0) {
        parts.push(source.subarray(from, at), MASK_BYTES);
        from = at + secret.length;
        at = source.indexOf(secret, from);
      }
      parts.push(source.subarray(from));
      out = Buffer.concat(parts);
    }
    return out;
  }
}
