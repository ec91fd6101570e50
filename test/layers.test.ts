import * as fs from 'fs';
import * as path from 'path';

/*
 * The layout shows the flow: declare (values, declaration) -> resolve -> one runtime-neutral model -> a target per
 * runtime -> synth (the writer), with the app on top. TypeScript allows any import, so this test is what keeps the
 * layers: each folder imports only from the layers below it (type-only imports count: they are still structure),
 * there is no import cycle, and no source file grows past a readable size.
 */

const LIB = path.join(__dirname, '..', 'lib');

/** The folders of lib/, and what each may import besides itself and the generated imports/. */
const MAY_IMPORT: Record<string, string[]> = {
  internal: [],
  values: ['internal'],
  model: ['internal', 'values'],
  declaration: ['internal', 'values', 'model'],
  targets: ['internal', 'values', 'model'],
  resolve: ['internal', 'values', 'model', 'declaration', 'targets'],
  synth: ['internal'],
  app: ['internal', 'values', 'model', 'declaration', 'targets', 'resolve', 'synth'],
  // lib/index.ts: the public API, re-exported from any layer
  api: ['internal', 'values', 'model', 'declaration', 'targets', 'resolve', 'synth', 'app'],
};

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const layerOf = (file: string) => {
  const rel = path.relative(LIB, file);
  return rel === 'index.ts' ? 'api' : rel.split(path.sep)[0];
};

/** Every relative import of a file (import, export ... from, import type, require), resolved to a file. */
function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s+|\brequire\()\s*'(\.{1,2}\/[^']+)'/g)) {
    const base = path.resolve(path.dirname(file), m[1]);
    const found = [`${base}.ts`, path.join(base, 'index.ts'), base].find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
    if (found) out.push(found);
  }
  return out;
}

const FILES = sources(LIB);
const GRAPH = new Map(FILES.map((f) => [f, imports(f)]));

describe('the layers of lib/', () => {
  test('every file is in a known layer', () => {
    expect(FILES.map((f) => [path.relative(LIB, f), layerOf(f)]).filter(([, l]) => !(l in MAY_IMPORT))).toEqual([]);
  });

  test('each layer imports only from itself, the layers below it and the generated imports/', () => {
    const wrong: string[] = [];
    for (const [file, deps] of GRAPH) {
      const from = layerOf(file);
      for (const d of deps) {
        if (!d.startsWith(LIB + path.sep)) continue; // imports/ (generated)
        const to = layerOf(d);
        if (to !== from && !MAY_IMPORT[from].includes(to)) wrong.push(`${path.relative(LIB, file)} (${from}) imports ${path.relative(LIB, d)} (${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  test('no import cycle, type-only imports included', () => {
    // Tarjan's strongly connected components: a component of more than one file is a cycle
    let index = 0;
    const stack: string[] = [];
    const on = new Set<string>();
    const idx = new Map<string, number>();
    const low = new Map<string, number>();
    const cycles: string[][] = [];
    const visit = (v: string) => {
      idx.set(v, index);
      low.set(v, index++);
      stack.push(v);
      on.add(v);
      for (const w of GRAPH.get(v) ?? []) {
        if (!GRAPH.has(w)) continue;
        if (!idx.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
      if (low.get(v) === idx.get(v)) {
        const c: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          on.delete(w);
          c.push(path.relative(LIB, w));
        } while (w !== v);
        if (c.length > 1 || (GRAPH.get(v) ?? []).includes(v)) cycles.push(c.sort());
      }
    };
    for (const f of FILES) if (!idx.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  test('no source file is over 400 lines', () => {
    const long = FILES.map((f) => [path.relative(LIB, f), fs.readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 400);
    expect(long).toEqual([]);
  });
});
