/**
 * Which samples make the batch of iteration t, as a pure function of
 * (seed, t): counter-based, so prefetching, worker threads and resuming from
 * a checkpoint cannot change the order. Indices refer to a split's sample list.
 */
import { deriveSeed, Rng, streamTag } from '../random.js';

export interface BatchSampler {
  /** Number of samples in the split. */
  readonly size: number;
  readonly batchSize: number;
  /** Iterations that make one pass over the split (for epoch-based budgets and logs). */
  readonly batchesPerEpoch: number;
  /** Sample indices of iteration t's batch (t counted from 1). */
  indices(iteration: number): Int32Array;
  /** Epoch (counted from 0) that iteration t belongs to. */
  epochOf(iteration: number): number;
}

const checkArgs = (size: number, batchSize: number): void => {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`sampler: the split has no samples (${size})`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`sampler: bad batch size ${batchSize}`);
};

/**
 * Shuffled epochs: each epoch is a fresh seeded permutation, cut into batches;
 * the last batch of an epoch may be smaller (nothing is dropped).
 */
export const epochSampler = (size: number, batchSize: number, seed: number, stream = 'train'): BatchSampler => {
  checkArgs(size, batchSize);
  const batchesPerEpoch = Math.ceil(size / batchSize);
  const tag = streamTag(stream);
  let cachedEpoch = -1;
  let permutation: Int32Array = new Int32Array(0);
  const epochOf = (iteration: number): number => Math.floor((iteration - 1) / batchesPerEpoch);
  return {
    size,
    batchSize,
    batchesPerEpoch,
    epochOf,
    indices: (iteration) => {
      if (!Number.isInteger(iteration) || iteration < 1) throw new RangeError(`sampler: bad iteration ${iteration}`);
      const epoch = epochOf(iteration);
      if (epoch !== cachedEpoch) {
        permutation = Rng.fromSeed(deriveSeed(seed, tag, epoch)).permutation(size);
        cachedEpoch = epoch;
      }
      const start = ((iteration - 1) % batchesPerEpoch) * batchSize;
      return permutation.slice(start, Math.min(start + batchSize, size));
    },
  };
};

/** Uniform draws with replacement, a fresh batch every iteration (the Caffe reference's validation draws). */
export const replacementSampler = (size: number, batchSize: number, seed: number, stream = 'val'): BatchSampler => {
  checkArgs(size, batchSize);
  const tag = streamTag(stream);
  return {
    size,
    batchSize,
    batchesPerEpoch: Math.ceil(size / batchSize),
    epochOf: (iteration) => Math.floor(((iteration - 1) * batchSize) / size),
    indices: (iteration) => {
      const rng = Rng.fromSeed(deriveSeed(seed, tag, iteration));
      const out = new Int32Array(batchSize);
      for (let i = 0; i < batchSize; i++) out[i] = rng.int(size);
      return out;
    },
  };
};

export type ValDraw = 'replacement' | 'reshuffle';

/** The validation sampler: with replacement (Caffe reference) or a reshuffled stream of epochs (PyTorch port). */
export const valSampler = (size: number, batchSize: number, seed: number, draw: ValDraw): BatchSampler =>
  draw === 'replacement' ? replacementSampler(size, batchSize, seed, 'val') : epochSampler(size, batchSize, seed, 'val');

/** Horizontal-flip decisions (probability 1/2) for the batch of iteration t. */
export const flipMask = (seed: number, iteration: number, batchSize: number): Uint8Array => {
  const rng = Rng.fromSeed(deriveSeed(seed, streamTag('flip'), iteration));
  const out = new Uint8Array(batchSize);
  for (let i = 0; i < batchSize; i++) out[i] = rng.next() < 0.5 ? 1 : 0;
  return out;
};
