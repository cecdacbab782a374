/**
 * `awmtl prepare --pipeline P --data DIR [--size HxW] [--crop NAME] [--cache DIR]`:
 * decodes, crops and resizes every image of a dataset once into the
 * preprocessed cache that train, eval and compare then read (see
 * src/data/cache). Also the table entry of the input commands (prepare, bench).
 */
import { verifyCache } from '../../src/data/cache/verify.js';
import { EXIT_FAILURE, EXIT_USAGE, reportFailure } from '../fail.js';
import * as E from 'fp-ts/lib/Either.js';
import { Progress } from '../progress.js';
import { cacheDirFor, defaultCacheRoot } from '../../src/data/cache/location.js';
import { openCache } from '../../src/data/cache/open.js';
import { prepareCache } from '../../src/data/cache/prepare.js';
import { datasetImageFiles, datasetImageRoot } from '../../src/data/workers/input.js';
import { availableParallelism } from 'node:os';
import { createWorkerPool } from '../../src/data/workers/pool.js';
import { datasetFromValues, datasetOptions } from '../options/datasetOptions.js';
import { type CommandSpec, flag, integer, type OptionTable, type Parsed, text } from '../options/optionTable.js';
import { runCommand } from '../options/runCommand.js';

/** Prepare has the machine to itself (no training step to leave a core to): one worker per core, at most 8. */
const prepareWorkers = (): number => Math.max(1, Math.min(8, availableParallelism()));

/** --cache DIR: the cache root (default $AWMTL_CACHE, ...); prepare and bench input take it. */
export const cacheRootOption = () =>
  text({
    metavar: 'DIR',
    help: 'cache root (default $AWMTL_CACHE, else $XDG_CACHE_HOME/awmtl, else ~/.cache/awmtl);\nthe cache is DIR/<image folder>-<HxW>-<crop>-<hash>',
  });

export const prepareSpec = () =>
  ({
    name: 'prepare',
    synopsis: ['prepare --pipeline NAME --data DIR [--size HxW] [--crop NAME] [--cache DIR] [--workers N] [--force] [--json]'],
    description:
      'Decodes, crops and resizes every image of the dataset once into a preprocessed cache (uint8\n' +
      'shards + index). train, eval and compare read it by default when it is present and valid for\n' +
      'their size and crop; a change of the source files (added, removed, modified), of the size or\n' +
      'of the crop makes it stale: it is then not used, and prepare writes it again.\n' +
      "The pipeline's data options (e.g. --split, --only-present-images for celeba) choose its images as for train.",
    options: {
      ...datasetOptions(),
      cache: cacheRootOption(),
      workers: integer({ min: 0, default: prepareWorkers(), help: 'decoding threads: one per core, at most 8 (0: this thread)' }),
      force: flag('write it again even if it is up to date'),
      verify: flag('read every record, check its CRC-32, and rewrite damaged ones from their images'),
      json: flag('print the result as one JSON object on stdout'),
    },
  }) satisfies CommandSpec<OptionTable>;

/** --cache DIR, else the default root; undefined when AWMTL_CACHE turns caching off. */
export const cacheRoot = (cache: string | undefined): string | undefined => cache ?? defaultCacheRoot();

export const prepareCommand = async (argv: readonly string[]): Promise<number> => runCommand(prepareSpec(), argv, prepare);

