// The history webview (dist/webview.js) in Chromium on a made-up origin, with a fake data
// source instead of a host: the page's HTML and the fake's script come from the test. Every
// request to the origin is answered from memory (no server, no network). Collects page
// errors and console errors into `problems`, which a test asserts empty.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { launchChromium } from '../vscode/codeServer.mjs';

export const ORIGIN = 'http://stepflow.test';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * A fake written in TypeScript (typed against StepflowDataSource), bundled into the page's
 * /fake.js: an ES module that loads /webview.js — the built dist bundle — by URL.
 */
export async function bundleFake(file) {
  const result = await build({
    entryPoints: [path.join(root, 'test', 'ui', file)],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

/** Opens `html` (which loads /fake.js and /webview.js) at ORIGIN/; resolves to { browser, page, problems }. */
export async function openFakeHostPage({ html, fake, viewport = { width: 1280, height: 800 } }) {
  const dist = (name) => fs.readFileSync(path.join(root, 'dist', name));
  const files = {
    '/': ['text/html', html],
    '/fake.js': ['text/javascript', fake],
    '/webview.js': ['text/javascript', dist('webview.js')],
    '/codicon.css': ['text/css', dist('codicon.css')],
    '/codicon.ttf': ['font/ttf', dist('codicon.ttf')],
  };
  const problems = [];
  const browser = await launchChromium({ viewport });
  const page = browser.page;
  await page.route(`${ORIGIN}/**`, (route) => {
    const file = files[new URL(route.request().url()).pathname];
    if (!file) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ status: 200, contentType: file[0], body: file[1] });
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  await page.goto(`${ORIGIN}/`);
  return { browser, page, problems };
}
