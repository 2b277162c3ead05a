import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ArtifactRecord } from '../../sidecar/protocol/model';
import { basename } from '../runView';
import { base } from './theme';
import './sf-icon';

/** The service's words for an artifact it does not serve (sidecar/server/artifactAccess.ts). */
const OUTSIDE_TEXT = "outside the run's folder";

/** A run's artifacts; `open` (detail: index) opens one in VS Code or downloads it in the browser. */
@customElement('sf-artifacts')
export class SfArtifacts extends LitElement {
  static override styles = [
    base,
    css`
      :host { display: block; }
      ul { list-style: none; margin: 0; padding: 0; }
      li { display: grid; grid-template-columns: 20px 1fr auto; gap: 2px 8px; align-items: center; padding: 6px 8px; border-bottom: 1px solid var(--vscode-panel-border, rgba(128, 128, 128, 0.15)); }
      li:hover { background: var(--vscode-list-hoverBackground, #2a2d2e); }
      .name { font-weight: 600; }
      .path { grid-column: 2; font-size: 12px; overflow-wrap: anywhere; }
      .empty { padding: 12px 0; }
      .refused { font-size: 12px; display: inline-flex; align-items: center; gap: 4px; }
    `,
  ];

  @property({ attribute: false }) artifacts: ArtifactRecord[] = [];
  /** Bumped when live events changed the run: they push into the same array, which Lit would not notice. */
  @property() action: 'open' | 'download' = 'open';

  override render() {
    if (this.artifacts.length === 0) return html`<div class="empty muted">This run recorded no artifacts (<span class="mono">ARTIFACT:path[:description]</span>).</div>`;
    return html`<ul aria-label="Artifacts">
      ${this.artifacts.map(
        (a, index) => html`<li>
          <sf-icon name="file"></sf-icon>
          <span class="ellipsis"><span class="name">${a.description ?? basename(a.path)}</span>${a.step ? html` <span class="muted">· ${a.step}</span>` : nothing}</span>
          ${this.action === 'download' && a.outsideRun
            ? // The service refuses these (403): a note instead of a link that would fail.
              html`<span class="refused muted" data-artifact-refused=${index} title="Only files inside the run's folder, or under &quot;artifacts&quot;: {&quot;roots&quot;} in stepflow.json, are served; open it in VS Code">
                <sf-icon name="circle-slash"></sf-icon>${OUTSIDE_TEXT} — not downloadable
              </span>`
            : html`<button class="secondary" data-artifact=${index} @click=${() => this.dispatchEvent(new CustomEvent<number>('open', { detail: index }))}>
                <sf-icon name=${this.action === 'open' ? 'go-to-file' : 'cloud-download'}></sf-icon>${this.action === 'open' ? 'Open' : 'Download'}
              </button>`}
          <span class="path muted mono">${a.path}</span>
        </li>`,
      )}
    </ul>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sf-artifacts': SfArtifacts;
  }
}
