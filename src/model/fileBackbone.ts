/**
 * `file:<path/to/model.json>`: the user's own tfjs layers model as the trunk. Its single output
 * (a 4-D feature map, global-average-pooled by the heads, or a 2-D feature vector) feeds the heads;
 * its layers become layers of the built model, so their weights train and save with it.
 */
import * as tf from '@tensorflow/tfjs';
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import type { Backbone, Trunk, TrunkOptions } from './backbone.js';
import { errorMessage, type ModelError } from './errors.js';
import { fileSystemLoader, ModelFileError } from './fsio.js';

export const FILE_PREFIX = 'file:';

/** Loads a layers model from a model.json path, failures as values. */
export const loadLayersModelFile = async (path: string): Promise<Either<ModelError, tf.LayersModel>> => {
  try {
    return right(await tf.loadLayersModel(fileSystemLoader(path)));
  } catch (err) {
    if (err instanceof ModelFileError) {
      return left(
        err.reason === 'missing'
          ? { _tag: 'ModelFileMissing', path: err.path }
          : { _tag: 'BadModelFile', path: err.path, message: err.message.slice(err.path.length + 2) },
      );
    }
    return left({ _tag: 'BadModelFile', path, message: errorMessage(err) });
  }
};

const shapeText = (shape: readonly (number | null)[]): string => `[${shape.map((d) => (d === null ? 'null' : d)).join(', ')}]`;

/** Checks a loaded model can serve as a trunk for images of the given shape. */
export const trunkOfModel = (model: tf.LayersModel, opts: TrunkOptions, path: string): Either<ModelError, Trunk> => {
  const bad = (message: string): Either<ModelError, Trunk> => left({ _tag: 'IncompatibleBackbone', path, message });
  if (model.inputs.length !== 1) return bad(`expected a model with one input, got ${model.inputs.length}`);
  if (model.outputs.length !== 1) return bad(`expected a model with one output, got ${model.outputs.length}`);
  const input = model.inputs[0];
  const output = model.outputs[0];
  const inShape = input.shape;
  if (inShape.length !== 4) return bad(`input shape ${shapeText(inShape)}: expected [batch, height, width, channels]`);
  const want = opts.inputShape;
  for (let i = 0; i < 3; i++) {
    const got = inShape[i + 1];
    if (got !== null && got !== want[i]) {
      return bad(`input shape ${shapeText(inShape)} does not accept images of ${want.join('x')} (height x width x channels)`);
    }
  }
  if (output.shape.length !== 4 && output.shape.length !== 2) {
    return bad(`output shape ${shapeText(output.shape)}: expected a 4-D feature map or a 2-D feature vector`);
  }
  return right({ input, features: output });
};

export const fileBackbone = (path: string): Backbone => ({
  name: `${FILE_PREFIX}${path}`,
  description: 'a tfjs layers model read from model.json',
  scalable: false,
  build: async (opts) => {
    const loaded = await loadLayersModelFile(path);
    if (loaded._tag === 'Left') return loaded;
    const trunk = trunkOfModel(loaded.right, opts, path);
    if (trunk._tag === 'Left') loaded.right.dispose();
    return trunk;
  },
});
