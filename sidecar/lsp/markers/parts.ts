// Building the parts of a printed string cheaply: most text maps one-to-one onto the source,
// so a part keeps only its first offset and computes the per-character offsets on demand
// (allocating them for every word of a 5,000-line script would dominate the scan's time).
import type { Part } from './types';

class ContiguousText {
  readonly kind = 'text' as const;
  private cache: number[] | null = null;

  constructor(
    readonly text: string,
    private readonly first: number,
    readonly end: number,
  ) {}

  get offsets(): number[] {
    if (!this.cache) {
      this.cache = new Array<number>(this.text.length);
      for (let i = 0; i < this.text.length; i++) this.cache[i] = this.first + i;
    }
    return this.cache;
  }

  shifted(delta: number): ContiguousText {
    return new ContiguousText(this.text, this.first + delta, this.end + delta);
  }

  offsetAt(i: number): number | undefined {
    return i >= 0 && i < this.text.length ? this.first + i : undefined;
  }

  from(i: number): ContiguousText {
    return new ContiguousText(this.text.slice(i), this.first + i, this.end);
  }
}

/** The source offset of character `i` of a text part, without computing all of them. */
export function offsetAt(part: Part & { kind: 'text' }, i: number): number | undefined {
  return part instanceof ContiguousText ? part.offsetAt(i) : part.offsets[i];
}

/** A text part without its first `i` characters. */
export function textFrom(part: Part & { kind: 'text' }, i: number): Part & { kind: 'text' } {
  return part instanceof ContiguousText ? part.from(i) : { kind: 'text', text: part.text.slice(i), offsets: part.offsets.slice(i), end: part.end };
}

/** A part moved by `delta` in the document (an edit before it). */
export function shiftPart(part: Part, delta: number): Part {
  if (part instanceof ContiguousText) return part.shifted(delta);
  if (part.kind === 'dynamic') return { kind: 'dynamic', span: { start: part.span.start + delta, end: part.span.end + delta } };
  return { kind: 'text', text: part.text, offsets: part.offsets.map((o) => o + delta), end: part.end + delta };
}

/** A text part that is exactly the source text at `start` (its offsets computed when read). */
export function contiguousText(text: string, start: number): Part {
  return new ContiguousText(text, start, start + text.length);
}

export class PartsBuilder {
  readonly parts: Part[] = [];
  hasDynamic = false;
  private text = '';
  private offsets: number[] | null = null;
  private start = 0;
  private length = 0;
  private end = 0;

  constructor(private readonly source: string) {}

  /** One printed character `ch` written at source [at, end) (an escape spans more). */
  char(ch: string, at: number, end = at + 1): void {
    if (this.length === 0) this.start = at;
    if (this.offsets === null && (end !== at + 1 || ch.length !== 1 || at !== this.start + this.length)) this.materialize();
    if (this.offsets !== null) {
      this.text += ch;
      for (let i = 0; i < ch.length; i++) this.offsets.push(at);
    }
    this.length += ch.length;
    this.end = end;
  }

  /**
   * The run of ordinary characters that the sticky `plain` pattern matches at `at`, printed
   * as it is (one span instead of a char() per character). Returns where the run ends: `at`
   * itself when there is none.
   */
  plainRun(plain: RegExp, at: number): number {
    plain.lastIndex = at;
    if (!plain.test(this.source)) return at;
    this.span(at, plain.lastIndex);
    return plain.lastIndex;
  }

  /** Source text [start, end) printed as it is. */
  span(start: number, end: number): void {
    if (end <= start) return;
    if (this.length === 0) this.start = start;
    if (this.offsets === null && start !== this.start + this.length) this.materialize();
    if (this.offsets !== null) {
      this.text += this.source.slice(start, end);
      for (let k = start; k < end; k++) this.offsets.push(k);
    }
    this.length += end - start;
    this.end = end;
  }

  private materialize(): void {
    this.text = this.source.slice(this.start, this.start + this.length);
    this.offsets = new Array<number>(this.length);
    for (let k = 0; k < this.length; k++) this.offsets[k] = this.start + k;
  }

  dynamic(start: number, end: number): void {
    this.flush();
    this.parts.push({ kind: 'dynamic', span: { start, end } });
    this.hasDynamic = true;
  }

  flush(): Part[] {
    if (this.length > 0) {
      this.parts.push(
        this.offsets === null
          ? new ContiguousText(this.source.slice(this.start, this.start + this.length), this.start, this.end)
          : { kind: 'text', text: this.text, offsets: this.offsets, end: this.end },
      );
    }
    this.text = '';
    this.offsets = null;
    this.length = 0;
    return this.parts;
  }
}
