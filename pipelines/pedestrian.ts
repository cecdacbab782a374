/**
 * What the Market-1501 and DukeMTMC-reID pipelines share: where the
 * annotation .mat is looked for, their data options, the dataset value
 * (identities split into train / val, bounding_box_test as test), the data
 * problems turned into warnings and facts, and the official Market-1501
 * scoring hook. Training, output folder, report, resume, eval and predict are
 * the shared run's (pipelines/train.ts), as for CelebA.
 *
 * Layout of `--data DIR` (the published re-id layout):
 *
 *   DIR/bounding_box_train/   train images (identities split into train / val)
 *   DIR/bounding_box_test/    test images (junk ids -1 and 0000 left out)
 *   DIR/query/                query images (counted, not used for training)
 *   the attribute file, the first found of
 *     --annotations FILE
 *     DIR/market_attribute.mat                         (duke_attribute.mat)
 *     DIR/attribute/market_attribute.mat
 *     DIR/Market-1501_Attribute/market_attribute.mat   (DukeMTMC-attribute/, a clone of vana77's repository)
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { AttributeDataset } from '../src/data/attributeDataset.js';
import { rowSplit } from '../src/data/attributeDataset.js';
import { type ImageOptions, NORMALISE_HALF } from '../src/data/images.js';
import { loadPedestrianDataset, type PedestrianDataset } from '../src/data/pedestrianDataset.js';
import type { PedestrianSchema, Problem } from '../src/data/pedestrian.js';
import { marketOfficialAccuracy } from '../src/metrics/index.js';
import type { DataOptionSpec, DataOptionValue, PipelineDefaults, PipelineDefinition } from './definition.js';
import type { ExtraMetrics } from './evaluate.js';

/** Person crops are 1:2 (Market 64x128, Duke of varying size near it): 128x64 (HxW), no crop, values in [-1, 1]. */
export const PEDESTRIAN_IMAGE_DEFAULTS: ImageOptions = { height: 128, width: 64, crop: 'none', normalisation: NORMALISE_HALF };

/**
 * Loss: DeepMAR's weighted BCE, the pedestrian-attribute field's default (Rethinking_of_PAR).
 * Sized for ~13k (Market) / ~16k (Duke) train images: 2,000 iterations of 32
 * is about 5 epochs; k = 50 gives 39 weight updates.
 */
export const PEDESTRIAN_DEFAULTS: PipelineDefaults = { batchSize: 32, iterations: 2000, k: 50, evalEvery: 250, checkpointEvery: 250, loss: 'wbce' };

export const DEFAULT_VAL_FRACTION = 0.1;

export const PEDESTRIAN_DATA_OPTIONS: Readonly<Record<string, DataOptionSpec>> = {
  annotations: { type: 'string', help: 'attribute .mat file, instead of looking in DIR (market_attribute.mat / duke_attribute.mat)' },
  colours: { type: 'string', help: 'groups (default: one softmax task per garment colour, the official argmax) or binary (one yes/no task per colour)' },
  'val-fraction': { type: 'string', help: `fraction of the train identities held out for validation, seeded by --seed (default ${DEFAULT_VAL_FRACTION})` },
};

export interface PedestrianSource {
  readonly name: 'market1501' | 'duke';
  /** 'Market-1501', 'DukeMTMC-reID'. */
  readonly title: string;
  readonly schema: PedestrianSchema;
  /** The annotation file's name: 'market_attribute.mat'. */
  readonly fileName: string;
  /** Folder name of a clone of the annotation repository: 'Market-1501_Attribute'. */
  readonly repoFolder: string;
}

export interface PedestrianOptions {
  readonly colours: 'groups' | 'binary';
  readonly valFraction: number;
  readonly annotations?: string;
}

export type OptionError = { readonly _tag: 'BadDataOption'; readonly option: string; readonly message: string };
export type AnnotationNotFound = { readonly _tag: 'AnnotationNotFound'; readonly tried: readonly string[]; readonly message: string };

const badOption = (option: string, message: string): OptionError => ({ _tag: 'BadDataOption', option, message: `--${option} ${message}` });

