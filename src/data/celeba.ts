/**
 * CelebA readers: the attribute annotations (list_attr_celeba.txt or Kaggle's
 * .csv), the evaluation partition (list_eval_partition.txt / .csv) or a seeded
 * split, and the image folder, assembled into one {@link CelebaDataset}.
 *
 * Everything that can go wrong with the files comes back as a {@link CelebaError}
 * whose message names the file and 1-based line (or folder); non-fatal findings
 * come back as {@link CelebaWarning}s in the dataset.
 *
 * Policies:
 * - header count (line 1) that disagrees with the rows: a warning (the
 *   truncated real file must load);
 * - rows whose image is absent from the folder: an error naming the first few
 *   and the count; `onlyPresentImages: true` drops them with a warning and
 *   counts them in `dropped.missingImages`. The folder is listed once (readdir);
 * - no partition file and no split: the NoPartition error of
 *   {@link resolvePartitionSource}; an explicit split wins over a partition
 *   file, with a warning.
 *
 * @example
 * const ds = await loadCelebaDataset({ dir: '/data/celeba', split: '0.8,0.1,0.1', seed: 1, onlyPresentImages: true })();
 * if (E.isLeft(ds)) { console.error(ds.left.message); process.exit(1); }
 * for (const w of ds.right.warnings) console.warn(w.message);
 */
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AttributeTable, type ParseAttributeOptions, parseAttributes } from './celeba/attributes.js';
import { type CelebaDataset, buildCelebaDataset } from './celeba/dataset.js';
import type { CelebaError, CelebaWarning } from './celeba/errors.js';
import { CELEBA_FILES } from './celeba/names.js';
import { IDENTITY_FILE, parseIdentities } from './celeba/identity.js';
import { type PartitionTable, parsePartition } from './celeba/partition.js';
import { type SplitFractions, resolvePartitionSource } from './split.js';

export { type AttributeTable, type ParseAttributeOptions, detectFormat, parseAttributes } from './celeba/attributes.js';
export { type BuildCelebaOptions, type CelebaDataset, MISSING_SHOWN, buildCelebaDataset } from './celeba/dataset.js';
export type { CelebaError, CelebaWarning } from './celeba/errors.js';
export { CELEBA_ATTRIBUTES, CELEBA_FILES, CELEBA_FULL, type CelebaAttribute } from './celeba/names.js';
export { type PartitionTable, parsePartition } from './celeba/partition.js';

/** Reads a whole file; ENOENT becomes FileNotFound, any other failure ReadError. */
export const readFileTE = (file: string): TE.TaskEither<CelebaError, Buffer> =>
  TE.tryCatch(
    () => readFile(file),
    (err): CelebaError => {
      const e = err as NodeJS.ErrnoException;
      return e.code === 'ENOENT'
        ? { _tag: 'FileNotFound', file, message: `${file} not found` }
        : { _tag: 'ReadError', file, message: `cannot read ${file}: ${e.message}` };
    },
  );

/** Reads and parses list_attr_celeba.txt or .csv. */
export const readCelebaAttributes = (
  file: string,
  options: ParseAttributeOptions = {},
): TE.TaskEither<CelebaError, AttributeTable> =>
  TE.chainEitherK((data: Buffer) => parseAttributes(data, file, options))(readFileTE(file));

/** Reads and parses list_eval_partition.txt or .csv. */
export const readCelebaPartition = (file: string): TE.TaskEither<CelebaError, PartitionTable> =>
  TE.chainEitherK((data: Buffer) => parsePartition(data, file))(readFileTE(file));

const isDir = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** The first of the candidate files present in dir, if any. */
const firstPresent = (dir: string, names: readonly string[]): string | undefined =>
  names.map((n) => join(dir, n)).find((p) => existsSync(p));

/** Paths of the annotation files and image folder found in a dataset folder. */
export interface CelebaLayout {
  readonly attributeFile: string | undefined;
  readonly partitionFile: string | undefined;
  /**
   * The image folder: dir/img_align_celeba, or Kaggle's nested
   * dir/img_align_celeba/img_align_celeba when the outer one holds only that.
   */
  readonly imageDir: string;
}

/** Looks for the .txt files first, then Kaggle's .csv copies. */
export const findCelebaLayout = (dir: string): CelebaLayout => {
  const outer = join(dir, CELEBA_FILES.images);
  const nested = join(outer, CELEBA_FILES.images);
  const useNested = isDir(nested) && !existsSync(join(outer, '000001.jpg')) && !existsSync(join(outer, '000002.jpg'));
  return {
    attributeFile: firstPresent(dir, [CELEBA_FILES.attributes, CELEBA_FILES.attributesCsv]),
    partitionFile: firstPresent(dir, [CELEBA_FILES.partition, CELEBA_FILES.partitionCsv]),
    imageDir: useNested ? nested : outer,
  };
};

