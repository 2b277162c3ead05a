// What a person gets who opens the dashboard without its link (a bookmark of `/`, a URL
// typed by hand, an old link with another token): a page that says how to get the right
// link, instead of a 401 JSON document. Only for requests that accept HTML — API clients
// keep the JSON error. Nothing from the request is echoed into it; a strict CSP (a nonce
// for its one style element) like the dashboard's own page (page.ts).
import { randomBytes } from 'node:crypto';

export type UnauthorizedReason = 'missing' | 'wrong';

/** Whether the client reads HTML (a browser navigating), judged by its Accept header. */
export function acceptsHtml(accept: string | undefined): boolean {
  return /(^|,)\s*text\/html\s*(;|,|$)/i.test(accept ?? '');
}

export function unauthorizedPage(reason: UnauthorizedReason, baseUrl: string): { html: string; csp: string } {
  const nonce = randomBytes(16).toString('base64');
  const why =
    reason === 'wrong'
      ? 'The token in this link is not the one this service uses (it may come from another StepFlow home or an old token file).'
      : 'The dashboard opens only through the link that carries its token, so that other web pages cannot use it.';
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>StepFlow — open the dashboard with its link</title>
<style nonce="${nonce}">
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Ubuntu, sans-serif; max-width: 44em; margin: 4em auto; padding: 0 1em; color: #1f1f1f; background: #fff; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; background: rgba(128,128,128,.15); padding: 0 .25em; border-radius: 3px; }
@media (prefers-color-scheme: dark) { body { color: #ccc; background: #1f1f1f; } }
</style>
</head>
<body>
<h1>Open the StepFlow dashboard with its link</h1>
<p>${why}</p>
<ol>
<li>In a terminal, run <code>stepflow serve</code> (or look at the one already running).</li>
<li>Open the <code>StepFlow dashboard:</code> URL it prints — <code>${baseUrl}/?token=…</code>. The token then moves into a cookie, and this address works without it.</li>
</ol>
<p>The token is kept in <code>$STEPFLOW_HOME/token</code> (by default <code>~/.stepflow/token</code>); <code>${baseUrl}/?token=&lt;that token&gt;</code> works too.</p>
</body>
</html>
`;
  return { html, csp: `default-src 'none'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'` };
}
