/**
 * Batch loading through the fast input path: images come from the
 * preprocessed cache when one is open (pread of the record + normalise +
 * flip) and are decoded from their files otherwise; the work runs in the
 * worker pool when there is one (a chunk per worker, the pixels handed back
 * without a copy) and on this thread when not.
 *
 * Same contract and same bytes as src/data/batchLoader.ts `loadBatch`: slot i
 * holds indices[i]'s image, or with skipBadImages the good images packed in
 * input order (`slots` maps rows back); without it the first bad image in
 * input order is the error. Errors name the file.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { SplitView } from '../attributeDataset.js';
import { assembleBatch, type BatchError, type LoadBatchOptions, type LoadedBatch } from '../batchLoader.js';
import { type ImageError, NORMALISE_HALF } from '../images.js';
import type { ImageCache } from '../cache/open.js';
import type { WorkerPool } from './pool.js';
import { type LoadItem, type LoadTask, performLoad, ShardReader } from './work.js';

export interface BatchLoader {
  loadBatch(split: SplitView, indices: ArrayLike<number>, tasks: number, options: LoadBatchOptions): Promise<E.Either<BatchError, LoadedBatch>>;
  /** Closes what the loader itself opened (this thread's shard files); the pool is its owner's. */
  close(): void;
}

export interface BatchLoaderOptions {
  readonly cache?: ImageCache;
  readonly pool?: WorkerPool;
  /** Chunks per worker a batch is split into (default 1: the read-ahead keeps several batches queued anyway). */
  readonly chunksPerWorker?: number;
}

export const createBatchLoader = (options: BatchLoaderOptions = {}): BatchLoader => {
  const { cache, pool } = options;
  const shards = new ShardReader();
  const chunksPerWorker = Math.max(1, Math.floor(options.chunksPerWorker ?? 1));
  return {
    close: () => shards.close(),
    loadBatch: async (split, indices, tasks, opts) => {
      const { height, width } = opts.image;
      const n = indices.length;
      const per = height * width * 3;
      const errors: (ImageError | null)[] = new Array<ImageError | null>(n).fill(null);
      const items: LoadItem[] = [];
      const itemSlot: number[] = [];
      const flips = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const path = split.imagePath(indices[i]);
        const entry = cache?.lookup(path);
        if (entry !== undefined && 'error' in entry) {
          errors[i] = entry.error;
          continue;
        }
        itemSlot.push(i);
        items.push(entry === undefined ? { path } : { path, cached: entry.record });
        flips[items.length - 1] = opts.flips?.[i] === 1 ? 1 : 0;
      }
      // Items are contiguous in slot order except around cached errors: run chunks of consecutive slots.
      const base = {
        height,
        width,
        crop: opts.image.crop,
        normalisation: opts.image.normalisation ?? NORMALISE_HALF,
      };
      const chunks = pool === undefined ? 1 : Math.min(items.length, pool.size * chunksPerWorker);
      const size = Math.ceil(items.length / Math.max(1, chunks));
      const runs: Promise<{ slot: number; pixels: Float32Array }>[] = [];
      for (let from = 0; from < items.length; ) {
        // A chunk of at most `size` items whose slots are consecutive.
        let to = from + 1;
        while (to < items.length && to - from < size && itemSlot[to] === itemSlot[to - 1] + 1) to++;
        const task: LoadTask = { ...base, items: items.slice(from, to), flips: flips.slice(from, to) };
        const start = from;
        runs.push(
          (pool === undefined ? performLoad(task, shards) : pool.load(task)).then((result) => {
            for (let k = 0; k < result.errors.length; k++) errors[itemSlot[start + k]] = result.errors[k];
            return { slot: itemSlot[start], pixels: result.pixels };
          }),
        );
        from = to;
      }
      const chunkPixels = await Promise.all(runs);
      // One chunk holding the whole batch is the batch (no copy); chunks are copied into place.
      const whole = chunkPixels.length === 1 && chunkPixels[0].slot === 0 && chunkPixels[0].pixels.length === n * per;
      const images = whole ? chunkPixels[0].pixels : new Float32Array(n * per);
      if (!whole) for (const c of chunkPixels) images.set(c.pixels, c.slot * per);
      // Pack the good images (in input order) and decide on the bad ones.
      const slots: number[] = [];
      const skipped: ImageError[] = [];
      for (let i = 0; i < n; i++) {
        const error = errors[i];
        if (error !== null) {
          if (opts.skipBadImages !== true) return E.left(error);
          skipped.push(error);
          continue;
        }
        if (slots.length !== i) images.copyWithin(slots.length * per, i * per, (i + 1) * per);
        slots.push(i);
      }
      return assembleBatch(split, indices, Int32Array.from(slots), images, skipped, { height, width, tasks });
    },
  };
};
