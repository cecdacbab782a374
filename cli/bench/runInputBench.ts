/**
 * Input benchmark: can the input side keep the training step fed?
 *
 * Figures (all on the dataset's train split, batches of `batch` images at the
 * run's size and crop):
 * - `decodeImagesPerSecond`: images per second of batches decoded from the
 *   image files (no cache), `{ mainThread, workers }`: on this thread, and through `workers` worker threads;
 * - `cacheImagesPerSecond`: ready normalised (and flipped) batches read from
 *   the cache through the path a cached run uses (one worker thread);
 *   `cacheImagesPerSecondMainThread` the same on this thread;
 * - `stepImagesPerSecond`: train images per second of the training step of the
 *   default backbone (Adam, BCE) on those same cached batches, the batches
 *   made beforehand (so only the step is timed); `stepInputImagesPerSecond`
 *   counts the validation batch each step also reads (what the input must
 *   deliver); `cacheToStepRatio` = cacheImagesPerSecond / stepInputImagesPerSecond;
 * - `waitFraction`: from a short training run (the real run, runTraining):
 *   the share of its stepping time the loop spent not in a step (waiting for
 *   data); with the cache, and `waitFractionNoCache` decoding the files;
 * - `rssMB` after that run (`maxRssMB`: the process's peak).
 *
 * The training run is injected (`train`), so this module stays below pipelines/.
 */
import * as E from 'fp-ts/lib/Either.js';
import { resolve } from 'node:path';
import type { AttributeDataset } from '../../src/data/attributeDataset.js';
import type { Batch } from '../../src/data/batch.js';
import type { LoadedBatch } from '../../src/data/batchLoader.js';
import { cacheDirFor } from '../../src/data/cache/location.js';
import { type ImageCache, openCache } from '../../src/data/cache/open.js';
import { prepareCache } from '../../src/data/cache/prepare.js';
import type { ImageOptions } from '../../src/data/images.js';
import { epochSampler } from '../../src/data/sampler.js';
import { datasetImageFiles, datasetImageRoot, type InputSettings } from '../../src/data/workers/input.js';
import { type BatchLoader, createBatchLoader } from '../../src/data/workers/loader.js';
import { createWorkerPool, defaultWorkerCount, type WorkerPool } from '../../src/data/workers/pool.js';
import { buildModel, DEFAULT_BACKBONE, describeModelError } from '../../src/model/index.js';
import { ADAM_DEFAULTS } from '../../src/train/optimizers.js';
import { createTrainer, describeTrainerError } from '../../src/train/trainer.js';

/** What the injected training run reports. */
export interface BenchTrainResult {
  readonly iterations: number;
  readonly seconds: number;
  readonly waitSeconds: number;
  readonly waitFraction: number;
  readonly input: string;
}

export type InputBenchPhase = 'decode' | 'cache' | 'step' | 'wait';
export const INPUT_BENCH_PHASES: readonly InputBenchPhase[] = ['decode', 'cache', 'step', 'wait'];

export interface InputBenchOptions {
  readonly dataset: AttributeDataset;
  readonly image: ImageOptions;
  /** Cache root (the cache is prepared there when missing or stale). */
  readonly cacheRoot: string;
  /** Train batch size (default 32). */
  readonly batch?: number;
  /** Images decoded per decode measurement (default 512). */
  readonly decodeImages?: number;
  /** Images read per cache measurement (default 4096, at most the train split). */
  readonly cacheImages?: number;
  /** Worker threads for the decode measurement (default: min(cores - 1, 4)). */
  readonly workers?: number;
  /** Timed steps (default 20, after 3 warm-up steps). */
  readonly steps?: number;
  readonly backbone?: string;
  readonly phases?: readonly InputBenchPhase[];
  /** Runs a short training with these input settings (waitFraction, rssMB). */
  readonly train?: (input: InputSettings) => Promise<E.Either<{ readonly message: string }, BenchTrainResult>>;
  readonly log?: (message: string) => void;
}

export interface InputBenchResult {
  readonly images: { readonly train: number; readonly height: number; readonly width: number; readonly batch: number };
  readonly workers: number;
  readonly cacheDir: string;
  /** On the main thread (1 thread) and through `workers` worker threads. */
  readonly decodeImagesPerSecond?: { readonly mainThread: number; readonly workers?: number };
  readonly prepareSeconds?: number;
  readonly cacheVerifySeconds?: number;
  readonly cacheImagesPerSecond?: number;
  readonly cacheImagesPerSecondMainThread?: number;
  readonly stepImagesPerSecond?: number;
  readonly stepInputImagesPerSecond?: number;
  readonly cacheToStepRatio?: number;
  readonly waitFraction?: number;
  readonly waitSeconds?: number;
  readonly trainSeconds?: number;
  readonly trainIterations?: number;
  readonly waitFractionNoCache?: number;
  readonly rssMB: number;
  readonly maxRssMB: number;
}

