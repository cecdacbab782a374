/**
 * `awmtl demo` (what `npm start` runs): generates the synthetic CelebA-layout
 * fixture once (fixtures/generated/, git-ignored) and its image cache, then trains the CelebA
 * pipeline on it with the embedded default backend and prints the per-attribute
 * accuracy table next to the majority-class baseline, plus the final weights.
 * Any `awmtl train` option may follow and overrides the demo's settings.
 * Each demo replaces the previous one's run folder (`--overwrite`).
 */
import { defaultCelebaFixtureDir, ensureCelebaFixture } from '../../fixtures/celeba/fixture.js';
import { Progress } from '../progress.js';
import type { CommandSpec } from '../options/optionTable.js';
import { runCommand } from '../options/runCommand.js';
import { prepareCommand } from './prepare.js';
import { trainCommand, trainOptions } from './train.js';

export const DEMO_SEED = 1;
export const DEMO_COUNT = 2000;

export const demoArgs = (dir: string): string[] => [
  '--pipeline', 'celeba',
  '--data', dir,
  '--out', 'runs/demo',
  '--overwrite',
  '--iterations', '1500',
  '--batch-size', '32',
  '--k', '50',
  '--eval-every', '300',
  '--eval-limit', '200',
  '--checkpoint-every', '300',
  '--seed', '0',
];

/** demo takes train's options (they override its own). */
export const demoSpec = (): CommandSpec<ReturnType<typeof trainOptions>> => ({
  name: 'demo',
  synopsis: ['demo [train options]'],
  description: `Generates the synthetic CelebA fixture (${DEMO_COUNT} images) if needed, then runs\n  awmtl train ${demoArgs('<fixture>').join(' ')}\nLater options override these.`,
  options: trainOptions(),
});

export const demoCommand = async (argv: readonly string[]): Promise<number> => runCommand(demoSpec(), argv, () => demo(argv));

const demo = async (argv: readonly string[]): Promise<number> => {
  const dir = defaultCelebaFixtureDir(DEMO_SEED, DEMO_COUNT);
  process.stderr.write(`fixture: ${dir}\n`);
  const started = performance.now();
  const progress = new Progress('fixture', DEMO_COUNT, process.stderr, undefined, 2);
  const fixture = ensureCelebaFixture(dir, { seed: DEMO_SEED, count: DEMO_COUNT, onProgress: (done) => progress.update(done) });
  if (fixture.generated) {
    progress.done(DEMO_COUNT);
    process.stderr.write(`generated ${DEMO_COUNT} synthetic faces in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  // The preprocessed cache makes the input ~20x faster than the step; prepare
  // skips itself when the cache is already up to date. Without a cache (e.g.
  // AWMTL_CACHE=off or an unwritable cache folder) training decodes instead.
  const prepared = await prepareCommand(['--pipeline', 'celeba', '--data', dir]);
  if (prepared !== 0) process.stderr.write('demo: no image cache; training decodes the JPEGs instead (slower)\n');
  return trainCommand([...demoArgs(dir), ...argv]);
};
