/**
 * A pedestrian attribute dataset ready for a training pipeline: every
 * annotated image of a Market-1501 / DukeMTMC-reID root with its label row,
 * and train / val / test (+ query) row indices.
 *
 * - train and val: the images of bounding_box_train, split by identity with
 *   a seeded split of the train identities (`valFraction`, default 0.1), so
 *   no person is in both; the weighting rule's validation batches come from
 *   val.
 * - test: the annotated images of bounding_box_test (junk -1 / 0000
 *   excluded), in file-name order, as the official evaluation orders them.
 * - query: the images of query/ (test identities), kept apart.
 *
 * Same shape as the CelebA dataset value (ids, labels row-major, splits of
 * row indices, labelRows, imagePath), with Float32 labels because colour
 * groups and invalid codes use MISSING_LABEL.
 */
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { seededSplit, type SplitIndices } from './split.js';
import {
  allAttributes,
  imageLabels,
  listPedestrianImages,
  loadPedestrianAttributes,
  type ImageFolder,
  type ImageListing,
  type PedestrianAnnotations,
  type PedestrianError,
  type PedestrianImage,
  type PedestrianSchema,
  type PedestrianTaskOptions,
  type Problem,
} from './pedestrian.js';
import type { TaskSpec } from '../tasks.js';

export interface PedestrianDatasetOptions extends PedestrianTaskOptions {
  /** Fraction of train identities held out for validation (default 0.1; 0 gives an empty val split). */
  readonly valFraction?: number;
  /** Seed of the identity split (default 0). */
  readonly seed?: number;
}

export interface PedestrianDataset {
  readonly schema: PedestrianSchema;
  readonly attributeFile: string;
  readonly root: string;
  readonly tasks: readonly TaskSpec[];
  readonly size: number;
  /** File name per row. */
  readonly ids: readonly string[];
  readonly images: readonly PedestrianImage[];
  /** Row-major [size, tasks.length] labels (src/tasks.ts conventions). */
  readonly labels: Float32Array;
  /** Row indices (ascending) of train / val (both from bounding_box_train, disjoint identities) and test (bounding_box_test). */
  readonly splits: SplitIndices;
  /** Row indices of the query images. */
  readonly query: Int32Array;
  /** Train identities held out for validation. */
  readonly valIdentities: readonly string[];
  /** Annotation and image problems (never silently dropped). */
  readonly problems: readonly Problem[];
  readonly excluded: { readonly junk: number; readonly unannotated: number };
  labelsInto(row: number, out: Float32Array, offset: number): void;
  labelRow(row: number): Float32Array;
  labelRows(rows: ArrayLike<number>, out?: Float32Array): Float32Array;
  imagePath(row: number): string;
  /** Raw file codes of these rows by attribute name (for the official Market-1501 scoring). */
  codes(rows: ArrayLike<number>): Readonly<Record<string, Float64Array>>;
}

/** Assemble the dataset from decoded annotations and an image listing (pure). */
export const buildPedestrianDataset = (
  ann: PedestrianAnnotations,
  listing: ImageListing,
  options: PedestrianDatasetOptions = {},
): PedestrianDataset => {
  const valFraction = options.valFraction ?? 0.1;
  if (!(valFraction >= 0 && valFraction < 1)) throw new RangeError(`valFraction must be in [0, 1), got ${valFraction}`);
  const folders: readonly ImageFolder[] = ['bounding_box_train', 'bounding_box_test', 'query'];
  const parts = folders.map((f) => imageLabels(ann, listing, f, options));
  const tasks = parts[0].tasks;
  const m = tasks.length;
  const images = parts.flatMap((p) => p.images);
  const size = images.length;
  const labels = new Float32Array(size * m);
  const split = new Array<'train' | 'test'>(size);
  const identityRow = new Int32Array(size);
  let at = 0;
  for (const p of parts) {
    labels.set(p.labels, at * m);
    for (let k = 0; k < p.images.length; k++) {
      split[at + k] = p.split;
      identityRow[at + k] = p.identityIndex[k];
    }
    at += p.images.length;
  }
  const trainIds = ann.splits.train.ids;
  const held = seededSplit(trainIds, [1 - valFraction, valFraction, 0], options.seed ?? 0).val;
  const valIdentities = new Set(Array.from(held, (i) => trainIds[i]));
  const rows = (from: number, count: number, keep: (row: number) => boolean): Int32Array =>
    Int32Array.from({ length: count }, (_, k) => from + k).filter(keep);
  const nTrain = parts[0].images.length;
  const nTest = parts[1].images.length;
  const nQuery = parts[2].images.length;
  const splits: SplitIndices = {
    train: rows(0, nTrain, (r) => !valIdentities.has(images[r].id)),
    val: rows(0, nTrain, (r) => valIdentities.has(images[r].id)),
    test: rows(nTrain, nTest, () => true),
  };
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const p of parts.flatMap((x) => x.problems)) {
    const key = `${p.kind}|${p.split}|${p.subject}`;
    if (!seen.has(key)) problems.push(p);
    seen.add(key);
  }
  const labelsInto = (row: number, out: Float32Array, offset: number): void => {
    out.set(labels.subarray(row * m, (row + 1) * m), offset);
  };
  return {
    schema: ann.schema,
    attributeFile: ann.file,
    root: listing.root,
    tasks,
    size,
    ids: images.map((i) => i.name),
    images,
    labels,
    splits,
    query: rows(nTrain + nTest, nQuery, () => true),
    valIdentities: [...valIdentities].sort(),
    problems,
    excluded: {
      junk: parts.reduce((n, p) => n + p.excluded.junk, 0),
      unannotated: parts.reduce((n, p) => n + p.excluded.unannotated.length, 0),
    },
    labelsInto,
    labelRow: (row) => labels.slice(row * m, (row + 1) * m),
    labelRows: (rs, out) => {
      const dest = out ?? new Float32Array(rs.length * m);
      for (let k = 0; k < rs.length; k++) labelsInto(rs[k], dest, k * m);
      return dest;
    },
    imagePath: (row) => images[row].path,
    codes: (rs) => {
      const out: Record<string, Float64Array> = {};
      for (const def of allAttributes(ann.schema)) {
        const trainCodes = ann.splits.train.codes.get(def.name) as Float64Array;
        const testCodes = ann.splits.test.codes.get(def.name) as Float64Array;
        out[def.name] = Float64Array.from(rs, (r) => (split[r] === 'train' ? trainCodes : testCodes)[identityRow[r]]);
      }
      return out;
    },
  };
};

/**
 * Read the attribute file and list the image root, then build the dataset.
 *
 * @example
 *   const ds = await loadPedestrianDataset(MARKET_SCHEMA, 'market_attribute.mat', 'Market-1501-v15.09.15', { colours: 'groups' })();
 */
export const loadPedestrianDataset =
  (
    schema: PedestrianSchema,
    attributeFile: string,
    root: string,
    options: PedestrianDatasetOptions = {},
  ): TE.TaskEither<PedestrianError, PedestrianDataset> =>
  async () => {
    const ann = await loadPedestrianAttributes(schema, attributeFile)();
    if (E.isLeft(ann)) return ann;
    const listing = await listPedestrianImages(root)();
    if (E.isLeft(listing)) return listing;
    return E.right(buildPedestrianDataset(ann.right, listing.right, options));
  };
