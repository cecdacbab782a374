/**
 * A CelebA dataset value assembled from parsed tables (pure, no I/O): joins the
 * attribute rows with a partition file or a seeded split, restricts the rows to
 * present images when asked, and exposes labels as Float32 0/1 rows.
 */
import * as E from 'fp-ts/lib/Either.js';
import { join } from 'node:path';
import { type BinaryTask, binaryTask } from '../../tasks.js';
import { type PartitionSource, type SplitIndices, seededSplit, splitFromCodes } from '../split.js';
import type { AttributeTable } from './attributes.js';
import { type CelebaError, type CelebaWarning, at, thousands } from './errors.js';
import type { PartitionTable } from './partition.js';

export interface CelebaDataset {
  /** The attribute file the rows come from. */
  readonly attributeFile: string;
  /** Folder of the images (imagePath(row) = imageDir/ids[row]). */
  readonly imageDir: string;
  readonly attributeNames: readonly string[];
  /** One binary task per attribute, in attribute order. */
  readonly tasks: readonly BinaryTask[];
  /** Number of rows. */
  readonly size: number;
  /** Image file name per row. */
  readonly ids: readonly string[];
  /** Row-major [size, attributes] 0/1 labels. */
  readonly labels: Uint8Array;
  /** Row indices of each split, ascending. */
  readonly splits: SplitIndices;
  readonly splitSource: PartitionSource;
  /** A seeded split's unit: 'identity' (identity_CelebA.txt: no person in two splits) or 'image'; undefined with a partition file. */
  readonly splitBy?: 'identity' | 'image';
  /** Identities per split (when split by identity). */
  readonly identities?: Readonly<Record<'train' | 'val' | 'test', number>>;
  /** Non-fatal findings for the CLI to print (header count, dropped rows, ignored partition file). */
  readonly warnings: readonly CelebaWarning[];
  readonly dropped: { readonly missingImages: number };
  /** Writes row `row`'s labels as 0/1 floats at out[offset .. offset + attributes). */
  labelsInto(row: number, out: Float32Array, offset: number): void;
  /** Row `row`'s labels as a new Float32Array of 0/1. */
  labelRow(row: number): Float32Array;
  /** Labels of several rows, row-major [rows.length, attributes], into `out` (allocated if absent). */
  labelRows(rows: ArrayLike<number>, out?: Float32Array): Float32Array;
  imagePath(row: number): string;
}

export interface BuildCelebaOptions {
  readonly attributes: AttributeTable;
  /** The parsed partition file when the source is a file. */
  readonly partition?: PartitionTable | undefined;
  readonly source: PartitionSource;
  readonly imageDir: string;
  /** Names of the files in imageDir (one readdir); undefined skips the image check. */
  readonly presentImages?: ReadonlySet<string> | undefined;
  /** Keep only rows whose image is present (default false: absent images are an error). */
  readonly onlyPresentImages?: boolean | undefined;
  /** Warnings gathered before (e.g. an ignored partition file). */
  readonly warnings?: readonly CelebaWarning[] | undefined;
  /** Image -> person (identity_CelebA.txt): a seeded split then keeps each person in one split. */
  readonly identities?: ReadonlyMap<string, string> | undefined;
}

/** How many missing images a message names. */
export const MISSING_SHOWN = 5;

const joinPartition = (attributes: AttributeTable, partition: PartitionTable): E.Either<CelebaError, Uint8Array> => {
  const codes = new Uint8Array(attributes.ids.length).fill(255);
  let unannotated = 0;
  let first = -1;
  for (let i = 0; i < partition.ids.length; i++) {
    const row = attributes.index.get(partition.ids[i]);
    if (row === undefined) {
      if (unannotated++ === 0) first = i;
    } else {
      codes[row] = partition.codes[i];
    }
  }
  if (unannotated > 0) {
    const id = partition.ids[first];
    const more = unannotated > 1 ? ` (nor do ${thousands(unannotated - 1)} more ids of this file)` : '';
    return E.left({
      _tag: 'UnannotatedPartitionId',
      file: partition.file,
      line: partition.lines[first],
      id,
      count: unannotated,
      message: at(partition.file, partition.lines[first], `${id} has no row in ${attributes.file}${more}`),
    });
  }
  let unpartitioned = 0;
  let firstRow = -1;
  for (let r = 0; r < codes.length; r++) {
    if (codes[r] === 255 && unpartitioned++ === 0) firstRow = r;
  }
  if (unpartitioned > 0) {
    const id = attributes.ids[firstRow];
    const line = attributes.lines[firstRow];
    const more = unpartitioned > 1 ? ` (nor do ${thousands(unpartitioned - 1)} more rows)` : '';
    return E.left({
      _tag: 'UnpartitionedRow',
      file: attributes.file,
      line,
      id,
      count: unpartitioned,
      message: at(attributes.file, line, `${id} has no entry in ${partition.file}${more}`),
    });
  }
  return E.right(codes);
};