/** The pedestrian data options from their CLI form (strings), validated. */
export const parsePedestrianOptions = (
  options: Readonly<Record<string, DataOptionValue>>,
): E.Either<OptionError, PedestrianOptions> => {
  const colours = options.colours ?? 'groups';
  if (colours !== 'groups' && colours !== 'binary') return E.left(badOption('colours', `must be groups or binary, got ${JSON.stringify(colours)}`));
  const rawFraction = options['val-fraction'];
  const valFraction = rawFraction === undefined ? DEFAULT_VAL_FRACTION : Number(rawFraction);
  if (typeof rawFraction === 'string' && rawFraction.trim() === '') return E.left(badOption('val-fraction', 'must be a number in (0, 1), got ""'));
  if (!(valFraction > 0 && valFraction < 1)) {
    return E.left(badOption('val-fraction', `must be a number in (0, 1) (the weighting rule needs validation identities), got ${JSON.stringify(rawFraction)}`));
  }
  const annotations = options.annotations;
  if (annotations !== undefined && typeof annotations !== 'string') return E.left(badOption('annotations', 'takes a file path'));
  return E.right({ colours, valFraction, ...(annotations === undefined ? {} : { annotations }) });
};

/** Where the annotation file is looked for in a dataset folder, in order. */
export const annotationCandidates = (source: PedestrianSource, dir: string): string[] => [
  join(dir, source.fileName),
  join(dir, 'attribute', source.fileName),
  join(dir, source.repoFolder, source.fileName),
];

const isFile = (path: string): boolean => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/** The annotation file: the one given, else the first candidate present in dir. */
export const findAnnotationFile = (
  source: PedestrianSource,
  dir: string | undefined,
  given: string | undefined,
): E.Either<AnnotationNotFound, string> => {
  if (given !== undefined) {
    return isFile(given)
      ? E.right(given)
      : E.left({ _tag: 'AnnotationNotFound', tried: [given], message: `${given}: ${existsSync(given) ? 'not a file' : 'no such file'} (--annotations)` });
  }
  if (dir === undefined) return E.left({ _tag: 'AnnotationNotFound', tried: [], message: 'no annotation file: give --data DIR or --annotations FILE' });
  const tried = annotationCandidates(source, dir);
  const found = tried.find(isFile);
  return found !== undefined
    ? E.right(found)
    : E.left({
        _tag: 'AnnotationNotFound',
        tried,
        message: `no ${source.fileName} for ${source.title} (looked for ${tried.join(', ')}); pass --annotations FILE`,
      });
};

/** How many things of each problem kind, summed over its reports ({ 'colour-none': 147, ... }). */
export const problemCounts = (problems: readonly Problem[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const p of problems) out[p.kind] = (out[p.kind] ?? 0) + p.count;
  return out;
};

/** The pedestrian dataset behind each AttributeDataset this module made (for the official scoring). */
const behind = new WeakMap<AttributeDataset, PedestrianDataset>();

/** The PedestrianDataset an AttributeDataset of these pipelines wraps (undefined for others). */
export const pedestrianSource = (dataset: AttributeDataset): PedestrianDataset | undefined => behind.get(dataset);

const countIdentities = (ds: PedestrianDataset, rows: Int32Array): number => new Set(Array.from(rows, (r) => ds.images[r].id)).size;

