/**
 * Errors and warnings of the CelebA readers: tagged readonly unions whose
 * `message` names the file and the 1-based line (or the folder), ready for the
 * CLI to print as is.
 */
import type { SplitError } from '../split.js';

export type CelebaError =
  /** A required file or folder is absent. */
  | { readonly _tag: 'FileNotFound'; readonly file: string; readonly message: string }
  /** The file exists but could not be read (permissions, I/O). */
  | { readonly _tag: 'ReadError'; readonly file: string; readonly message: string }
  /** Line 1 (image count) or line 2 (attribute names) of the .txt, or the CSV header, is wrong. */
  | { readonly _tag: 'BadHeader'; readonly file: string; readonly line: number; readonly message: string }
  /** A data row of the attribute file: wrong number of values, a value other than +-1, no id. */
  | { readonly _tag: 'BadRow'; readonly file: string; readonly line: number; readonly message: string }
  /** An image id listed twice in one file. */
  | {
      readonly _tag: 'DuplicateId';
      readonly file: string;
      readonly line: number;
      readonly firstLine: number;
      readonly id: string;
      readonly message: string;
    }
  /** A row of the partition file: wrong number of values or a partition other than 0, 1, 2. */
  | { readonly _tag: 'BadPartition'; readonly file: string; readonly line: number; readonly message: string }
  /** Partition ids with no annotation row (the first one's line, and how many). */
  | {
      readonly _tag: 'UnannotatedPartitionId';
      readonly file: string;
      readonly line: number;
      readonly id: string;
      readonly count: number;
      readonly message: string;
    }
  /** Annotation rows with no partition entry (the first one's line, and how many). */
  | {
      readonly _tag: 'UnpartitionedRow';
      readonly file: string;
      readonly line: number;
      readonly id: string;
      readonly count: number;
      readonly message: string;
    }
  /** Rows whose image file is absent from the image folder. */
  | {
      readonly _tag: 'MissingImages';
      readonly dir: string;
      readonly count: number;
      readonly first: readonly string[];
      readonly message: string;
    }
  /** No rows left (empty file, or no row with a present image). */
  | { readonly _tag: 'EmptyDataset'; readonly file: string; readonly message: string }
  | SplitError;

export type CelebaWarning =
  /** Line 1 of list_attr_celeba.txt disagrees with the number of rows (e.g. a truncated file). */
  | {
      readonly _tag: 'HeaderCountMismatch';
      readonly file: string;
      readonly line: 1;
      readonly declared: number;
      readonly actual: number;
      readonly message: string;
    }
  /** onlyPresentImages dropped rows whose image is absent. */
  | { readonly _tag: 'DroppedMissingImages'; readonly dir: string; readonly count: number; readonly message: string }
  /** A seeded split was requested although a partition file exists; the file is ignored. */
  | { readonly _tag: 'SplitOverridesPartition'; readonly file: string; readonly message: string }
  /** A seeded split without identity_CelebA.txt: by image, so one person can be in two splits. */
  | { readonly _tag: 'SplitByImage'; readonly dir: string; readonly message: string };

/** `file line N: what` — the one format of every row-level message. */
export const at = (file: string, line: number, what: string): string => `${file} line ${line}: ${what}`;

/** An image id listed a second time (attribute or partition file). */
export const duplicateId = (file: string, line: number, firstLine: number, id: string): CelebaError => ({
  _tag: 'DuplicateId',
  file,
  line,
  firstLine,
  id,
  message: at(file, line, `image id ${id} is listed twice (first on line ${firstLine})`),
});

/** 1234567 -> "1,234,567" (stable, locale-independent). */
export const thousands = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
