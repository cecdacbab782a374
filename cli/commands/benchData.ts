/**
 * `awmtl bench decode` and `awmtl bench celeba-load` (also `npm run bench -- decode ...`): the
 * figures that used to be wall-clock assertions of test/data/*-perf.test.ts, printed instead
 * (cli/bench/runDecodeBench.ts, cli/bench/runCelebaLoadBench.ts).
 */
import { reportFailure } from '../fail.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as E from 'fp-ts/lib/Either.js';
import { defaultCelebaFixtureDir, ensureCelebaFixture } from '../../fixtures/celeba/fixture.js';
import { runCelebaLoadBench } from '../bench/runCelebaLoadBench.js';
import { runDecodeBench } from '../bench/runDecodeBench.js';
import { flagOption, isPositiveInteger, numberOption, type OptionSpec, parseCommandArgs, stringOption } from '../../src/cli/args.js';
import { DEMO_COUNT, DEMO_SEED } from './demo.js';

/** Real CelebA faces of this workplace, when present. */
const SHARED_FACES = join('..', 'shared', 'data', 'celeba', 'img_align_celeba');

export const decodeUsage = (): string =>
  [
    'usage: awmtl bench decode [--dir DIR] [--images 60] [--sizes 64,128] [--repeats 3] [--json]',
    '  ms per 178x218 JPEG: decodeImage and Jimp.fromBuffer; decode + crop + resize at each size next to jimp;',
    '  loadImagesInto (read, decode, resize, normalise). DIR: a folder of CelebA-layout JPEGs (default',
    `  ${SHARED_FACES} when present, else the demo fixture's faces). Median of --repeats passes.`,
  ].join('\n');

export const benchDecodeCommand = async (argv: readonly string[]): Promise<number> => {
  const spec: OptionSpec = {
    dir: { type: 'string' },
    images: { type: 'string' },
    sizes: { type: 'string' },
    repeats: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  };
  const fail = (message: string, code = 2): number => reportFailure('bench decode', message, code);
  const parsed = parseCommandArgs(argv, spec);
  if (E.isLeft(parsed)) return fail(parsed.left.message);
  const p = parsed.right;
  if (flagOption(p, 'help')) {
    process.stdout.write(`${decodeUsage()}\n`);
    return 0;
  }
  const images = numberOption(p, 'images', 60, isPositiveInteger, 'a positive integer');
  if (E.isLeft(images)) return fail(images.left.message);
  const repeats = numberOption(p, 'repeats', 3, isPositiveInteger, 'a positive integer');
  if (E.isLeft(repeats)) return fail(repeats.left.message);
  const sizes = (stringOption(p, 'sizes') ?? '64,128').split(',').map((s) => Number(s.trim()));
  if (!sizes.every(isPositiveInteger)) return fail(`--sizes must be positive integers separated by commas, got ${JSON.stringify(stringOption(p, 'sizes'))}`);
  try {
    let dir = stringOption(p, 'dir');
    if (dir === undefined) {
      dir = existsSync(SHARED_FACES) ? SHARED_FACES : join(ensureCelebaFixture(defaultCelebaFixtureDir(DEMO_SEED, DEMO_COUNT), { seed: DEMO_SEED, count: DEMO_COUNT }).dir, 'img_align_celeba');
    }
    const r = await runDecodeBench({ dir, images: images.right, sizes, repeats: repeats.right });
    if (flagOption(p, 'json')) {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      return 0;
    }
    process.stdout.write(
      [
        `${r.images} images of ${r.dir}, ms per image (median of ${repeats.right}):`,
        `decode ${r.decodeMs.toFixed(2)} ms (Jimp.fromBuffer ${r.jimpDecodeMs.toFixed(2)} ms)`,
        ...r.sizes.map((s) => `${s.size} px: decode+crop+resize ${s.oursMs.toFixed(2)} ms (jimp read+crop+resize ${s.jimpMs.toFixed(2)} ms)`),
        `loadImagesInto at ${sizes[0]} px (read, decode, resize, normalise): ${r.loadImagesIntoMs.toFixed(2)} ms`,
      ].join('\n') + '\n',
    );
    return 0;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error), 1);
  }
};

export const celebaLoadUsage = (): string =>
  [
    'usage: awmtl bench celeba-load [--json]',
    '  full-size CelebA annotations (202,599 rows, generated): format, parse and load times, and the memory',
    '  the parsed attribute table keeps.',
  ].join('\n');

export const benchCelebaLoadCommand = async (argv: readonly string[]): Promise<number> => {
  const parsed = parseCommandArgs(argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (E.isLeft(parsed)) {
    process.stderr.write(`awmtl: bench celeba-load: ${parsed.left.message}\n`);
    return 2;
  }
  if (flagOption(parsed.right, 'help')) {
    process.stdout.write(`${celebaLoadUsage()}\n`);
    return 0;
  }
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const r = await runCelebaLoadBench(gc);
    if (flagOption(parsed.right, 'json')) {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      return 0;
    }
    process.stdout.write(
      [
        `formatCelebaAttributes: ${r.formatMs.toFixed(0)} ms`,
        `parseAttributes: ${r.rows} rows (${r.fileMiB.toFixed(1)} MiB) in ${r.parseMs.toFixed(0)} ms, retains ~${r.retainedMiB.toFixed(0)} MiB`,
        `loadCelebaDataset (read both files, parse, join the partition): ${r.loadMs.toFixed(0)} ms`,
        `loadCelebaDataset with a seeded split: ${r.loadSeededMs.toFixed(0)} ms`,
      ].join('\n') + '\n',
    );
    return 0;
  } catch (error) {
    process.stderr.write(`awmtl: bench celeba-load: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
};
