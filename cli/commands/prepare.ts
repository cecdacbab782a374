/**
 * `awmtl prepare --pipeline P --data DIR [--size HxW] [--crop NAME] [--cache DIR]`:
 * decodes, crops and resizes every image of a dataset once into the
 * preprocessed cache that train, eval and compare then read (see
 * src/data/cache). Also the table entry of the input commands (prepare, bench).
 */
import { verifyCache } from '../../src/data/cache/verify.js';
import { reportFailure } from '../fail.js';
import * as E from 'fp-ts/lib/Either.js';
import { findPipeline, pipelineNames } from '../../pipelines/index.js';
import type { DataOptionValue } from '../../pipelines/definition.js';
import {
  flagOption,
  isNonNegativeInteger,
  numberOption,
  type OptionSpec,
  parseCommandArgs,
  type Parsed,
  stringOption,
} from '../../src/cli/args.js';
import { Progress } from '../progress.js';
import { cacheDirFor, defaultCacheRoot } from '../../src/data/cache/location.js';
import { openCache } from '../../src/data/cache/open.js';
import { prepareCache } from '../../src/data/cache/prepare.js';
import type { AttributeDataset } from '../../src/data/attributeDataset.js';
import { CROP_PRESETS, type ImageOptions } from '../../src/data/images.js';
import { datasetImageFiles, datasetImageRoot } from '../../src/data/workers/input.js';
import { availableParallelism } from 'node:os';
import { createWorkerPool } from '../../src/data/workers/pool.js';
import { parseCrop, parseSize } from './train.js';

const usage = (): string =>
  [
    'usage: awmtl prepare --pipeline NAME --data DIR [--size HxW] [--crop NAME] [--cache DIR] [--workers N] [--force] [--json]',
    '',
    'Decodes, crops and resizes every image of the dataset once into a preprocessed cache (uint8',
    'shards + index). train, eval and compare read it by default when it is present and valid for',
    'their size and crop; a change of the source files (added, removed, modified), of the size or',
    'of the crop makes it stale: it is then not used, and prepare writes it again.',
    '',
    `  --pipeline NAME   ${pipelineNames().join(', ')} (default celeba)`,
    '  --data DIR        the dataset folder (may be read-only: the cache is written elsewhere)',
    "  --size HxW | N    image size (default: the pipeline's, e.g. 64x64 for celeba)",
    `  --crop NAME       none, ${Object.keys(CROP_PRESETS).join(', ')} (default: the pipeline's)`,
    '  --cache DIR       cache root (default $AWMTL_CACHE, else $XDG_CACHE_HOME/awmtl, else ~/.cache/awmtl);',
    '                    the cache is DIR/<image folder>-<HxW>-<crop>-<hash>',
    `  --workers N       decoding threads (default ${prepareWorkers()}: one per core, at most 8; 0 = this thread)`,
    '  --force           write it again even if it is up to date',
    '  --verify          read every record, check its CRC-32, and rewrite damaged ones from their images',
    '  --json            print the result as one JSON object on stdout',
    '  The pipeline\'s data options (e.g. --split, --only-present-images for celeba) choose its images as for train.',
  ].join('\n');

/** Prepare has the machine to itself (no training step to leave a core to): one worker per core, at most 8. */
const prepareWorkers = (): number => Math.max(1, Math.min(8, availableParallelism()));


/** The option spec shared by the input commands: pipeline, data, size, crop and every pipeline's data options. */
export const datasetOptionSpec = (): OptionSpec => {
  const spec: OptionSpec = {
    pipeline: { type: 'string' },
    data: { type: 'string' },
    size: { type: 'string' },
    crop: { type: 'string' },
    cache: { type: 'string' },
    workers: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const name of pipelineNames()) {
    for (const [opt, d] of Object.entries(findPipeline(name)?.dataOptions ?? {})) spec[opt] = { type: d.type };
  }
  return spec;
};

