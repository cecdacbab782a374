/** Opening a trained model for eval and predict: a run folder (OUT) or its model/ folder. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type * as tf from '@tensorflow/tfjs';
import { MODEL_DIR } from '../../pipelines/train.js';
import type { Crop, ImageOptions } from '../../src/data/images.js';
import { NORMALISE_HALF } from '../../src/data/images.js';
import { describeModelError, loadModel, META_JSON, type ModelMeta } from '../../src/model/index.js';
import { ADAM_DEFAULTS } from '../../src/train/optimizers.js';
import { createTrainer, describeTrainerError, type Trainer } from '../../src/train/trainer.js';

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
  const loss = meta.extra?.loss === 'mse' ? 'mse' : 'bce';
  const trainer = createTrainer({ model, tasks: meta.tasks, loss, optimizer: ADAM_DEFAULTS });
  if (E.isLeft(trainer)) {
    model.dispose();
    return E.left(describeTrainerError(trainer.left));
  }
  const [height, width] = meta.inputShape;
  const crop = (typeof meta.extra?.crop === 'string' || typeof meta.extra?.crop === 'object' ? meta.extra.crop : 'none') as Crop;
  const normalisation = meta.normalisation === undefined ? NORMALISE_HALF : (meta.normalisation as ImageOptions['normalisation']);
  const image: ImageOptions = { height, width, crop, ...(normalisation === undefined ? {} : { normalisation }) };
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
