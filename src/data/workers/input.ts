/**
 * The input path of a run, opened once: the preprocessed cache when one is
 * present and valid for the dataset's images at this size and crop, and the
 * worker pool; then a {@link BatchLoader} over them.
 *
 * Settings: `cache` is the cache root (undefined: the default one, see
 * src/data/cache/location.ts; false: no cache); `workers` the number of
 * worker threads (undefined: $AWMTL_WORKERS, else 1 with a valid cache, which
 * serves thousands of images per second, else {@link defaultWorkerCount};
 * 0: everything on this thread).
 */
import { resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { AttributeDataset, SplitName } from '../attributeDataset.js';
import { SPLIT_NAMES } from '../attributeDataset.js';
import type { ResizeOptions } from '../images.js';
import { cacheDirFor, commonFolder, defaultCacheRoot } from '../cache/location.js';
import { type ImageCache, openCache } from '../cache/open.js';
import { type BatchLoader, createBatchLoader } from './loader.js';
import { createWorkerPool, defaultWorkerCount, type WorkerPool } from './pool.js';

export interface InputSettings {
  /** Cache root; undefined: the default ($AWMTL_CACHE, $XDG_CACHE_HOME/awmtl, ~/.cache/awmtl); false: no cache. */
  readonly cache?: string | false;
  /** Worker threads; undefined: the default; 0: none. */
  readonly workers?: number;
}

export interface OpenedInput {
  readonly loader: BatchLoader;
  /** The cache read, if any. */
  readonly cache: ImageCache | undefined;
  /** The cache folder looked at (whether or not it was usable); undefined with the cache off. */
  readonly cacheDir: string | undefined;
  readonly workers: number;
  /** One line for logs: where images come from. */
  readonly description: string;
  close(): Promise<void>;
}

/** Every image file of the dataset's splits, absolute, in split order (duplicates kept). */
export const datasetImageFiles = (dataset: AttributeDataset, splits: readonly SplitName[] = SPLIT_NAMES): string[] => {
  const files: string[] = [];
  for (const name of splits) {
    const split = dataset.splits[name];
    for (let i = 0; i < split.size; i++) files.push(resolve(split.imagePath(i)));
  }
  return files;
};

/** The folder a dataset's cache is keyed by: the deepest one holding all its images (all splits). */
export const datasetImageRoot = (dataset: AttributeDataset, files = datasetImageFiles(dataset)): string | undefined => commonFolder(files);

const workersFromEnv = (env: NodeJS.ProcessEnv): number | undefined => {
  const raw = env.AWMTL_WORKERS;
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
};

export interface OpenInputOptions {
  readonly settings?: InputSettings;
  /** The images that will be read (default: every split's); these are verified against the cache. */
  readonly splits?: readonly SplitName[];
  /** Limit per split of the images that will be read (e.g. an evaluation's first N). */
  readonly limit?: number;
  readonly log?: (message: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

/** Opens the cache (if usable) and the worker pool for reading the dataset's images at `image`'s size and crop. */
export const openInput = async (dataset: AttributeDataset, image: ResizeOptions, options: OpenInputOptions = {}): Promise<OpenedInput> => {
  const env = options.env ?? process.env;
  const settings = options.settings ?? {};
  const log = options.log ?? (() => undefined);
  const root = settings.cache === false ? undefined : settings.cache !== undefined ? resolve(settings.cache) : defaultCacheRoot(env);
  let cache: ImageCache | undefined;
  let cacheDir: string | undefined;
  if (root !== undefined) {
    const all = datasetImageFiles(dataset);
    const imageRoot = datasetImageRoot(dataset, all);
    if (imageRoot !== undefined) {
      cacheDir = cacheDirFor(root, imageRoot, image);
      const limit = options.limit ?? Infinity;
      const used = options.splits === undefined && limit === Infinity ? all : (options.splits ?? SPLIT_NAMES).flatMap((name) => {
        const split = dataset.splits[name];
        return Array.from({ length: Math.min(split.size, limit) }, (_, i) => split.imagePath(i));
      });
      const opened = openCache(cacheDir, { root: imageRoot, height: image.height, width: image.width, crop: image.crop }, used);
      if (E.isRight(opened)) {
        cache = opened.right;
      } else if (opened.left._tag !== 'NoCache') {
        log(`${opened.left.message}; not used (decoding the images instead; 'awmtl prepare' refreshes it)`);
      }
    }
  }
  const requested = settings.workers ?? workersFromEnv(env);
  let pool: WorkerPool | undefined;
  let workers = requested ?? (cache !== undefined ? 1 : defaultWorkerCount());
  if (workers > 0) {
    pool = createWorkerPool(workers);
    // Started before the run's clock: the workers' start-up (loading the TypeScript sources) is not a training stall.
    await pool.ready;
    if (pool.alive === 0) {
      log(`image worker threads did not start (${pool.failure ?? '?'}); loading images on the main thread`);
      await pool.close();
      pool = undefined;
      workers = 0;
    }
  }
  const loader = createBatchLoader({ cache, pool });
  const source =
    cache !== undefined
      ? `cache ${cache.dir} (${cache.records} images, verified in ${cache.verifySeconds.toFixed(2)} s)`
      : `decoding image files${cacheDir === undefined ? ' (cache off)' : ''}`;
  const description = `input: ${source}, ${workers === 0 ? 'no worker threads' : `${workers} worker thread${workers === 1 ? '' : 's'}`}`;
  return {
    loader,
    cache,
    cacheDir,
    workers,
    description,
    close: async () => {
      loader.close();
      await pool?.close();
      cache?.close();
    },
  };
};
