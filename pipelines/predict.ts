/**
 * Predictions of a trained model on image files, as the library API gives
 * them: per image, each task's probability (with value or class names).
 * The backend must already be chosen (see src/backend).
 */
import * as E from 'fp-ts/lib/Either.js';
import { type ImageError, loadImageInto } from '../src/data/images.js';
import { type TaskProbability, taskProbabilities } from '../src/model/probabilities.js';
import { openModel } from './model.js';

export interface ImagePrediction {
  readonly image: string;
  readonly tasks: readonly TaskProbability[];
}

export interface PredictResult {
  readonly predictions: readonly ImagePrediction[];
  /** Images that could not be read (only with skipBadImages; otherwise the first stops the call). */
  readonly skipped: readonly ImageError[];
}

/** Runs the model in `modelDir` (a run folder or its model/) on the images, in batches of `batchSize`. */
export const predictImages = async (
  modelDir: string,
  images: readonly string[],
  options: { readonly skipBadImages?: boolean; readonly batchSize?: number } = {},
): Promise<E.Either<{ readonly message: string }, PredictResult>> => {
  const opened = await openModel(modelDir);
  if (E.isLeft(opened)) return E.left({ message: opened.left });
  const { trainer, image, meta } = opened.right;
  const per = image.height * image.width * 3;
  const chunk = Math.max(1, options.batchSize ?? 32);
  const predictions: ImagePrediction[] = [];
  const skipped: ImageError[] = [];
  try {
    for (let start = 0; start < images.length; start += chunk) {
      const paths = images.slice(start, start + chunk);
      const data = new Float32Array(paths.length * per);
      const good: string[] = [];
      for (const path of paths) {
        const loaded = await loadImageInto(path, data, good.length * per, image);
        if (E.isLeft(loaded)) {
          if (options.skipBadImages !== true) return E.left({ message: loaded.left.message });
          skipped.push(loaded.left);
          continue;
        }
        good.push(path);
      }
      if (good.length === 0) continue;
      const logits = await trainer.predict({ images: data.subarray(0, good.length * per), size: good.length, height: image.height, width: image.width, channels: 3 });
      good.forEach((path, i) => predictions.push({ image: path, tasks: taskProbabilities(logits, i, meta.tasks) }));
    }
  } finally {
    opened.right.dispose();
  }
  return E.right({ predictions, skipped });
};