const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

/** Loads batches over the first `images` train samples (in order, every other one flipped), after untimed warm-up batches; images per second. */
const timeLoading = async (
  dataset: AttributeDataset,
  loader: BatchLoader,
  image: ImageOptions,
  batch: number,
  images: number,
  warmBatches = 1,
): Promise<number> => {
  const split = dataset.splits.train;
  const m = dataset.tasks.length;
  const n = Math.min(images, split.size);
  const flips = Uint8Array.from({ length: batch }, (_, i) => i % 2);
  // Two batches in flight, as the run's read-ahead does.
  const load = (from: number): Promise<E.Either<unknown, LoadedBatch>> => {
    const indices = Int32Array.from({ length: Math.min(batch, n - from) }, (_, i) => from + i);
    return loader.loadBatch(split, indices, m, { image, flips, skipBadImages: true });
  };
  // Warm-up, untimed: one batch per worker thread (a fresh worker runs the decoder cold).
  for (let w = 0; w < Math.max(1, warmBatches); w++) {
    const warm = await load(0);
    if (E.isLeft(warm)) throw new Error(`input bench: ${(warm.left as { message?: string }).message ?? 'a batch failed'}`);
  }
  const started = performance.now();
  let next = load(0);
  for (let from = 0; from < n; from += batch) {
    const current = await next;
    if (from + batch < n) next = load(from + batch);
    if (E.isLeft(current)) throw new Error(`input bench: ${(current.left as { message?: string }).message ?? 'a batch failed'}`);
  }
  return n / ((performance.now() - started) / 1000);
};

const ensureCache = async (
  dataset: AttributeDataset,
  image: ImageOptions,
  cacheRoot: string,
  workers: number,
  log: (m: string) => void,
): Promise<{ cache: ImageCache; dir: string; prepareSeconds?: number }> => {
  const files = datasetImageFiles(dataset);
  const root = datasetImageRoot(dataset, files);
  if (root === undefined) throw new Error('input bench: the dataset has no images');
  const dir = cacheDirFor(resolve(cacheRoot), root, image);
  const expect = { root, height: image.height, width: image.width, crop: image.crop };
  let opened = openCache(dir, expect, files);
  let prepareSeconds: number | undefined;
  if (E.isLeft(opened)) {
    log(`${opened.left.message}; preparing it (${new Set(files).size} images)`);
    const pool = workers > 0 ? createWorkerPool(workers) : undefined;
    try {
      const written = await prepareCache({ dir, root, files, image, ...(pool === undefined ? {} : { pool }) });
      if (E.isLeft(written)) throw new Error(written.left.message);
      prepareSeconds = written.right.seconds;
    } finally {
      await pool?.close();
    }
    opened = openCache(dir, expect, files);
    if (E.isLeft(opened)) throw new Error(opened.left.message);
  }
  return { cache: opened.right, dir, ...(prepareSeconds === undefined ? {} : { prepareSeconds }) };
};

/** Images per second of the default backbone's training step on cached batches (made beforehand). */
const timeSteps = async (
  dataset: AttributeDataset,
  loader: BatchLoader,
  image: ImageOptions,
  batch: number,
  steps: number,
  backbone: string,
): Promise<{ train: number; input: number }> => {
  const warmup = 3;
  const sampler = epochSampler(dataset.splits.train.size, batch, 1);
  const valSampler = epochSampler(dataset.splits.val.size, batch, 1, 'val');
  const m = dataset.tasks.length;
  const get = async (split: 'train' | 'val', t: number): Promise<Batch> => {
    const s = split === 'train' ? sampler : valSampler;
    const loaded = await loader.loadBatch(dataset.splits[split], s.indices(t), m, { image, skipBadImages: true });
    if (E.isLeft(loaded)) throw new Error(`input bench: ${loaded.left.message}`);
    return loaded.right.batch;
  };
  const pairs: { train: Batch; val: Batch }[] = [];
  for (let t = 1; t <= warmup + steps; t++) pairs.push({ train: await get('train', t), val: await get('val', t) });
  const built = await buildModel({ backbone, inputShape: [image.height, image.width, 3], tasks: dataset.tasks, seed: 1 });
  if (E.isLeft(built)) throw new Error(`input bench: ${describeModelError(built.left)}`);
  const model = built.right;
  const trainer = createTrainer({ model, tasks: dataset.tasks, optimizer: ADAM_DEFAULTS });
  if (E.isLeft(trainer)) {
    model.dispose();
    throw new Error(`input bench: ${describeTrainerError(trainer.left)}`);
  }
  const weights = new Array<number>(m).fill(1);
  try {
    for (let i = 0; i < warmup; i++) await trainer.right.step(pairs[i].train, pairs[i].val, weights);
    let trainImages = 0;
    let inputImages = 0;
    const started = performance.now();
    for (let i = warmup; i < warmup + steps; i++) {
      await trainer.right.step(pairs[i].train, pairs[i].val, weights);
      trainImages += pairs[i].train.size;
      inputImages += pairs[i].train.size + pairs[i].val.size;
    }
    const seconds = (performance.now() - started) / 1000;
    return { train: trainImages / seconds, input: inputImages / seconds };
  } finally {
    trainer.right.dispose();
    model.dispose();
  }
};

