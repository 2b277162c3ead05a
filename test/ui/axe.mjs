// axe-core in Chromium: injected into a page or a webview's frame (through the DevTools
// protocol, so the page's strict CSP stays as it is) and run over the document, shadow roots
// included. The UI tests fail on serious or critical violations and print each by rule id
// and node, so a failure says what to fix without opening a report.
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe in `target` (a playwright Page or Frame); resolves to its violations as
 * { id, impact, help, nodes: [{ target, html, summary }] }.
 */
export async function runAxe(target) {
  await target.evaluate(AXE_SOURCE);
  return target.evaluate(async () => {
    // The WCAG A/AA rules and axe's best practices; no nested frames to visit.
    const result = await window.axe.run(document, {
      iframes: false,
      resultTypes: ['violations'],
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.flat().join(' >>> '), html: n.html.slice(0, 200), summary: n.failureSummary })),
    }));
  });
}

/** "color-contrast (serious): Elements must meet … — sf-run-list >>> .row …" one line per node. */
export function describeViolations(violations) {
  const lines = [];
  for (const v of violations) {
    lines.push(`${v.id} (${v.impact}): ${v.help} — ${v.nodes.length} node(s)`);
    for (const n of v.nodes) lines.push(`    ${n.target}\n      ${n.html}\n      ${(n.summary ?? '').replace(/\n/g, '\n      ')}`);
  }
  return lines.join('\n');
}

/** The serious and critical ones: what an audit must not find. */
export function blocking(violations) {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
