/**
 * Multi-task models: a named backbone trunk, global average pooling (for a 4-D trunk output) and one
 * dense layer producing the concatenated logit vector of all tasks (width = logitLayout(tasks).width;
 * task j owns columns offsets[j] .. offsets[j] + logitWidth(task j) - 1: one logit for a binary task,
 * one per class for a multi-class task). One dense layer over the shared features is the same
 * function as one small head per task, concatenated, and computes as a single matrix product.
 *
 * The model has one input and one output, so it saves as one tfjs layers model loadable in a browser.
 */
import * as tf from '@tensorflow/tfjs';
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { Rng } from '../random.js';
import { logitLayout, type TaskSpec } from '../tasks.js';
import type { InputShape, Trunk } from './backbone.js';
import { backboneByName, DEFAULT_BACKBONE } from './backbones.js';
import { errorMessage, type ModelError } from './errors.js';

/** Name of the layer whose output is the shared feature vector [N, F] (the last shared layer). */
export const FEATURES_LAYER = 'awmtl_features';
/** Name of the dense layer producing the logits [N, width]. */
export const LOGITS_LAYER = 'awmtl_logits';

export interface BuildModelOptions {
  /** Backbone name (see knownBackbones()); default 'small-cnn'. */
  readonly backbone?: string;
  readonly inputShape: InputShape;
  readonly tasks: readonly TaskSpec[];
  /** Initialiser seed: the same seed builds identical weights. Default 0. */
  readonly seed?: number;
  /** Filter-count multiplier for built-in backbones. Default 1. */
  readonly widthMultiplier?: number;
}

const badOption = (field: string, message: string): Either<ModelError, never> =>
  left({ _tag: 'BadModelOption', field, message });

/** Checks a task list: non-empty, unique names, multi-class tasks with at least 2 classes. */
export const checkTasks = (tasks: readonly TaskSpec[]): Either<ModelError, readonly TaskSpec[]> => {
  if (tasks.length === 0) return badOption('tasks', 'expected at least one task');
  const seen = new Set<string>();
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i];
    if (seen.has(task.name)) return badOption(`tasks[${i}].name`, `duplicate task name '${task.name}'`);
    seen.add(task.name);
    if (task.kind === 'multiclass' && task.classes.length < 2) {
      return badOption(`tasks[${i}].classes`, `multi-class task '${task.name}' needs at least 2 classes`);
    }
  }
  return right(tasks);
};

const checkOptions = (opts: BuildModelOptions): Either<ModelError, null> => {
  const shape = opts.inputShape;
  if (shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    return badOption('inputShape', `expected [height, width, channels] of positive integers, got [${shape.join(', ')}]`);
  }
  if (opts.seed !== undefined && !(Number.isInteger(opts.seed) && opts.seed >= 0 && opts.seed <= 0xffffffff)) {
    return badOption('seed', `expected an integer in [0, 2^32), got ${opts.seed}`);
  }
  const m = opts.widthMultiplier;
  if (m !== undefined && !(Number.isFinite(m) && m > 0)) {
    return badOption('widthMultiplier', `expected a positive number, got ${m}`);
  }
  const tasks = checkTasks(opts.tasks);
  return tasks._tag === 'Left' ? tasks : right(null);
};

/** Builds the trunk alone (input -> backbone features), e.g. to count its parameters. */
export const buildTrunk = async (opts: Omit<BuildModelOptions, 'tasks'>): Promise<Either<ModelError, Trunk & { readonly nextSeed: () => number }>> => {
  const name = opts.backbone ?? DEFAULT_BACKBONE;
  const found = backboneByName(name);
  if (found._tag === 'Left') return found;
  const backbone = found.right;
  const multiplier = opts.widthMultiplier ?? 1;
  if (multiplier !== 1 && !backbone.scalable) return badOption('widthMultiplier', `backbone '${name}' has no width multiplier`);
  const rng = Rng.fromSeed(opts.seed ?? 0);
  const nextSeed = (): number => rng.nextUint32();
  const trunk = await backbone.build({ inputShape: opts.inputShape, widthMultiplier: multiplier, nextSeed });
  return trunk._tag === 'Left' ? trunk : right({ ...trunk.right, nextSeed });
};

/** Puts the pooling and the multi-task logit layer on a trunk. */
export const attachHeads = (trunk: Trunk, tasks: readonly TaskSpec[], seed: number): tf.LayersModel => {
  const rank = trunk.features.shape.length;
  const features =
    rank === 4
      ? (tf.layers.globalAveragePooling2d({ name: FEATURES_LAYER }).apply(trunk.features) as tf.SymbolicTensor)
      : (tf.layers.activation({ activation: 'linear', name: FEATURES_LAYER }).apply(trunk.features) as tf.SymbolicTensor);
  const logits = tf.layers
    .dense({
      units: logitLayout(tasks).width,
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
      biasInitializer: 'zeros',
      name: LOGITS_LAYER,
    })
    .apply(features) as tf.SymbolicTensor;
  return tf.model({ inputs: trunk.input, outputs: logits, name: 'awmtl' });
};

/**
 * Builds a multi-task model. Unknown backbone names, bad options, and unreadable or incompatible
 * `file:` models are Left values.
 */
export const buildModel = async (opts: BuildModelOptions): Promise<Either<ModelError, tf.LayersModel>> => {
  const checked = checkOptions(opts);
  if (checked._tag === 'Left') return checked;
  const trunk = await buildTrunk(opts);
  if (trunk._tag === 'Left') return trunk;
  try {
    return right(attachHeads(trunk.right, opts.tasks, trunk.right.nextSeed()));
  } catch (err) {
    return badOption('backbone', `cannot put heads on '${opts.backbone ?? DEFAULT_BACKBONE}': ${errorMessage(err)}`);
  }
};

/** Element counts of a model's weights. `trainable` is what torchvision's `parameters()` counts. */
export interface ParamCount {
  /** Trainable weights: kernels, biases, batch-norm gamma and beta. */
  readonly trainable: number;
  /** Non-trainable weights: batch-norm moving mean and variance. */
  readonly nonTrainable: number;
}

const sizeOf = (w: tf.LayerVariable): number => w.shape.reduce<number>((p, d) => p * (d ?? 1), 1);

export const countParams = (model: tf.LayersModel): ParamCount => ({
  trainable: model.trainableWeights.reduce((a, w) => a + sizeOf(w), 0),
  nonTrainable: model.nonTrainableWeights.reduce((a, w) => a + sizeOf(w), 0),
});

/** Number of outputs of the model's logit layer. */
export const outputWidth = (model: tf.LayersModel): number => {
  const shape = model.outputs[0].shape;
  return shape[shape.length - 1] ?? -1;
};

/**
 * A view of a model built here (or loaded after saving) that outputs [features, logits], sharing
 * its layers and weights: the hook for weighting strategies that need the last shared layer
 * (GradNorm). Owns no tensors; do not dispose it (that would dispose the shared layers).
 */
export const featuresAndLogits = (model: tf.LayersModel): Either<ModelError, tf.LayersModel> => {
  try {
    const features = model.getLayer(FEATURES_LAYER).output as tf.SymbolicTensor;
    return right(tf.model({ inputs: model.inputs, outputs: [features, model.outputs[0]] }));
  } catch (err) {
    return badOption('model', `no '${FEATURES_LAYER}' layer: ${errorMessage(err)}`);
  }
};
