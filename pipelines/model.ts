/** Opening a trained model for eval and predict: a run folder (OUT) or its model/ folder, with a trainer in inference use. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type * as tf from '@tensorflow/tfjs';
import { MODEL_DIR } from './runTypes.js';
import type { ImageOptions } from '../src/data/images.js';
import { describeModelError, imageOptionsOf, loadModel, META_JSON, type ModelMeta } from '../src/model/index.js';
import { ADAM_DEFAULTS } from '../src/train/optimizers.js';
import { createTrainer, describeTrainerError, type Trainer } from '../src/train/trainer.js';

export interface OpenedModel {
  readonly dir: string;
  readonly model: tf.LayersModel;
  readonly meta: ModelMeta;
  readonly trainer: Trainer;
  readonly image: ImageOptions;
  dispose(): void;
}

export const resolveModelDir = (dir: string): string =>
  !existsSync(join(dir, META_JSON)) && existsSync(join(dir, MODEL_DIR, META_JSON)) ? join(dir, MODEL_DIR) : dir;

export const openModel = async (dirGiven: string): Promise<E.Either<string, OpenedModel>> => {
  const dir = resolveModelDir(dirGiven);
  if (!existsSync(join(dir, META_JSON))) return E.left(`${dirGiven}: not an awmtl model (no ${META_JSON} in it or in ${join(dirGiven, MODEL_DIR)})`);
  const loaded = await loadModel(dir);
  if (E.isLeft(loaded)) return E.left(describeModelError(loaded.left));
  const { model, meta } = loaded.right;
  const saved = meta.extra?.classWeights;
  const classWeights = Array.isArray(saved) && saved.every((w) => Array.isArray(w) && w.every((x) => typeof x === 'number')) ? (saved as number[][]) : undefined;
  // wbce with the run's label weights; a wbce model saved without them is scored with plain bce.
  const loss = meta.extra?.loss === 'mse' ? 'mse' : meta.extra?.loss === 'wbce' && classWeights !== undefined ? 'wbce' : 'bce';
  const trainer = createTrainer({ model, tasks: meta.tasks, loss, optimizer: ADAM_DEFAULTS, ...(loss === 'wbce' ? { classWeights } : {}) });
  if (E.isLeft(trainer)) {
    model.dispose();
    return E.left(describeTrainerError(trainer.left));
  }
  const image = imageOptionsOf(meta);
  return E.right({
    dir,
    model,
    meta,
    trainer: trainer.right,
    image,
    dispose: () => {
      trainer.right.dispose();
      model.dispose();
    },
  });
};
