/**
 * The batch sources of a run: the batch of iteration t is a pure function of
 * (seed, t) (src/data/sampler), so it can be made ahead of time, in any order,
 * or again after a resume. This is the seam where the fast input path plugs
 * in: a {@link BatchLoader} reading the preprocessed cache and/or decoding in
 * worker threads (src/data/workers), and a bounded read-ahead per stream.
 *
 * Read-ahead: asking for batch t starts t and, while fewer than `prefetch`
 * batches of that stream are being made, t+1 .. t+prefetch-1, so the workers
 * keep going during the training step; at most `prefetch` batches per stream
 * are in flight or waiting, and memory stays flat. The bytes do not depend
 * on the worker count or on timing.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { AttributeDataset, SplitView } from '../src/data/attributeDataset.js';
import type { Batch } from '../src/data/batch.js';
import type { LoadBatchOptions, LoadedBatch } from '../src/data/batchLoader.js';
import type { ImageError, ImageOptions } from '../src/data/images.js';
import { epochSampler, flipMask, type ValDraw, valSampler } from '../src/data/sampler.js';
import { type InputSettings, type OpenedInput, openInput } from '../src/data/workers/input.js';
import { type BatchLoader, createBatchLoader } from '../src/data/workers/loader.js';

export interface BatchSourceSettings {
  readonly image: ImageOptions;
  readonly batchSize: number;
  readonly valBatchSize: number;
  readonly valDraw: ValDraw;
  readonly seed: number;
  readonly flip: boolean;
  readonly skipBadImages: boolean;
  /** Batches per stream made at once (the one asked for included); default 4. */
  readonly prefetch?: number;
  /** Last iteration that will be asked for: no read-ahead past it. */
  readonly iterations?: number;
}

export interface BatchSources {
  /** The train batch of iteration t (shuffled epochs, seeded flips). */
  train(iteration: number): Promise<Batch>;
  /** The validation batch of iteration t. */
  val(iteration: number): Promise<Batch>;
  /** Iterations per pass over the train split. */
  readonly batchesPerEpoch: number;
  /** The loader the batches come through (for evaluations between steps). */
  readonly loader: BatchLoader;
  /** Where images come from (one line, for the run's log). */
  readonly description: string;
  /** Stops the read-ahead, waits for the batches in flight, and closes what was opened for these sources. */
  close(): Promise<void>;
}

/** A batch that could not be made: the message names the image file. */
export class BatchFailure extends Error {}

/**
 * A bounded read-ahead over a pure function of t: `get(t)` returns make(t),
 * started earlier if it was read ahead, and starts t+1 .. t+window-1 (not past
 * `last`) while fewer than `window` are in flight. `inFlight` counts the
 * results started and not yet settled; `held` those kept for later asks.
 */
export const readAhead = <T>(make: (t: number) => Promise<T>, window: number, last = Infinity) => {
  const held = new Map<number, Promise<T>>();
  const running = new Set<Promise<unknown>>();
  const start = (t: number): Promise<T> => {
    const p = make(t);
    // Registered before any caller's reaction, so the count drops before the caller hears of p.
    const settled: Promise<unknown> = p.then(
      () => running.delete(settled),
      () => running.delete(settled),
    );
    running.add(settled);
    return p;
  };
  return {
    get: (t: number): Promise<T> => {
      const p = held.get(t) ?? start(t);
      held.delete(t);
      for (const k of [...held.keys()]) if (k < t) held.delete(k);
      for (let a = t + 1; a < t + window && a <= last && running.size < window; a++) {
        if (!held.has(a)) {
          const ahead = start(a);
          ahead.catch(() => undefined); // reported when asked for
          held.set(a, ahead);
        }
      }
      return p;
    },
    get inFlight() {
      return running.size;
    },
    get held() {
      return held.size;
    },
    /** Forgets what was read ahead and waits for everything in flight. */
    drain: async (): Promise<void> => {
      held.clear();
      await Promise.all([...running]);
    },
  };
};

/** Batch sources over a loader (default: decoding on this thread, no cache: the plain path). */
export const createBatchSources = (
  dataset: AttributeDataset,
  settings: BatchSourceSettings,
  onSkip: (error: ImageError) => void,
  loader: BatchLoader = createBatchLoader(),
  description = 'input: decoding image files on the main thread',
): BatchSources => {
  const m = dataset.tasks.length;
  const trainSampler = epochSampler(dataset.splits.train.size, settings.batchSize, settings.seed);
  const valSamp = valSampler(dataset.splits.val.size, settings.valBatchSize, settings.seed, settings.valDraw);
  const window = Math.max(1, Math.floor(settings.prefetch ?? 4));
  const last = settings.iterations ?? Infinity;
  const make = async (split: SplitView, indices: Int32Array, opts: LoadBatchOptions): Promise<LoadedBatch> => {
    let loaded;
    try {
      loaded = await loader.loadBatch(split, indices, m, opts);
    } catch (error) {
      throw new BatchFailure(error instanceof Error ? error.message : String(error));
    }
    if (E.isLeft(loaded)) throw new BatchFailure(loaded.left.message);
    return loaded.right;
  };
  const train = readAhead(
    (t) => {
      const indices = trainSampler.indices(t);
      const flips = settings.flip ? flipMask(settings.seed, t, indices.length) : undefined;
      return make(dataset.splits.train, indices, { image: settings.image, flips, skipBadImages: settings.skipBadImages });
    },
    window,
    last,
  );
  const val = readAhead(
    (t) => make(dataset.splits.val, valSamp.indices(t), { image: settings.image, skipBadImages: settings.skipBadImages }),
    window,
    last,
  );
  // Skips are reported when a batch is handed out, so read-ahead past the end counts nothing.
  const handOut = (loaded: LoadedBatch): Batch => {
    loaded.skipped.forEach(onSkip);
    return loaded.batch;
  };
  return {
    batchesPerEpoch: trainSampler.batchesPerEpoch,
    loader,
    description,
    train: (t) => train.get(t).then(handOut),
    val: (t) => val.get(t).then(handOut),
    close: async () => {
      await Promise.all([train.drain(), val.drain()]);
    },
  };
};

/**
 * Opens the input path (cache if valid, worker pool; see
 * src/data/workers/input.ts) and batch sources over it; closing the sources
 * closes it.
 */
export const openBatchSources = async (
  dataset: AttributeDataset,
  settings: BatchSourceSettings,
  onSkip: (error: ImageError) => void,
  options: { readonly input?: InputSettings; readonly log?: (message: string) => void } = {},
): Promise<BatchSources & { readonly input: OpenedInput }> => {
  const input = await openInput(dataset, settings.image, { settings: options.input, log: options.log });
  const sources = createBatchSources(dataset, settings, onSkip, input.loader, input.description);
  return {
    ...sources,
    input,
    close: async () => {
      await sources.close();
      await input.close();
    },
  };
};