/** Assembles the dataset; see {@link CelebaDataset}. */
export const buildCelebaDataset = (options: BuildCelebaOptions): E.Either<CelebaError, CelebaDataset> => {
  const { attributes, source, imageDir } = options;
  const warnings: CelebaWarning[] = [...attributes.warnings, ...(options.warnings ?? [])];
  let codes: Uint8Array | undefined;
  if (source.kind === 'file') {
    if (options.partition === undefined) throw new Error('buildCelebaDataset: a file source needs the parsed partition');
    const joined = joinPartition(attributes, options.partition);
    if (E.isLeft(joined)) return joined;
    codes = joined.right;
  }

  const k = attributes.names.length;
  const total = attributes.ids.length;
  let keep: Int32Array | null = null;
  let missing = 0;
  if (options.presentImages !== undefined) {
    const present = options.presentImages;
    const kept: number[] = [];
    const firstMissing: string[] = [];
    for (let r = 0; r < total; r++) {
      if (present.has(attributes.ids[r])) kept.push(r);
      else if (missing++ < MISSING_SHOWN) firstMissing.push(attributes.ids[r]);
    }
    if (missing > 0) {
      if (!options.onlyPresentImages) {
        const more = missing > firstMissing.length ? ` and ${thousands(missing - firstMissing.length)} more` : '';
        return E.left({
          _tag: 'MissingImages',
          dir: imageDir,
          count: missing,
          first: firstMissing,
          message:
            `${thousands(missing)} of the ${thousands(total)} images listed in ${attributes.file} are missing from ` +
            `${imageDir}: ${firstMissing.join(', ')}${more} (pass onlyPresentImages / --only-present-images ` +
            `to use the ${thousands(kept.length)} present ones)`,
        });
      }
      warnings.push({
        _tag: 'DroppedMissingImages',
        dir: imageDir,
        count: missing,
        message: `dropped ${thousands(missing)} of the ${thousands(total)} rows of ${attributes.file}: their images are not in ${imageDir}`,
      });
      keep = Int32Array.from(kept);
    }
  }

  let ids = attributes.ids;
  let labels = attributes.labels;
  if (keep !== null) {
    const n = keep.length;
    const keptIds: string[] = new Array(n);
    const keptLabels = new Uint8Array(n * k);
    const keptCodes = codes === undefined ? undefined : new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const r = keep[i];
      keptIds[i] = attributes.ids[r];
      keptLabels.set(attributes.labels.subarray(r * k, r * k + k), i * k);
      if (keptCodes !== undefined && codes !== undefined) keptCodes[i] = codes[r];
    }
    ids = keptIds;
    labels = keptLabels;
    codes = keptCodes;
  }
  const size = ids.length;
  if (size === 0) {
    return E.left({
      _tag: 'EmptyDataset',
      file: attributes.file,
      message:
        total === 0
          ? `${attributes.file} has no rows`
          : `none of the ${thousands(total)} images listed in ${attributes.file} is in ${imageDir}`,
    });
  }
  let splits: SplitIndices;
  let identityCounts: Record<'train' | 'val' | 'test', number> | undefined;
  const identities = options.identities;
  if (source.kind === 'seeded' && identities !== undefined) {
    // Split the persons, then each image follows its person (an image the file does not list is its own person).
    const person = ids.map((id) => identities.get(id) ?? `image:${id}`);
    const distinct = [...new Set(person)];
    const byPerson = seededSplit(distinct, source.fractions, source.seed);
    const where = new Map<string, 0 | 1 | 2>();
    ([byPerson.train, byPerson.val, byPerson.test] as const).forEach((rows, s) => rows.forEach((r) => where.set(distinct[r], s as 0 | 1 | 2)));
    splits = splitFromCodes(Uint8Array.from(person, (p) => where.get(p) as number));
    identityCounts = { train: byPerson.train.length, val: byPerson.val.length, test: byPerson.test.length };
  } else if (source.kind === 'seeded') splits = seededSplit(ids, source.fractions, source.seed);
  else if (codes !== undefined) splits = splitFromCodes(codes);
  else throw new Error('buildCelebaDataset: no partition codes');

  const labelsInto = (row: number, out: Float32Array, offset: number): void => {
    if (!(row >= 0 && row < size)) throw new RangeError(`CelebA row ${row} out of range [0, ${size})`);
    const base = row * k;
    for (let j = 0; j < k; j++) out[offset + j] = labels[base + j];
  };
  return E.right({
    attributeFile: attributes.file,
    imageDir,
    attributeNames: attributes.names,
    tasks: attributes.names.map((name) => binaryTask(name)),
    size,
    ids,
    labels,
    splits,
    splitSource: source,
    ...(source.kind === 'seeded' ? { splitBy: identities === undefined ? ('image' as const) : ('identity' as const) } : {}),
    ...(identityCounts === undefined ? {} : { identities: identityCounts }),
    warnings,
    dropped: { missingImages: keep === null ? 0 : missing },
    labelsInto,
    labelRow: (row) => {
      const out = new Float32Array(k);
      labelsInto(row, out, 0);
      return out;
    },
    labelRows: (rows, out) => {
      const target = out ?? new Float32Array(rows.length * k);
      if (target.length < rows.length * k) throw new RangeError(`labelRows: output holds ${target.length} values, needs ${rows.length * k}`);
      for (let i = 0; i < rows.length; i++) labelsInto(rows[i], target, i * k);
      return target;
    },
    imagePath: (row) => join(imageDir, ids[row]),
  });
};
