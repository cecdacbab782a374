/**
 * Train / validation / test splits.
 *
 * A dataset either ships its own partition (CelebA's list_eval_partition.txt)
 * or gets a seeded split by id from three fractions such as 0.8,0.1,0.1.
 *
 * The seeded split ranks every id by a seeded 52-bit hash of (seed, id) and
 * cuts the ranking at exact counts (largest-remainder rounding of n * fraction).
 * So it is
 * - deterministic for a seed,
 * - independent of the order of the rows (only the set of ids matters),
 * - nearly stable under subsetting: dropping rows never moves an id from one
 *   split to another except at the two cut points.
 *
 * Pure module: no I/O. {@link resolvePartitionSource} takes the partition file
 * the caller found (or not) and returns the error the CLI prints when there is
 * neither a file nor a split.
 */
import * as E from 'fp-ts/lib/Either.js';

export type SplitName = 'train' | 'val' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'val', 'test'];

/** Fractions of the rows for train, val and test: non-negative, summing to 1 (within 1e-6). */
export type SplitFractions = readonly [number, number, number];

/** Row indices (into the dataset's rows) of each split, ascending. */
export type SplitIndices = Readonly<Record<SplitName, Int32Array>>;

export type SplitError =
  | { readonly _tag: 'BadSplit'; readonly input: string; readonly message: string }
  | { readonly _tag: 'NoPartition'; readonly dir: string; readonly message: string };

/** Where a dataset's split comes from. */
export type PartitionSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'seeded'; readonly fractions: SplitFractions; readonly seed: number };

export const SPLIT_SUM_TOLERANCE = 1e-6;

const badSplit = (input: string, why: string): SplitError => ({
  _tag: 'BadSplit',
  input,
  message: `bad split '${input}': ${why}`,
});

const checkFractions = (fractions: readonly number[], input: string): E.Either<SplitError, SplitFractions> => {
  if (fractions.length !== 3) {
    return E.left(badSplit(input, `expected three fractions train,val,test, got ${fractions.length}`));
  }
  for (let i = 0; i < 3; i++) {
    const f = fractions[i];
    if (!Number.isFinite(f) || f < 0) {
      return E.left(badSplit(input, `the ${SPLIT_NAMES[i]} fraction ${f} is not a non-negative number`));
    }
  }
  const sum = fractions[0] + fractions[1] + fractions[2];
  if (Math.abs(sum - 1) > SPLIT_SUM_TOLERANCE) {
    return E.left(badSplit(input, `the fractions sum to ${sum}, not 1`));
  }
  return E.right([fractions[0], fractions[1], fractions[2]]);
};

/** Checks three fractions: finite, non-negative, summing to 1 within {@link SPLIT_SUM_TOLERANCE}. */
export const validateSplitFractions = (fractions: readonly number[]): E.Either<SplitError, SplitFractions> =>
  checkFractions(fractions, fractions.join(','));

/** Parses `0.8,0.1,0.1` (commas, optional spaces) into validated fractions. */
export const parseSplitFractions = (text: string): E.Either<SplitError, SplitFractions> => {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 3) {
    return E.left(badSplit(text, `expected three comma-separated fractions train,val,test, got ${parts.length}`));
  }
  for (let i = 0; i < 3; i++) {
    if (!/^[+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(parts[i])) {
      return E.left(badSplit(text, `the ${SPLIT_NAMES[i]} fraction '${parts[i]}' is not a non-negative number`));
    }
  }
  return checkFractions(parts.map(Number), text);
};

/**
 * Rows per split for n rows: floor(n * f) each, the remainder given to the
 * largest fractional parts (ties in the order train, val, test). Sums to n.
 */
export const splitCounts = (n: number, fractions: SplitFractions): readonly [number, number, number] => {
  const exact = fractions.map((f) => n * f);
  const counts = exact.map((x) => Math.floor(x + 1e-9));
  let left = n - (counts[0] + counts[1] + counts[2]);
  const order = [0, 1, 2].sort((a, b) => exact[b] - counts[b] - (exact[a] - counts[a]) || a - b);
  for (let k = 0; left > 0; k = (k + 1) % 3) {
    if (fractions[order[k]] > 0) {
      counts[order[k]]++;
      left--;
    }
  }
  return [counts[0], counts[1], counts[2]];
};