/** The pipeline's dataset value over a loaded pedestrian dataset: splits, warnings (every problem) and facts. */
export const toAttributeDataset = (name: string, ds: PedestrianDataset, options: PedestrianOptions, seed: number): AttributeDataset => {
  const table = { imagePath: (row: number) => ds.imagePath(row), id: (row: number) => ds.ids[row], labelsInto: ds.labelsInto };
  const warnings = ds.problems.map((p) => p.message);
  if (ds.excluded.junk > 0) warnings.push(`${ds.excluded.junk} junk images (identity -1 or 0000) left out`);
  const counts = problemCounts(ds.problems);
  const dataset: AttributeDataset = {
    name,
    tasks: ds.tasks,
    splits: {
      train: rowSplit(ds.splits.train, table),
      val: rowSplit(ds.splits.val, table),
      test: rowSplit(ds.splits.test, table),
    },
    imageDefaults: PEDESTRIAN_IMAGE_DEFAULTS,
    warnings,
    facts: {
      attributeFile: ds.attributeFile,
      imageRoot: ds.root,
      colours: options.colours,
      split: `train identities: ${options.valFraction} held out for validation (seed ${seed})`,
      trainIdentities: countIdentities(ds, ds.splits.train),
      valIdentities: countIdentities(ds, ds.splits.val),
      testIdentities: countIdentities(ds, ds.splits.test),
      train: ds.splits.train.length,
      val: ds.splits.val.length,
      test: ds.splits.test.length,
      queryImages: ds.query.length,
      junkImagesExcluded: ds.excluded.junk,
      unannotatedImagesExcluded: ds.excluded.unannotated,
      ...Object.fromEntries(Object.entries(counts).map(([kind, n]) => [`problem ${kind}`, n])),
    },
  };
  behind.set(dataset, ds);
  return dataset;
};

/** Load a pedestrian dataset for a pipeline: options, annotation file, images, checks. */
export const loadPedestrianPipelineData = async (
  source: PedestrianSource,
  data: string,
  options: Readonly<Record<string, DataOptionValue>>,
  seed: number,
): Promise<E.Either<{ readonly message: string }, AttributeDataset>> => {
  const parsed = parsePedestrianOptions(options);
  if (E.isLeft(parsed)) return parsed;
  const file = findAnnotationFile(source, data, parsed.right.annotations);
  if (E.isLeft(file)) return file;
  const loaded = await loadPedestrianDataset(source.schema, file.right, data, { colours: parsed.right.colours, valFraction: parsed.right.valFraction, seed })();
  if (E.isLeft(loaded)) return E.left({ message: loaded.left.message });
  const ds = loaded.right;
  const missing = ds.problems.find((p) => p.kind === 'missing-folder' && p.subject === 'bounding_box_train');
  if (missing !== undefined) {
    return E.left({ message: `${missing.message}: --data must be a ${source.title} folder (bounding_box_train/, bounding_box_test/, query/)` });
  }
  if (ds.splits.train.length === 0) {
    return E.left({ message: `${join(data, 'bounding_box_train')}: no annotated image (${ds.problems.map((p) => p.message).join('; ') || 'the folder is empty'})` });
  }
  if (ds.splits.val.length === 0) {
    return E.left({ message: `--val-fraction ${parsed.right.valFraction} holds out no image of the ${countIdentities(ds, ds.splits.train)} train identities; raise it` });
  }
  return E.right(toAttributeDataset(source.name, ds, parsed.right, seed));
};

/**
 * The official Market-1501 12-task accuracy (src/metrics/marketOfficial.ts)
 * of an evaluated split, from the file's own codes of its images.
 */
export const marketOfficialMetrics = (dataset: AttributeDataset): ExtraMetrics | undefined => {
  const ds = pedestrianSource(dataset);
  if (ds === undefined) return undefined;
  return ({ split, logits, samples }) => {
    const rows = ds.splits[split];
    const truth = ds.codes(Int32Array.from(samples, (i) => rows[i]));
    const result = marketOfficialAccuracy(logits, dataset.tasks, truth);
    if (E.isLeft(result)) return { marketOfficialError: result.left.message };
    return {
      marketOfficial: {
        label: 'official Market-1501 12-task accuracy',
        mean: result.right.mean,
        images: result.right.images,
        perTask: Object.fromEntries(result.right.perTask.map((t) => [t.task, t.accuracy])),
      },
    };
  };
};

/** A pedestrian pipeline definition. */
export const pedestrianPipeline = (source: PedestrianSource, summary: string, official: boolean): PipelineDefinition => ({
  name: source.name,
  summary,
  dataOptions: PEDESTRIAN_DATA_OPTIONS,
  defaults: PEDESTRIAN_DEFAULTS,
  imageDefaults: PEDESTRIAN_IMAGE_DEFAULTS,
  ...(official ? { extraMetrics: marketOfficialMetrics } : {}),
  load: (data, options, seed) => loadPedestrianPipelineData(source, data, options, seed),
});
