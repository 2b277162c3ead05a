// The VSIX allow-list (.vscodeignore) and package.json agree: every file package.json's
// contributions point at is packed, and no allow-list entry names something that no longer
// exists (a `!snippets/**` outliving the snippets would hide that they are gone — and a
// snippets contribution whose folder is not packed breaks the installed extension).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const allowed = fs
  .readFileSync(path.join(root, '.vscodeignore'), 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('!'))
  .map((l) => l.slice(1).trim());

/** Whether the allow-list brings `file` (relative, forward slashes) back into the package. */
function packed(file: string): boolean {
  const clean = file.replace(/^\.\//, '');
  return allowed.some((entry) => entry === clean || (entry.endsWith('/**') && clean.startsWith(entry.slice(0, -2))));
}

describe('packaging: .vscodeignore and package.json', () => {
  it('packs every file the contributions reference', () => {
    const referenced: string[] = [pkg.main];
    const c = pkg.contributes ?? {};
    for (const s of c.snippets ?? []) referenced.push(s.path);
    for (const g of c.grammars ?? []) referenced.push(g.path);
    for (const l of c.languages ?? []) if (l.configuration) referenced.push(l.configuration);
    for (const v of Object.values<Array<{ icon?: unknown }>>(c.viewsContainers ?? {})) for (const x of v) if (typeof x.icon === 'string' && !x.icon.startsWith('$(')) referenced.push(x.icon); // $(name): a codicon, no file
    if (typeof pkg.icon === 'string') referenced.push(pkg.icon);
    for (const file of referenced) assert.ok(packed(file), `${file} is referenced by package.json but not in .vscodeignore's allow-list`);
  });

  it('brings back nothing that is gone (built files under dist/ are made by npm run build)', () => {
    for (const entry of allowed) {
      if (entry.startsWith('dist/') || entry.startsWith('node_modules/')) continue;
      // No LICENSE file yet: `npm run package` passes --skip-license; the entry packs one once it exists.
      if (entry === 'LICENSE') continue;
      const base = entry.replace(/\/\*\*$/, '');
      assert.ok(fs.existsSync(path.join(root, base)), `.vscodeignore keeps ${entry}, which does not exist`);
    }
  });
});
