/**
 * The batch sources of a run: the batch of iteration t is a pure function of
 * (seed, t) (src/data/sampler), so it can be made ahead of time, in any order,
 * or again after a resume. This is the seam where faster input paths plug in
 * (a preprocessed cache, decoding in worker threads).
 */
import * as E from 'fp-ts/Either';
import type { AttributeDataset, SplitView } from '../src/data/attributeDataset.js';
import type { Batch } from '../src/data/batch.js';
import { type LoadBatchOptions, loadBatch } from '../src/data/batchLoader.js';
import type { ImageError, ImageOptions } from '../src/data/images.js';
import { epochSampler, flipMask, type ValDraw, valSampler } from '../src/data/sampler.js';

export interface BatchSourceSettings {
  readonly image: ImageOptions;
  readonly batchSize: number;
  readonly valBatchSize: number;
  readonly valDraw: ValDraw;
  readonly seed: number;
  readonly flip: boolean;
  readonly skipBadImages: boolean;
}

export interface BatchSources {
  /** The train batch of iteration t (shuffled epochs, seeded flips). */
  train(iteration: number): Promise<Batch>;
  /** The validation batch of iteration t. */
  val(iteration: number): Promise<Batch>;
  /** Iterations per pass over the train split. */
  readonly batchesPerEpoch: number;
  close(): Promise<void>;
}

/** A batch that could not be made: the message names the image file. */
export class BatchFailure extends Error {}

export const createBatchSources = (
  dataset: AttributeDataset,
  settings: BatchSourceSettings,
  onSkip: (error: ImageError) => void,
): BatchSources => {
  const m = dataset.tasks.length;
  const trainSampler = epochSampler(dataset.splits.train.size, settings.batchSize, settings.seed);
  const valSamp = valSampler(dataset.splits.val.size, settings.valBatchSize, settings.seed, settings.valDraw);
  const make = async (split: SplitView, indices: Int32Array, opts: LoadBatchOptions): Promise<Batch> => {
    const loaded = await loadBatch(split, indices, m, opts);
    if (E.isLeft(loaded)) throw new BatchFailure(loaded.left.message);
    loaded.right.skipped.forEach(onSkip);
    return loaded.right.batch;
  };
  return {
    batchesPerEpoch: trainSampler.batchesPerEpoch,
    train: (t) => {
      const indices = trainSampler.indices(t);
      const flips = settings.flip ? flipMask(settings.seed, t, indices.length) : undefined;
      return make(dataset.splits.train, indices, { image: settings.image, flips, skipBadImages: settings.skipBadImages });
    },
    val: (t) => make(dataset.splits.val, valSamp.indices(t), { image: settings.image, skipBadImages: settings.skipBadImages }),
    close: async () => undefined,
  };
};