/** Lists an image folder once; a missing folder is FileNotFound. */
export const listImageDir = (dir: string): TE.TaskEither<CelebaError, ReadonlySet<string>> =>
  TE.tryCatch(
    async () => new Set(await readdir(dir)),
    (err): CelebaError => {
      const e = err as NodeJS.ErrnoException;
      return e.code === 'ENOENT' || e.code === 'ENOTDIR'
        ? { _tag: 'FileNotFound', file: dir, message: `image folder ${dir} not found` }
        : { _tag: 'ReadError', file: dir, message: `cannot list ${dir}: ${e.message}` };
    },
  );

export interface CelebaLoadOptions {
  /** Dataset folder: list_attr_celeba.{txt,csv}, optionally list_eval_partition.{txt,csv}, img_align_celeba/. */
  readonly dir: string;
  /** Attribute file, instead of the one found in dir. */
  readonly attributeFile?: string;
  /** Partition file, instead of the one found in dir. */
  readonly partitionFile?: string;
  /** Image folder, instead of dir/img_align_celeba. */
  readonly imageDir?: string;
  /** Seeded split (fractions or `0.8,0.1,0.1`); required when there is no partition file, wins over one. */
  readonly split?: SplitFractions | string;
  /** Seed of the seeded split (integer, default 0). */
  readonly seed?: number;
  /** Drop rows whose image is absent instead of failing (counted and warned about). */
  readonly onlyPresentImages?: boolean;
  /** Check the image folder at all (default true). False: no readdir, no missing-image check. */
  readonly checkImages?: boolean;
  /** Header names to require (default the 40 CelebA names; null: any). */
  readonly expectedNames?: readonly string[] | null;
}

/**
 * Loads a CelebA dataset: attribute file, partition file or seeded split,
 * image folder check. See the module comment for the policies.
 */
export const loadCelebaDataset = (options: CelebaLoadOptions): TE.TaskEither<CelebaError, CelebaDataset> => async () => {
  const layout = findCelebaLayout(options.dir);
  const attributeFile = options.attributeFile ?? layout.attributeFile;
  if (attributeFile === undefined) {
    return E.left({
      _tag: 'FileNotFound',
      file: join(options.dir, CELEBA_FILES.attributes),
      message: `no ${CELEBA_FILES.attributes} (or ${CELEBA_FILES.attributesCsv}) in ${options.dir}`,
    });
  }
  const partitionFile = options.partitionFile ?? layout.partitionFile;
  const source = resolvePartitionSource({
    dir: options.dir,
    partitionFile,
    split: options.split,
    seed: options.seed,
  });
  if (E.isLeft(source)) return source;
  const warnings: CelebaWarning[] = [];
  if (source.right.kind === 'seeded' && partitionFile !== undefined) {
    warnings.push({
      _tag: 'SplitOverridesPartition',
      file: partitionFile,
      message: `${partitionFile} is ignored: the seeded split ${source.right.fractions.join(',')} (seed ${source.right.seed}) was asked for`,
    });
  }
  const attributes = await readCelebaAttributes(attributeFile, { expectedNames: options.expectedNames })();
  if (E.isLeft(attributes)) return attributes;
  let partition: PartitionTable | undefined;
  if (source.right.kind === 'file') {
    const parsed = await readCelebaPartition(source.right.path)();
    if (E.isLeft(parsed)) return parsed;
    partition = parsed.right;
  }
  let identities: ReadonlyMap<string, string> | undefined;
  if (source.right.kind === 'seeded') {
    const identityFile = join(options.dir, IDENTITY_FILE);
    if (existsSync(identityFile)) {
      const read = await readFileTE(identityFile)();
      if (E.isLeft(read)) return read;
      const parsed = parseIdentities(read.right.toString('utf8'), identityFile);
      if (E.isLeft(parsed)) return parsed;
      identities = parsed.right;
    } else {
      warnings.push({
        _tag: 'SplitByImage',
        dir: options.dir,
        message: `the seeded split is by image: no ${IDENTITY_FILE} in ${options.dir}, so one person's faces can be in two splits (the test score then flatters)`,
      });
    }
  }
  const imageDir = options.imageDir ?? layout.imageDir;
  let presentImages: ReadonlySet<string> | undefined;
  if (options.checkImages !== false) {
    const listed = await listImageDir(imageDir)();
    if (E.isLeft(listed)) return listed;
    presentImages = listed.right;
  }
  return buildCelebaDataset({
    attributes: attributes.right,
    partition,
    source: source.right,
    imageDir,
    presentImages,
    onlyPresentImages: options.onlyPresentImages,
    warnings,
    identities,
  });
};
export { type FormatOptions, celebaImageName, formatCelebaAttributes, formatCelebaPartition } from './celeba/format.js';
