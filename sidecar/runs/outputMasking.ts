// Secret masking of a run's output and markers before anything is stored, sent or shown
// (docs/spec.md §1 "Secret masking"). RunSession passes every parsed batch through
// `maskBatch` right after the parser: the secrets a batch registers (::add-mask::, Azure's
// issecret, MASK:) apply from their own line on — that line included — and the marker
// events are masked field by field. Lines are whole when they get here, so a secret written
// in several pieces is masked like one written at once.
//
// The spool: the script writes its output into a file itself (runner/spool.ts), so its
// bytes are on disk before we read them. `SpoolScrubber` overwrites every secret it finds
// there with '*' of the same length (offsets stay valid) as soon as a chunk is read; the
// store never points into spool bytes of a batch that masking changed.
import * as fs from 'node:fs';
import type { ParsedBatch, ParsedMarker } from '../markers/outputParser';
import type { MarkerEvent } from '../protocol/markers';
import type { StreamName } from '../protocol/model';
import type { SecretMasker } from './secretMasker';

export interface MaskedBatch {
  batch: ParsedBatch;
  /** The bytes differ from what the script wrote (the store must keep its own copy). */
  changed: boolean;
}

/** Registers the batch's secrets in order and masks its lines and markers; mask markers are dropped. */
export function maskBatch(batch: ParsedBatch, masker: SecretMasker): MaskedBatch {
  const hasMask = batch.markers.some((m) => m.event.kind === 'mask');
  if (!hasMask && masker.isEmpty) return { batch, changed: false };
  const parts: Buffer[] = [];
  const markers: ParsedMarker[] = [];
  let changed = false;
  let offset = 0; // byte offset of line `line` in batch.bytes
  let line = 0;
  const maskUpTo = (endLine: number) => {
    const end = lineOffset(batch.bytes, offset, endLine - line);
    const segment = batch.bytes.subarray(offset, end);
    const masked = masker.isEmpty ? null : masker.maskBytes(segment);
    if (masked) changed = true;
    parts.push(masked ?? segment);
    offset = end;
    line = endLine;
  };
  for (const marker of batch.markers) {
    if (marker.event.kind === 'mask') {
      // The secret applies from its own line on: what came before is masked with the old set.
      maskUpTo(marker.index);
      masker.add(marker.event.value);
      continue;
    }
    markers.push(masker.isEmpty ? marker : { index: marker.index, event: maskEvent(marker.event, masker) });
  }
  maskUpTo(batch.lineCount);
  const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  return { batch: { bytes, lineCount: batch.lineCount, markers }, changed };
}

/** Every text field of a marker event, masked. */
export function maskEvent(event: MarkerEvent, masker: SecretMasker): MarkerEvent {
  const masked: Record<string, unknown> = { ...event };
  for (const [key, value] of Object.entries(event)) {
    if (key !== 'kind' && typeof value === 'string') masked[key] = masker.maskText(value);
  }
  if ('location' in event && event.location) masked.location = { ...event.location, file: masker.maskText(event.location.file) };
  return masked as MarkerEvent;
}

/** Offset just past the `lines`-th newline at or after `from` (the batch's end when fewer). */
function lineOffset(bytes: Buffer, from: number, lines: number): number {
  let at = from;
  for (let i = 0; i < lines; i++) {
    const nl = bytes.indexOf(10, at);
    if (nl < 0) return bytes.length;
    at = nl + 1;
  }
  return at;
}

/**
 * Overwrites secrets in the spool files the script writes (same length, '*'). It keeps the
 * last bytes of each stream's previous chunk, so a secret cut between two reads (a line
 * longer than a read) is found too.
 */
export class SpoolScrubber {
  private readonly fds = new Map<StreamName, number>();
  private readonly tails: Record<StreamName, { bytes: Buffer; offset: number }> = {
    stdout: { bytes: Buffer.alloc(0), offset: 0 },
    stderr: { bytes: Buffer.alloc(0), offset: 0 },
  };

  /** Opens the files for writing now: later the store may rename them (we keep the inode). */
  constructor(files: Readonly<Record<StreamName, string>>) {
    const opened = new Map<string, number>();
    for (const stream of ['stdout', 'stderr'] as const) {
      const file = files[stream];
      try {
        const fd = opened.get(file) ?? fs.openSync(file, 'r+');
        opened.set(file, fd);
        this.fds.set(stream, fd);
      } catch {
        // Nothing to scrub in a file we cannot open (it is gone, or not ours).
      }
    }
  }

  /** `chunk` was read from `stream`'s file at `offset`. */
  scrub(stream: StreamName, chunk: Buffer, offset: number, masker: SecretMasker): void {
    const fd = this.fds.get(stream);
    if (fd === undefined || masker.isEmpty) return;
    const tail = this.tails[stream];
    const joined = tail.bytes.length > 0 && tail.offset + tail.bytes.length === offset ? Buffer.concat([tail.bytes, chunk]) : chunk;
    const base = joined === chunk ? offset : tail.offset;
    for (const secret of masker.byteValues) {
      for (let at = joined.indexOf(secret); at >= 0; at = joined.indexOf(secret, at + secret.length)) {
        try {
          fs.writeSync(fd, Buffer.alloc(secret.length, 0x2a), 0, secret.length, base + at);
        } catch {
          return; // the file is gone: nothing left to scrub
        }
      }
    }
    const keep = Math.min(joined.length, Math.max(0, masker.longestBytes - 1));
    this.tails[stream] = { bytes: Buffer.from(joined.subarray(joined.length - keep)), offset: base + joined.length - keep };
  }

  close(): void {
    for (const fd of new Set(this.fds.values())) {
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
    }
    this.fds.clear();
  }
}
