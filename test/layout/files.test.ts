/**
 * The layout's file rules as checks (issue 11): no source file outside test/ and fixtures/ over
 * 500 lines, and one naming convention, camelCase (as in RxJS), for every tracked source file.
 * Helpers that ava must not run start with `_` (test/train/_synthetic.ts).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import test from 'ava';
import { repoRoot } from '../cli/run.js';

/** Everything below the root but what is built, installed or generated (outside a git checkout). */
const walk = (dir: string): string[] =>
  readdirSync(join(repoRoot, dir), { withFileTypes: true }).flatMap((e) => {
    const path = dir === '' ? e.name : `${dir}/${e.name}`;
    if (e.isDirectory()) return ['node_modules', 'dist', 'runs', 'generated'].includes(e.name) || e.name.startsWith('.') ? [] : walk(path);
    return [path];
  });

const listed = (): string[] => {
  try {
    return execFileSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n');
  } catch {
    return walk('');
  }
};

const tracked = listed().filter((f) => /\.(ts|mts|mjs|js|py|sh)$/.test(f));

test('git lists the sources this check reads', (t) => {
  t.true(tracked.includes('cli/main.ts') && tracked.includes('src/weighting/vlt.ts'), 'run from a git checkout');
});

test('no source file outside test/ and fixtures/ has more than 500 lines', (t) => {
  const long = tracked
    .filter((f) => !f.startsWith('test/') && !f.startsWith('fixtures/'))
    .map((f) => ({ f, lines: readFileSync(join(repoRoot, f), 'utf8').split('\n').length - 1 }))
    .filter((x) => x.lines > 500);
  t.deepEqual(long, []);
});

test('file names are camelCase (a leading _ marks a test helper)', (t) => {
  const stem = (f: string): string => basename(f).replace(/\.(test\.)?(ts|mts|mjs|js|py|sh)$/, '').replace(/\.d$/, '');
  const bad = tracked.filter((f) => !/^_?[a-z][a-zA-Z0-9]*$/.test(stem(f)));
  t.deepEqual(bad, []);
});
