// The source has no import cycles (type-only imports included): a cycle makes the load order
// decide what is undefined at start-up (the protocol's estimator, protocol/progress.ts, and
// the statistics in stats/ that import the protocol are the easy place for one). Reads the
// import statements of every .ts file under sidecar/, extension/ and webview/ and looks for
// strongly connected components. And the parts keep their boundary (docs/architecture.md
// "Parts and boundaries"): extension/ and webview/ take from sidecar/ only sidecar/protocol/.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Relative imports and re-exports of each file, resolved to files. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const statement = /^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/gm;
  for (const file of ['sidecar', 'extension', 'webview'].flatMap((d) => sources(path.join(ROOT, d)))) {
    const deps: string[] = [];
    for (const [, spec] of fs.readFileSync(file, 'utf8').matchAll(statement)) {
      const target = path.resolve(path.dirname(file), spec!);
      const found = [`${target}.ts`, path.join(target, 'index.ts')].find((c) => fs.existsSync(c));
      if (found) deps.push(path.relative(ROOT, found));
    }
    graph.set(path.relative(ROOT, file), deps);
  }
  return graph;
}

/** Tarjan's strongly connected components with more than one file (or a file importing itself). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('imports: no cycles', () => {
  it('no file reaches itself through its imports', () => {
    const graph = importGraph();
    assert.ok(graph.size > 100, `read the sources (${graph.size} files)`);
    assert.deepEqual(cycles(graph), []);
  });

  it('finds a cycle when there is one (the check itself works)', () => {
    const graph = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
    assert.deepEqual(cycles(graph), [['a.ts', 'b.ts', 'c.ts']]);
  });

  it('the extension and the webview take nothing from the sidecar but its protocol', () => {
    const graph = importGraph();
    const crossing = [...graph]
      .filter(([file]) => file.startsWith('extension/') || file.startsWith('webview/'))
      .flatMap(([file, deps]) => deps.filter((d) => d.startsWith('sidecar/') && !d.startsWith('sidecar/protocol/')).map((d) => `${file} → ${d}`));
    assert.deepEqual(crossing, []);
  });

  it('the protocol imports nothing from the statistics that import it back', () => {
    const graph = importGraph();
    const fromProtocol = [...graph].filter(([file]) => file.startsWith('sidecar/protocol/')).flatMap(([, deps]) => deps);
    assert.ok(!fromProtocol.includes('sidecar/stats/eta.ts'), 'the estimator is protocol/progress.ts');
  });
});