const prepare = async ({ values: v, given }: Parsed<ReturnType<typeof prepareSpec>['options']>): Promise<number> => {
  const fail = (message: string, code = EXIT_USAGE): number => reportFailure('prepare', message, code);
  const root = cacheRoot(v.cache);
  if (root === undefined) return fail('the cache is turned off (AWMTL_CACHE=off); give --cache DIR');
  const loaded = await datasetFromValues(v, given);
  if (E.isLeft(loaded)) return fail(loaded.left.message, loaded.left.usage ? EXIT_USAGE : EXIT_FAILURE);
  const { dataset, image } = loaded.right;
  const files = datasetImageFiles(dataset);
  const imageRoot = datasetImageRoot(dataset, files);
  if (imageRoot === undefined) return fail('the dataset has no images', EXIT_FAILURE);
  const dir = cacheDirFor(root, imageRoot, image);
  const json = v.json;
  const say = (m: string): void => void process.stderr.write(`${m}\n`);
  const unique = new Set(files).size;
  say(`cache: ${dir}`);
  if (v.force && v.verify) return fail('give --force or --verify, not both');
  if (!v.force) {
    const current = openCache(dir, { root: imageRoot, height: image.height, width: image.width, crop: image.crop }, files);
    if (E.isRight(current) && v.verify) {
      current.right.close();
      const progress = new Progress('verify', current.right.records, process.stderr);
      const verified = await verifyCache(dir, { onProgress: (done) => progress.update(done) });
      if (E.isLeft(verified)) return fail(verified.left.message, EXIT_FAILURE);
      const v = verified.right;
      progress.done(v.records);
      for (const b of v.bad.slice(0, 5)) say(`damaged record: ${b.path}: ${b.problem}`);
      say(
        `verified ${v.records} records in ${v.seconds.toFixed(1)} s: ${v.bad.length === 0 ? 'all intact' : `${v.bad.length} damaged, ${v.rewritten} rewritten from their images`}` +
          `${v.unfixable.length > 0 ? `; ${v.unfixable.length} could not be rebuilt (first: ${v.unfixable[0]}): run with --force to write the cache again` : ''}`,
      );
      if (json) process.stdout.write(`${JSON.stringify({ dir, verified: v.records, damaged: v.bad.length, rewritten: v.rewritten, unfixable: v.unfixable.length, seconds: v.seconds })}\n`);
      return v.unfixable.length > 0 ? 1 : 0;
    }
    if (E.isRight(current)) {
      say(`up to date: ${current.right.records} images of ${imageRoot} at ${image.height}x${image.width} (verified in ${current.right.verifySeconds.toFixed(2)} s); nothing to do (--verify checks every record, --force writes it again)`);
      if (json) process.stdout.write(`${JSON.stringify({ dir, upToDate: true, files: current.right.files, records: current.right.records, verifySeconds: current.right.verifySeconds })}\n`);
      return 0;
    }
    if (current.left._tag !== 'NoCache') say(`${current.left.message}: writing it again`);
  }
  say(`decoding ${unique} images of ${imageRoot} to ${image.height}x${image.width} (crop ${JSON.stringify(image.crop ?? 'none')}) with ${v.workers === 0 ? 'no worker threads' : `${v.workers} worker thread(s)`}`);
  const pool = v.workers > 0 ? createWorkerPool(v.workers) : undefined;
  const progress = new Progress('prepare', unique, process.stderr);
  try {
    const written = await prepareCache({
      dir,
      root: imageRoot,
      files,
      image,
      ...(pool === undefined ? {} : { pool }),
      onProgress: (done) => progress.update(done),
    });
    if (E.isLeft(written)) return fail(written.left.message, EXIT_FAILURE);
    const r = written.right;
    progress.done(r.files);
    for (const e of r.errors.slice(0, 5)) say(`bad image: ${e.message}`);
    if (r.errors.length > 5) say(`... and ${r.errors.length - 5} more bad images`);
    say(
      `wrote ${r.records} images (${(r.bytes / 2 ** 20).toFixed(1)} MiB in ${r.shards} shard${r.shards === 1 ? '' : 's'}) ` +
        `in ${r.seconds.toFixed(1)} s (${(r.files / r.seconds).toFixed(0)} images/s)${r.errors.length > 0 ? `; ${r.errors.length} bad images recorded as such` : ''}`,
    );
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ dir, upToDate: false, files: r.files, records: r.records, badImages: r.errors.length, bytes: r.bytes, shards: r.shards, seconds: r.seconds })}\n`,
      );
    }
    return 0;
  } finally {
    await pool?.close();
  }
};
