// ANSI SGR colours of a log line as styled segments, rendered by Lit as text — never as
// HTML. Each line is parsed on its own (state does not carry over lines: the viewer shows
// any line without reading the ones before it). Other escape sequences and control
// characters are dropped; a carriage return keeps what a terminal would show last.

export interface Segment {
  text: string;
  /** Space-separated classes: f0–f15 / b0–b15 (theme colours), bold, dim, italic, underline, strike. */
  classes: string;
  /** Explicit colours (256-colour and true-colour codes). */
  color: string | null;
  background: string | null;
}

// CSI … final, OSC/DCS/SOS/PM/APC strings, two-byte escapes, then C0 controls except TAB/ESC.
const ESCAPE = /\x1b(?:\[([0-?]*)[ -/]*([@-~])|[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -/]*[0-~]?)/g;
const CONTROL = /[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]/g;

interface State {
  fg: number | string | null;
  bg: number | string | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  strike: boolean;
  inverse: boolean;
}

const plain = (): State => ({ fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, strike: false, inverse: false });

export function parseAnsi(input: string): Segment[] {
  let line = input;
  const cr = line.lastIndexOf('\r', line.length - 2);
  if (cr >= 0) line = line.slice(cr + 1); // "50%\r100%" shows as a terminal would: the last write
  if (line.endsWith('\r')) line = line.slice(0, -1);
  if (!line.includes('\x1b')) {
    const text = line.replace(CONTROL, '');
    return text ? [{ text, classes: '', color: null, background: null }] : [];
  }
  const out: Segment[] = [];
  let state = plain();
  let last = 0;
  const push = (text: string) => {
    const clean = text.replace(CONTROL, '');
    if (clean) out.push(segment(clean, state));
  };
  ESCAPE.lastIndex = 0;
  for (let m = ESCAPE.exec(line); m; m = ESCAPE.exec(line)) {
    push(line.slice(last, m.index));
    last = ESCAPE.lastIndex;
    if (m[2] === 'm') state = applySgr(state, m[1] ?? '');
    if (m[0].length === 0) ESCAPE.lastIndex++; // cannot happen (ESC is consumed), but never loop
  }
  push(line.slice(last));
  return out;
}

function segment(text: string, s: State): Segment {
  let fg = s.fg;
  let bg = s.bg;
  if (s.inverse) [fg, bg] = [bg ?? 'inverse-fg', fg ?? 'inverse-bg'];
  const classes: string[] = [];
  let color: string | null = null;
  let background: string | null = null;
  if (typeof fg === 'number') classes.push(`f${s.bold && fg < 8 ? fg + 8 : fg}`);
  else if (fg === 'inverse-fg') classes.push('fi');
  else if (fg) color = fg;
  if (typeof bg === 'number') classes.push(`b${bg}`);
  else if (bg === 'inverse-bg') classes.push('bi');
  else if (bg) background = bg;
  if (s.bold) classes.push('bold');
  if (s.dim) classes.push('dim');
  if (s.italic) classes.push('italic');
  if (s.underline) classes.push('underline');
  if (s.strike) classes.push('strike');
  return { text, classes: classes.join(' '), color, background };
}

function applySgr(prev: State, params: string): State {
  const s = { ...prev };
  if (/[^0-9;:]/.test(params)) return s; // private sequences (e.g. "?25") are not SGR
  const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c === 0) Object.assign(s, plain());
    else if (c === 1) s.bold = true;
    else if (c === 2) s.dim = true;
    else if (c === 3) s.italic = true;
    else if (c === 4) s.underline = true;
    else if (c === 7) s.inverse = true;
    else if (c === 9) s.strike = true;
    else if (c === 22) s.bold = s.dim = false;
    else if (c === 23) s.italic = false;
    else if (c === 24) s.underline = false;
    else if (c === 27) s.inverse = false;
    else if (c === 29) s.strike = false;
    else if (c >= 30 && c <= 37) s.fg = c - 30;
    else if (c === 39) s.fg = null;
    else if (c >= 40 && c <= 47) s.bg = c - 40;
    else if (c === 49) s.bg = null;
    else if (c >= 90 && c <= 97) s.fg = c - 90 + 8;
    else if (c >= 100 && c <= 107) s.bg = c - 100 + 8;
    else if (c === 38 || c === 48) {
      const [value, used] = extendedColour(codes, i + 1);
      i += used;
      if (value !== undefined) {
        if (c === 38) s.fg = value;
        else s.bg = value;
      }
    }
  }
  return s;
}

/** `5;n` (256 colours) or `2;r;g;b`; returns the colour and how many codes it used. */
function extendedColour(codes: number[], at: number): [number | string | undefined, number] {
  const mode = codes[at];
  if (mode === 5) {
    const n = codes[at + 1];
    if (n === undefined || n < 0 || n > 255) return [undefined, 2];
    return [n < 16 ? n : xterm256(n), 2];
  }
  if (mode === 2) {
    const rgb = codes.slice(at + 1, at + 4);
    if (rgb.length < 3 || rgb.some((v) => !(v >= 0 && v <= 255))) return [undefined, 4];
    return [`rgb(${rgb.join(', ')})`, 4];
  }
  return [undefined, 0];
}

function xterm256(n: number): string {
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v}, ${v}, ${v})`;
  }
  const i = n - 16;
  const level = (x: number) => (x === 0 ? 0 : 55 + x * 40);
  return `rgb(${level(Math.floor(i / 36))}, ${level(Math.floor(i / 6) % 6)}, ${level(i % 6)})`;
}

/** The text without any escape sequence (for copying). */
export function stripAnsi(line: string): string {
  return parseAnsi(line)
    .map((s) => s.text)
    .join('');
}