/** Loads the dataset named by --pipeline/--data (+ data options) and resolves --size/--crop against its defaults. */
export const datasetFromArgs = async (
  parsed: Parsed,
): Promise<E.Either<{ readonly message: string; readonly usage: boolean }, { dataset: AttributeDataset; image: ImageOptions; data: string }>> => {
  const name = stringOption(parsed, 'pipeline') ?? 'celeba';
  const pipeline = findPipeline(name);
  if (pipeline === undefined) return E.left({ message: `unknown pipeline "${name}" (known: ${pipelineNames().join(', ')})`, usage: true });
  const data = stringOption(parsed, 'data');
  if (data === undefined) return E.left({ message: '--data DIR is required', usage: true });
  const size = stringOption(parsed, 'size');
  const sizeE = size === undefined ? E.right(undefined) : parseSize(size);
  if (E.isLeft(sizeE)) return E.left({ message: sizeE.left.message, usage: true });
  const crop = stringOption(parsed, 'crop');
  const cropE = crop === undefined ? E.right(undefined) : parseCrop(crop);
  if (E.isLeft(cropE)) return E.left({ message: cropE.left.message, usage: true });
  const dataOptions: Record<string, DataOptionValue> = {};
  for (const [opt, d] of Object.entries(pipeline.dataOptions)) {
    const v = d.type === 'boolean' ? (flagOption(parsed, opt) ? true : undefined) : stringOption(parsed, opt);
    if (v !== undefined) dataOptions[opt] = v;
  }
  const image: ImageOptions = {
    ...pipeline.imageDefaults,
    ...(sizeE.right ?? {}),
    ...(cropE.right === undefined ? {} : { crop: cropE.right }),
  };
  const dataset = await pipeline.load(data, dataOptions, 0);
  if (E.isLeft(dataset)) return E.left({ message: dataset.left.message, usage: false });
  return E.right({ dataset: dataset.right, image, data });
};

/** --cache DIR, else the default root; undefined when AWMTL_CACHE turns caching off. */
export const cacheRootFromArgs = (parsed: Parsed): string | undefined => stringOption(parsed, 'cache') ?? defaultCacheRoot();

export const prepareCommand = async (argv: readonly string[]): Promise<number> => {
  const spec = { ...datasetOptionSpec(), force: { type: 'boolean' as const }, verify: { type: 'boolean' as const } };
  const parsed = parseCommandArgs(argv, spec);
  const fail = (message: string, code = 2): number => reportFailure('prepare', message, code);
  if (E.isLeft(parsed)) return fail(parsed.left.message);
  const p = parsed.right;
  if (flagOption(p, 'help')) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const workers = numberOption(p, 'workers', prepareWorkers(), isNonNegativeInteger, 'a non-negative integer');
  if (E.isLeft(workers)) return fail(workers.left.message);
  const root = cacheRootFromArgs(p);
  if (root === undefined) return fail('the cache is turned off (AWMTL_CACHE=off); give --cache DIR');
  const loaded = await datasetFromArgs(p);
  if (E.isLeft(loaded)) return fail(loaded.left.message, loaded.left.usage ? 2 : 1);
  const { dataset, image } = loaded.right;
  const files = datasetImageFiles(dataset);
  const imageRoot = datasetImageRoot(dataset, files);
  if (imageRoot === undefined) return fail('the dataset has no images', 1);
  const dir = cacheDirFor(root, imageRoot, image);
  const json = flagOption(p, 'json');
  const say = (m: string): void => void process.stderr.write(`${m}\n`);
  const unique = new Set(files).size;
  say(`cache: ${dir}`);
  if (flagOption(p, 'force') && flagOption(p, 'verify')) return fail('give --force or --verify, not both');
  if (!flagOption(p, 'force')) {
    const current = openCache(dir, { root: imageRoot, height: image.height, width: image.width, crop: image.crop }, files);
    if (E.isRight(current) && flagOption(p, 'verify')) {
      current.right.close();
      const progress = new Progress('verify', current.right.records, process.stderr);
      const verified = await verifyCache(dir, { onProgress: (done) => progress.update(done) });
      if (E.isLeft(verified)) return fail(verified.left.message, 1);
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
  say(`decoding ${unique} images of ${imageRoot} to ${image.height}x${image.width} (crop ${JSON.stringify(image.crop ?? 'none')}) with ${workers.right === 0 ? 'no worker threads' : `${workers.right} worker thread(s)`}`);
  const pool = workers.right > 0 ? createWorkerPool(workers.right) : undefined;
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
    if (E.isLeft(written)) return fail(written.left.message, 1);
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
