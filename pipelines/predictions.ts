/**
 * Per-image test predictions of a run, OUT/predictions-<split>.json: the image
 * ids, the tasks, and the predicted and true label of every image and task
 * (row-major). `compare --collect` reads them for the paired bootstrap over
 * the test images, so the comparison needs no data, model or backend: the run
 * saves exactly what it scored (recomputing at collect time would need the
 * images and minutes per run).
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { AttributeDataset, SplitName } from '../src/data/attributeDataset.js';
import { predictLabels } from '../src/metrics/predictLabels.js';
import type { ImagePredictions } from '../src/report/paired.js';
import type { TaskSpec } from '../src/tasks.js';

export const predictionsFile = (split: SplitName): string => `predictions-${split}.json`;

export interface SavedPredictions extends ImagePredictions {
  readonly format: 'awmtl-predictions';
  readonly version: 1;
  readonly split: SplitName;
  readonly tasks: readonly TaskSpec[];
}

/** Writes a split's per-image predictions (logits of the evaluated samples, in sample order) into the run folder. */
export const writePredictions = async (
  out: string,
  dataset: AttributeDataset,
  split: SplitName,
  evaluated: { readonly logits: Float32Array; readonly labels: Float32Array; readonly samples: Int32Array },
): Promise<void> => {
  const view = dataset.splits[split];
  const saved: SavedPredictions = {
    format: 'awmtl-predictions',
    version: 1,
    split,
    tasks: dataset.tasks,
    ids: Array.from(evaluated.samples, (i) => view.id(i)),
    predicted: Array.from(predictLabels(evaluated.logits, dataset.tasks)),
    labels: Array.from(evaluated.labels),
  };
  await writeFile(join(out, predictionsFile(split)), `${JSON.stringify(saved)}\n`);
};

/** Reads a run's saved predictions of a split. */
export const readPredictions = (dir: string, split: SplitName): E.Either<string, SavedPredictions> => {
  const path = join(dir, predictionsFile(split));
  try {
    const p = JSON.parse(readFileSync(path, 'utf8')) as SavedPredictions;
    if (p.format !== 'awmtl-predictions' || !Array.isArray(p.ids) || p.predicted.length !== p.ids.length * p.tasks.length || p.labels.length !== p.predicted.length) {
      return E.left(`${path}: not an awmtl predictions file`);
    }
    return E.right(p);
  } catch (error) {
    return E.left(`${path}: ${(error as Error).message}`);
  }
};
