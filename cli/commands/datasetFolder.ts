/**
 * `awmtl dataset info|show --pipeline folder`: what a folder's label table holds,
 * as the pipeline reads it (tasks, splits, value counts per split, empty cells),
 * and one image's labels by name (`show --id crops/0002_c1s1_000451_03.jpg`).
 */
import * as E from 'fp-ts/lib/Either.js';
import { folder } from '../../pipelines/folder.js';
import type { DataOptionValue } from '../../pipelines/definition.js';
import { type AttributeDataset, SPLIT_NAMES, type SplitName } from '../../src/data/attributeDataset.js';
import { binaryValues, MISSING_LABEL, type TaskSpec } from '../../src/tasks.js';

export interface FolderTaskInfo {
  readonly name: string;
  readonly kind: 'binary' | 'multiclass';
  /** Binary: label 0 then 1; multi-class: the classes. */
  readonly values: readonly string[];
  /** Images per value, and empty cells ("missing"), per split. */
  readonly counts: Readonly<Record<SplitName, Readonly<Record<string, number>>>>;
}

export interface FolderInfo {
  readonly pipeline: 'folder';
  readonly labelFile: string;
  readonly imageRoot: string;
  readonly split: string;
  readonly splits: Readonly<Record<SplitName, number>>;
  readonly tasks: readonly FolderTaskInfo[];
  readonly warnings: readonly string[];
}

const valuesOf = (task: TaskSpec): readonly string[] => (task.kind === 'binary' ? binaryValues(task) : task.classes);

/** Loads the folder dataset as `train` would (data options by name). */
export const loadFolder = async (dir: string, options: Readonly<Record<string, DataOptionValue>>, seed: number): Promise<E.Either<string, AttributeDataset>> =>
  E.mapLeft((e: { message: string }) => e.message)(await folder.load(dir, options, seed));

export const folderInfo = (ds: AttributeDataset): FolderInfo => {
  const m = ds.tasks.length;
  const row = new Float32Array(m);
  const counts = ds.tasks.map(() => ({}) as Record<SplitName, Record<string, number>>);
  for (const s of SPLIT_NAMES) {
    const view = ds.splits[s];
    ds.tasks.forEach((t, j) => {
      counts[j][s] = Object.fromEntries([...valuesOf(t).map((v) => [v, 0] as const), ['missing', 0] as const]);
    });
    for (let i = 0; i < view.size; i++) {
      view.labelsInto(i, row, 0);
      ds.tasks.forEach((t, j) => {
        const key = row[j] === MISSING_LABEL ? 'missing' : valuesOf(t)[row[j]];
        counts[j][s][key] += 1;
      });
    }
  }
  return {
    pipeline: 'folder',
    labelFile: String(ds.facts.labelFile),
    imageRoot: String(ds.facts.imageRoot),
    split: String(ds.facts.split),
    splits: { train: ds.splits.train.size, val: ds.splits.val.size, test: ds.splits.test.size },
    tasks: ds.tasks.map((t, j) => ({ name: t.name, kind: t.kind, values: valuesOf(t), counts: counts[j] })),
    warnings: ds.warnings,
  };
};

export const formatFolderInfo = (info: FolderInfo): string => {
  const lines = [
    `folder dataset: ${info.labelFile} (images under ${info.imageRoot})`,
    `split: ${info.split}; train ${info.splits.train}, val ${info.splits.val}, test ${info.splits.test} images`,
    `${info.tasks.length} tasks (per value: train / val / test images):`,
  ];
  const width = Math.max(...info.tasks.map((t) => t.name.length));
  for (const t of info.tasks) {
    const parts = [...t.values, 'missing']
      .filter((v) => v !== 'missing' || SPLIT_NAMES.some((s) => t.counts[s].missing > 0))
      .map((v) => `${v} ${SPLIT_NAMES.map((s) => t.counts[s][v]).join('/')}`);
    lines.push(`  ${t.name.padEnd(width)}  ${t.kind === 'binary' ? 'binary    ' : `${t.values.length} classes`}  ${parts.join(', ')}`);
  }
  for (const w of info.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
};

/** One image's split and labels by name (undefined when the table has no such image). */
export const folderShow = (ds: AttributeDataset, id: string): { split: SplitName; image: string; attributes: Record<string, string | null> } | undefined => {
  const row = new Float32Array(ds.tasks.length);
  for (const s of SPLIT_NAMES) {
    const view = ds.splits[s];
    for (let i = 0; i < view.size; i++) {
      if (view.id(i) !== id) continue;
      view.labelsInto(i, row, 0);
      const attributes = Object.fromEntries(ds.tasks.map((t, j) => [t.name, row[j] === MISSING_LABEL ? null : valuesOf(t)[row[j]]]));
      return { split: s, image: view.imagePath(i), attributes };
    }
  }
  return undefined;
};
