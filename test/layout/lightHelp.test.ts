/**
 * `awmtl --help` and `awmtl replay --help` print without loading TensorFlow.js, jimp or a
 * backend (issue 11): the CLI runs with a resolve hook that refuses those modules.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const hook = fileURLToPath(new URL('./_refuseHeavyModules.mjs', import.meta.url));

const runRefusingHeavy = (args: string[]) =>
  spawnSync(process.execPath, ['--import=tsx', `--import=${hook}`, 'bin/awmtl.js', ...args], { cwd: root, encoding: 'utf8' });

test('the hook itself refuses tfjs: a command that trains fails under it, naming the import', (t) => {
  const r = runRefusingHeavy(['demo', '--help']);
  const out = `${r.stdout}${r.stderr}`;
  // demo's module imports the training pipeline, hence tfjs, before it parses argv.
  t.not(r.status, 0, out);
  t.regex(out, /heavy module imported: @tensorflow\/tfjs/);
});

for (const args of [['--help'], ['replay', '--help']]) {
  test(`awmtl ${args.join(' ')} prints its usage without importing tfjs or jimp`, (t) => {
    const r = runRefusingHeavy(args);
    t.is(r.status, 0, `${r.stdout}${r.stderr}`);
    t.regex(r.stdout, /usage: awmtl/);
    t.notRegex(r.stderr, /heavy module/);
  });
}
