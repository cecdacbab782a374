/**
 * The one dataset shape the training pipelines consume, whatever the source
 * (CelebA, Market-1501, DukeMTMC): tasks, three splits of (image, labels)
 * samples, and what the reader found worth telling the user.
 */
import type { TaskSpec } from '../tasks.js';
import type { ImageOptions } from './images.js';

export type SplitName = 'train' | 'val' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'val', 'test'];

export interface SplitView {
  readonly size: number;
  /** Absolute or dataset-relative path of sample i's image. */
  imagePath(i: number): string;
  /** Sample i's identifier (file name). */
  id(i: number): string;
  /** Writes sample i's labels (one per task, src/tasks.ts conventions) at out[offset..]. */
  labelsInto(i: number, out: Float32Array, offset: number): void;
}

export interface AttributeDataset {
  /** Pipeline name: 'celeba', 'market1501', 'duke'. */
  readonly name: string;
  readonly tasks: readonly TaskSpec[];
  readonly splits: Readonly<Record<SplitName, SplitView>>;
  /** Image preprocessing this dataset is trained with by default (size, crop, normalisation). */
  readonly imageDefaults: ImageOptions;
  /** Non-fatal findings (truncated header, dropped rows, quirks), one line each. */
  readonly warnings: readonly string[];
  /** Counts worth reporting (rows dropped, images skipped, ...). */
  readonly facts: Readonly<Record<string, number | string>>;
}

/** A split over rows of a larger table: sample i is row rows[i]. */
export const rowSplit = (
  rows: ArrayLike<number>,
  table: {
    imagePath(row: number): string;
    id(row: number): string;
    labelsInto(row: number, out: Float32Array, offset: number): void;
  },
): SplitView => ({
  size: rows.length,
  imagePath: (i) => table.imagePath(rows[i]),
  id: (i) => table.id(rows[i]),
  labelsInto: (i, out, offset) => table.labelsInto(rows[i], out, offset),
});