const fmix32 = (h: number): number => {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
};

/**
 * A seeded hash of a string in [0, 2^52): two independently seeded 32-bit
 * lanes (multiply-xor over the UTF-16 code units, then a final avalanche).
 */
export const seededIdHash = (seed: number, id: string): number => {
  let a = fmix32((seed ^ 0x243f6a88) >>> 0) ^ 0x9e3779b9;
  let b = fmix32((seed ^ 0x13198a2e) >>> 0) ^ 0x7f4a7c15;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a = fmix32((a ^ id.length) >>> 0);
  b = fmix32((b ^ Math.imul(id.length, 0x27d4eb2d)) >>> 0);
  return (a >>> 0) * 0x100000 + (b >>> 12);
};

/**
 * Seeded split of rows by id. Returns, for each split, the indices into `ids`
 * (ascending). See the module comment for its properties.
 */
export const seededSplit = (ids: readonly string[], fractions: SplitFractions, seed: number): SplitIndices => {
  const n = ids.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = seededIdHash(seed, ids[i]);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((x, y) => keys[x] - keys[y] || (ids[x] < ids[y] ? -1 : ids[x] > ids[y] ? 1 : 0));
  const [nTrain, nVal] = splitCounts(n, fractions);
  const pick = (from: number, to: number): Int32Array => order.slice(from, to).sort();
  return {
    train: pick(0, nTrain),
    val: pick(nTrain, nTrain + nVal),
    test: pick(nTrain + nVal, n),
  };
};

/** Split from a per-row partition code (0 train, 1 val, 2 test), as in list_eval_partition.txt. */
export const splitFromCodes = (codes: Uint8Array): SplitIndices => {
  const counts = [0, 0, 0];
  for (let i = 0; i < codes.length; i++) counts[codes[i]]++;
  const out = [new Int32Array(counts[0]), new Int32Array(counts[1]), new Int32Array(counts[2])];
  const fill = [0, 0, 0];
  for (let i = 0; i < codes.length; i++) out[codes[i]][fill[codes[i]]++] = i;
  return { train: out[0], val: out[1], test: out[2] };
};

/**
 * Chooses the split source. An explicit split wins over a partition file (the
 * caller may warn about that); with neither, the error tells how to get one.
 *
 * @param args.dir the dataset folder (for the message)
 * @param args.partitionFile the partition file found in it, if any
 * @param args.split fractions, or their text form `0.8,0.1,0.1`
 * @param args.seed seed of a seeded split (an integer)
 * @param args.partitionFileName name used in the message (default list_eval_partition.txt)
 */
export const resolvePartitionSource = (args: {
  readonly dir: string;
  readonly partitionFile?: string | undefined;
  readonly split?: SplitFractions | string | undefined;
  readonly seed?: number | undefined;
  readonly partitionFileName?: string | undefined;
}): E.Either<SplitError, PartitionSource> => {
  if (args.split !== undefined) {
    const fractions = typeof args.split === 'string' ? parseSplitFractions(args.split) : validateSplitFractions(args.split);
    if (E.isLeft(fractions)) return fractions;
    const seed = args.seed ?? 0;
    if (!Number.isSafeInteger(seed)) {
      return E.left(badSplit(String(args.split), `the split seed ${seed} is not an integer`));
    }
    return E.right({ kind: 'seeded', fractions: fractions.right, seed });
  }
  if (args.partitionFile !== undefined) return E.right({ kind: 'file', path: args.partitionFile });
  const name = args.partitionFileName ?? 'list_eval_partition.txt';
  return E.left({
    _tag: 'NoPartition',
    dir: args.dir,
    message: `no ${name} in ${args.dir}: pass --split 0.8,0.1,0.1 for a seeded split`,
  });
};
