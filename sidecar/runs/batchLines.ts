// Lines inside a parsed batch's bytes.

/** Offset just past the `lines`-th newline at or after `from` (markers are rare, so a scan is fine). */
export function endOfLine(bytes: Buffer, from: number, lines: number): number {
  let offset = from;
  for (let i = 0; i < lines; i++) offset = bytes.indexOf(10, offset) + 1;
  return offset;
}
