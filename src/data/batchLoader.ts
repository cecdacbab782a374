/**
 * Assembles a Batch (plain Float32Arrays) from a split and sample indices:
 * decoded, cropped, resized, optionally flipped and normalised images, and
 * the matching label rows. Bad images are an error naming the file, or, when
 * asked, skipped and reported, never dropped silently.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Batch } from './batch.js';
import type { SplitView } from './attributeDataset.js';
import { type ImageError, type ImageOptions, loadImagesInto } from './images.js';

export interface LoadBatchOptions {
  readonly image: ImageOptions;
  /** Mirror sample i of the batch when flips[i] is 1. */
  readonly flips?: ArrayLike<number>;
  /** Skip unreadable images (reported in `skipped`) instead of failing. */
  readonly skipBadImages?: boolean;
}

export interface LoadedBatch {
  readonly batch: Batch;
  /** Position in `indices` of each batch row (identity unless images were skipped). */
  readonly slots: Int32Array;
  /** Images skipped (only with skipBadImages). */
  readonly skipped: readonly ImageError[];
}

export type BatchError = ImageError | { readonly _tag: 'EmptyBatch'; readonly message: string };

export const loadBatch = async (
  split: SplitView,
  indices: ArrayLike<number>,
  tasks: number,
  options: LoadBatchOptions,
): Promise<E.Either<BatchError, LoadedBatch>> => {
  const { height, width } = options.image;
  const n = indices.length;
  const paths = Array.from({ length: n }, (_, i) => split.imagePath(indices[i]));
  const images = new Float32Array(n * height * width * 3);
  const flips = options.flips === undefined ? undefined : Array.from({ length: n }, (_, i) => options.flips?.[i] === 1);
  const loaded = await loadImagesInto(paths, images, {
    height,
    width,
    crop: options.image.crop,
    normalisation: options.image.normalisation,
    skipBadImages: options.skipBadImages,
    flips,
  });
  if (E.isLeft(loaded)) return loaded;
  return assembleBatch(split, indices, loaded.right.indices, images, loaded.right.skipped, { height, width, tasks });
};

/**
 * The batch of the good images: `images` holds them packed in slot order
 * (slot s is input index slots[s]); labels and ids are picked by the same
 * slots. No good image at all is an EmptyBatch error.
 */
export const assembleBatch = (
  split: SplitView,
  indices: ArrayLike<number>,
  slots: Int32Array,
  images: Float32Array,
  skipped: readonly ImageError[],
  shape: { readonly height: number; readonly width: number; readonly tasks: number },
): E.Either<BatchError, LoadedBatch> => {
  const { height, width, tasks } = shape;
  const n = indices.length;
  const count = slots.length;
  if (count === 0) {
    return E.left({ _tag: 'EmptyBatch', message: `every image of a batch of ${n} was unreadable (first: ${skipped[0]?.message ?? '?'})` });
  }
  const labels = new Float32Array(count * tasks);
  const ids: string[] = [];
  for (let s = 0; s < count; s++) {
    const sample = indices[slots[s]];
    split.labelsInto(sample, labels, s * tasks);
    ids.push(split.id(sample));
  }
  const batch: Batch = {
    images: count === n ? images : images.slice(0, count * height * width * 3),
    labels,
    size: count,
    height,
    width,
    channels: 3,
    tasks,
    ids,
  };
  return E.right({ batch, slots, skipped });
};