export const runInputBench = async (options: InputBenchOptions): Promise<InputBenchResult> => {
  const { dataset, image } = options;
  const log = options.log ?? (() => undefined);
  const batch = options.batch ?? 32;
  const workers = options.workers ?? defaultWorkerCount();
  const phases = new Set(options.phases ?? INPUT_BENCH_PHASES);
  const result: Record<string, unknown> = {
    images: { train: dataset.splits.train.size, height: image.height, width: image.width, batch },
    workers,
  };
  if (phases.has('decode')) {
    const n = options.decodeImages ?? 512;
    const rates: { mainThread: number; workers?: number } = { mainThread: NaN };
    log(`decode: ${Math.min(n, dataset.splits.train.size)} images on this thread`);
    const direct = createBatchLoader();
    rates.mainThread = await timeLoading(dataset, direct, image, batch, n);
    direct.close();
    if (workers > 0) {
      log(`decode: the same through ${workers} worker thread(s)`);
      const pool = createWorkerPool(workers);
      try {
        await pool.ready;
        rates.workers = await timeLoading(dataset, createBatchLoader({ pool }), image, batch, n, workers);
      } finally {
        await pool.close();
      }
    }
    result.decodeImagesPerSecond = rates;
  }
  let cached: { cache: ImageCache; dir: string; prepareSeconds?: number } | undefined;
  if (phases.has('cache') || phases.has('step') || phases.has('wait')) {
    cached = await ensureCache(dataset, image, options.cacheRoot, workers, log);
    result.cacheDir = cached.dir;
    if (cached.prepareSeconds !== undefined) result.prepareSeconds = cached.prepareSeconds;
    result.cacheVerifySeconds = cached.cache.verifySeconds;
  }
  if (cached !== undefined && (phases.has('cache') || phases.has('step'))) {
    const n = Math.min(options.cacheImages ?? 4096, dataset.splits.train.size);
    const inProcess = createBatchLoader({ cache: cached.cache });
    let pool: WorkerPool | undefined;
    try {
      if (phases.has('cache')) {
        log(`cache: ${n} images through 1 worker thread, then on this thread`);
        pool = createWorkerPool(1);
        await pool.ready;
        result.cacheImagesPerSecond = await timeLoading(dataset, createBatchLoader({ cache: cached.cache, pool }), image, batch, n);
        result.cacheImagesPerSecondMainThread = await timeLoading(dataset, inProcess, image, batch, n);
      }
      if (phases.has('step')) {
        const steps = options.steps ?? 20;
        log(`step: ${steps} training steps of ${options.backbone ?? DEFAULT_BACKBONE} (batch ${batch} + validation batch ${batch})`);
        const rates = await timeSteps(dataset, inProcess, image, batch, steps, options.backbone ?? DEFAULT_BACKBONE);
        result.stepImagesPerSecond = rates.train;
        result.stepInputImagesPerSecond = rates.input;
        if (typeof result.cacheImagesPerSecond === 'number') result.cacheToStepRatio = result.cacheImagesPerSecond / rates.input;
      }
    } finally {
      inProcess.close();
      await pool?.close();
    }
  }
  if (phases.has('wait') && options.train !== undefined) {
    log('wait: a short training run decoding the image files (no cache)');
    const uncached = await options.train({ cache: false });
    if (E.isLeft(uncached)) throw new Error(`input bench: ${uncached.left.message}`);
    result.waitFractionNoCache = uncached.right.waitFraction;
    log('wait: the same run reading the cache');
    const run = await options.train({ cache: options.cacheRoot });
    if (E.isLeft(run)) throw new Error(`input bench: ${run.left.message}`);
    result.waitFraction = run.right.waitFraction;
    result.waitSeconds = run.right.waitSeconds;
    result.trainSeconds = run.right.seconds;
    result.trainIterations = run.right.iterations;
  }
  result.rssMB = mb(process.memoryUsage().rss);
  result.maxRssMB = mb(process.resourceUsage().maxRSS * 1024);
  return result as unknown as InputBenchResult;
};
