import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { CODICONS, type IconName } from './icons';

/** A codicon glyph; `spin` animates it (the running spinner). */
@customElement('sf-icon')
export class SfIcon extends LitElement {
  static override styles = css`
    :host { display: inline-flex; width: 16px; height: 16px; align-items: center; justify-content: center; flex: none; }
    span { font: normal normal normal 16px/1 codicon; -webkit-font-smoothing: antialiased; user-select: none; }
    :host([spin]) span { animation: spin 1.5s steps(30) infinite; }
    @keyframes spin { to { transform: rotate(360deg); } }
  `;

  @property() name: IconName = 'circle-outline';
  @property({ type: Boolean, reflect: true }) spin = false;

  override render() {
    return html`<span aria-hidden="true">${String.fromCodePoint(CODICONS[this.name] ?? CODICONS['circle-outline'])}</span>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sf-icon': SfIcon;
  }
}
