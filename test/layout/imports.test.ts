/**
 * The architecture as a check: the import graph of src, operators, pipelines
 * and cli (and the package's main entry, index.ts) has no cycle, and no
 * import points up the layering cli -> pipelines -> operators -> src.
 * Type-only imports count too: they are dependencies of the design.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import test from 'ava';
import { repoRoot } from '../cli/run.js';

const LAYERS = ['src', 'operators', 'pipelines', 'cli'] as const;
/** index.ts (the main entry) sits above pipelines, beside cli: nothing imports it. */
const rank = (file: string): number => (file === 'index.ts' ? 2.5 : LAYERS.indexOf(file.split('/')[0] as (typeof LAYERS)[number]));

const sources = (dir: string): string[] =>
  readdirSync(join(repoRoot, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(repoRoot, path)).isDirectory()) return sources(path);
    return /\.(ts|mts|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });

const files = ['index.ts', ...LAYERS.flatMap((l) => sources(l))];
const known = new Set(files);

/** Relative imports of a file (static, type-only, re-exports and dynamic), as repository paths. */
export const importsOf = (file: string): string[] => {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.[^'"]+)['"]/g)].map((m) => m[1]);
  return specs.map((s) => {
    const abs = resolve(repoRoot, dirname(file), s);
    const rel = relative(repoRoot, abs);
    for (const candidate of [rel, rel.replace(/\.js$/, '.ts'), rel.replace(/\.mjs$/, '.mts'), `${rel}.ts`]) if (known.has(candidate)) return candidate;
    return rel;
  });
};

const graph = new Map(files.map((f) => [f, importsOf(f).filter((i) => known.has(i))]));

test('no import points up the layering cli -> pipelines -> operators -> src', (t) => {
  const upward: string[] = [];
  for (const [file, deps] of graph) for (const dep of deps) if (rank(dep) > rank(file)) upward.push(`${file} -> ${dep}`);
  t.deepEqual(upward, []);
  t.true(graph.size > 100, `${graph.size} files checked`);
});

test('the import graph has no cycle', (t) => {
  // Tarjan's strongly connected components: any component of two or more files is a cycle.
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    indices.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, indices.get(w) as number));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const f of files) if (!indices.has(f)) visit(f);
  t.deepEqual(cycles, []);
});

test('the checker sees a planted cycle and an upward import (it can fail)', (t) => {
  const planted = new Map([
    ['src/a.ts', ['operators/b.ts']],
    ['operators/b.ts', ['src/a.ts']],
  ]);
  const up = [...planted].flatMap(([f, deps]) => deps.filter((d) => rank(d) > rank(f)).map((d) => `${f} -> ${d}`));
  t.deepEqual(up, ['src/a.ts -> operators/b.ts']);
  t.true(importsOf('cli/main.ts').includes('cli/fail.ts'));
});
