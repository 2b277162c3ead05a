// Text with search matches marked — as Lit text parts inside <mark>, never as HTML.
import { html, type TemplateResult } from 'lit';
import { cssProps } from './cssProps';
import type { Segment } from '../ansi';

/** ASCII-only lower-casing keeps indexes aligned with the original (as the store's search does). */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

export function marked(text: string, needle: string): Array<string | TemplateResult> {
  if (!needle) return [text];
  const hay = asciiLower(text);
  const n = asciiLower(needle);
  const out: Array<string | TemplateResult> = [];
  let from = 0;
  for (let at = hay.indexOf(n); at >= 0; at = hay.indexOf(n, at + n.length)) {
    if (at > from) out.push(text.slice(from, at));
    out.push(html`<mark>${text.slice(at, at + n.length)}</mark>`);
    from = at + n.length;
  }
  if (from < text.length) out.push(text.slice(from));
  return out;
}

/** ANSI segments as spans (classes / CSSOM colours), with matches of `needle` marked. */
export function segmentsTemplate(segments: Segment[], needle: string): TemplateResult[] {
  return segments.map((s) => {
    if (s.color || s.background) {
      return html`<span class=${s.classes} ${cssProps({ color: s.color, background: s.background })}>${marked(s.text, needle)}</span>`;
    }
    return s.classes ? html`<span class=${s.classes}>${marked(s.text, needle)}</span>` : html`${marked(s.text, needle)}`;
  });
}
