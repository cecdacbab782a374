/**
 * The generic pipeline for the user's own data: a folder of images and a CSV/TSV
 * label table (src/data/folderDataset.ts for the format). Binary and multi-class tasks
 * are read off the columns, missing cells are masked, and the split is the
 * table's split column, else a seeded one (by --group-by COLUMN so that no
 * group, e.g. a person, spans two splits). Training, eval, predict, compare and
 * the report are the shared run's, as for the built-in pipelines.
 */
import * as E from 'fp-ts/lib/Either.js';
import { type AttributeDataset, rowSplit } from '../src/data/attributeDataset.js';
import { displayPath, loadFolderDataset } from '../src/data/folderDataset.js';
import { type ImageOptions, NORMALISE_HALF } from '../src/data/images.js';
import type { PipelineDefinition } from './definition.js';

/** 64x64, the whole image resized (no crop), values in [-1, 1]; --size HxW for other shapes (e.g. 128x64 for person crops). */
export const FOLDER_IMAGE_DEFAULTS: ImageOptions = { height: 64, width: 64, crop: 'none', normalisation: NORMALISE_HALF };

export const folder: PipelineDefinition = {
  name: 'folder',
  summary: 'your own images: DIR/labels.csv (or .tsv, or --labels FILE) with header image,<task>,... [,split]',
  dataOptions: {
    labels: { type: 'string', help: 'label table (CSV, or TSV), instead of DIR/labels.csv or DIR/labels.tsv' },
    split: { type: 'string', help: 'seeded split train,val,test when the table has no split column (default 0.8,0.1,0.1)' },
    'group-by': { type: 'string', help: 'column whose groups (e.g. person ids) the seeded split keeps whole; not a task' },
  },
  defaults: { batchSize: 32, iterations: 2000, k: 100, evalEvery: 500, checkpointEvery: 500, loss: 'wbce' },
  imageDefaults: FOLDER_IMAGE_DEFAULTS,
  load: async (data, options, seed) => {
    const str = (name: string): string | undefined => (typeof options[name] === 'string' ? (options[name] as string) : undefined);
    const loaded = await loadFolderDataset({
      dir: data,
      seed,
      ...(str('labels') === undefined ? {} : { labels: str('labels') }),
      ...(str('split') === undefined ? {} : { split: str('split') }),
      ...(str('group-by') === undefined ? {} : { groupBy: str('group-by') }),
    });
    if (E.isLeft(loaded)) return E.left({ message: loaded.left.message });
    const ds = loaded.right;
    const table = { imagePath: ds.imagePath, id: (row: number) => displayPath(ds.root, ds.imagePath(row)), labelsInto: ds.labelsInto };
    const groups = ds.table.groups;
    const groupCount = (rows: Int32Array): number => new Set(Array.from(rows, (r) => groups?.[r])).size;
    const missing = ds.table.tasks.flatMap((t, j) => (ds.table.missing[j] > 0 ? [`${t.name} ${ds.table.missing[j]}`] : []));
    return E.right({
      name: 'folder',
      tasks: ds.table.tasks,
      splits: { train: rowSplit(ds.splits.train, table), val: rowSplit(ds.splits.val, table), test: rowSplit(ds.splits.test, table) },
      imageDefaults: FOLDER_IMAGE_DEFAULTS,
      warnings: missing.length > 0 ? [`missing labels (empty cells, masked in the loss and metrics): ${missing.join(', ')}`] : [],
      facts: {
        labelFile: ds.labelFile,
        imageRoot: ds.root,
        rows: ds.table.images.length,
        split: ds.splitSource,
        train: ds.splits.train.length,
        val: ds.splits.val.length,
        test: ds.splits.test.length,
        ...(groups === undefined
          ? {}
          : { trainGroups: groupCount(ds.splits.train), valGroups: groupCount(ds.splits.val), testGroups: groupCount(ds.splits.test) }),
        missingLabels: ds.table.missing.reduce((a, b) => a + b, 0),
      },
    } satisfies AttributeDataset);
  },
};
