/**
 * `awmtl bench decode` (also `npm run bench -- decode ...`): image decoding figures
 * (./runDecodeBench.ts) that used to be wall-clock assertions of test/data/images-perf.test.ts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { defaultCelebaFixtureDir, ensureCelebaFixture } from '../../fixtures/celeba/fixture.js';
import { DEMO_COUNT, DEMO_SEED } from '../commands/demo.js';
import { EXIT_FAILURE, EXIT_USAGE, reportFailure } from '../fail.js';
import { type CommandSpec, custom, flag, integer, type OptionTable, type Parsed, text } from '../options/optionTable.js';
import { runCommand } from '../options/runCommand.js';
import { runDecodeBench } from './runDecodeBench.js';

/** Real CelebA faces of this workplace, when present. */
const SHARED_FACES = join('..', 'shared', 'data', 'celeba', 'img_align_celeba');

const parseSizes = (raw: string, flag: string): E.Either<string, number[]> => {
  const sizes = raw.split(',').map((s) => Number(s.trim()));
  return sizes.every((x) => Number.isInteger(x) && x >= 1) ? E.right(sizes) : E.left(`${flag} must be positive integers separated by commas, got ${JSON.stringify(raw)}`);
};

export const decodeSpec = () =>
  ({
    name: 'bench decode',
    synopsis: ['bench decode [--dir DIR] [--images 60] [--sizes 64,128] [--repeats 3] [--json]'],
    description:
      'ms per 178x218 JPEG: decodeImage and Jimp.fromBuffer; decode + crop + resize at each size next to jimp;\n' +
      'loadImagesInto (read, decode, resize, normalise). Median of --repeats passes.',
    options: {
      dir: text({ metavar: 'DIR', help: 'a folder of CelebA-layout JPEGs', defaultText: `${SHARED_FACES} when present, else the demo fixture's faces` }),
      images: integer({ default: 60, help: 'images per pass' }),
      sizes: custom(parseSizes, { metavar: 'LIST', default: [64, 128], defaultText: '64,128', help: 'sizes to resize to, comma-separated' }),
      repeats: integer({ default: 3, help: 'passes' }),
      json: flag('print the figures as one JSON object on stdout'),
    },
  }) satisfies CommandSpec<OptionTable>;

export const benchDecodeCommand = async (argv: readonly string[]): Promise<number> => runCommand(decodeSpec(), argv, decode);

const decode = async ({ values: v }: Parsed<ReturnType<typeof decodeSpec>['options']>): Promise<number> => {
  const fail = (message: string, code = EXIT_USAGE): number => reportFailure('bench decode', message, code);
  try {
    let dir = v.dir;
    if (dir === undefined) {
      dir = existsSync(SHARED_FACES) ? SHARED_FACES : join(ensureCelebaFixture(defaultCelebaFixtureDir(DEMO_SEED, DEMO_COUNT), { seed: DEMO_SEED, count: DEMO_COUNT }).dir, 'img_align_celeba');
    }
    const r = await runDecodeBench({ dir, images: v.images, sizes: v.sizes, repeats: v.repeats });
    if (v.json) {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      return 0;
    }
    process.stdout.write(
      [
        `${r.images} images of ${r.dir}, ms per image (median of ${v.repeats}):`,
        `decode ${r.decodeMs.toFixed(2)} ms (Jimp.fromBuffer ${r.jimpDecodeMs.toFixed(2)} ms)`,
        ...r.sizes.map((s) => `${s.size} px: decode+crop+resize ${s.oursMs.toFixed(2)} ms (jimp read+crop+resize ${s.jimpMs.toFixed(2)} ms)`),
        `loadImagesInto at ${v.sizes[0]} px (read, decode, resize, normalise): ${r.loadImagesIntoMs.toFixed(2)} ms`,
      ].join('\n') + '\n',
    );
    return 0;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error), EXIT_FAILURE);
  }
};
