// Inline CSS properties set through the CSSOM (element.style.setProperty), never through a
// `style` attribute: a strict CSP without 'unsafe-inline' blocks style attributes, and Lit's
// own styleMap writes one on its first render. Used in element position:
//   html`<div ${cssProps({ top: '10px' })}></div>`
import { noChange } from 'lit';
import { Directive, PartType, directive, type ElementPart, type PartInfo } from 'lit/directive.js';

export type CssProps = Record<string, string | null | undefined>;

class CssPropsDirective extends Directive {
  private previous = new Set<string>();

  constructor(info: PartInfo) {
    super(info);
    if (info.type !== PartType.ELEMENT) throw new Error('cssProps() belongs in element position: <div ${cssProps(…)}>');
  }

  render(_props: CssProps): typeof noChange {
    return noChange;
  }

  override update(part: ElementPart, [props]: [CssProps]): typeof noChange {
    const style = (part.element as HTMLElement).style;
    const next = new Set<string>();
    for (const [name, value] of Object.entries(props)) {
      if (value === null || value === undefined) continue;
      next.add(name);
      if (style.getPropertyValue(name) !== value) style.setProperty(name, value);
    }
    for (const name of this.previous) if (!next.has(name)) style.removeProperty(name);
    this.previous = next;
    return noChange;
  }
}

export const cssProps = directive(CssPropsDirective);
