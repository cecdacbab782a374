/**
 * The training-step core: plain async functions over plain data (the RxJS operator wraps it).
 *
 * One `step(train, val, weights)`:
 * 1. forward the train batch (batch-norm in training mode unless frozen), per-task losses L [M];
 * 2. one optimiser step on sum_j weights_j * L_j (or the in-graph weighting's combination), with
 *    L2 weight decay added to the model variables' gradients;
 * 3. forward the val batch in inference mode, no gradients: per-task losses V [M];
 * and returns L and V as numbers. Every tensor it creates is disposed before it returns.
 *
 * The trainer does not own the model: dispose the model yourself after `trainer.dispose()`.
 */
import * as tf from '@tensorflow/tfjs';
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import type { Batch } from '../data/batch.js';
import { featuresAndLogits, LOGITS_LAYER } from '../model/build.js';
import { logitLayout, type TaskSpec } from '../tasks.js';
import { checkLabels, type ClassWeights, LOSS_KINDS, taskLosses, type LabelError, type LossKind } from './losses.js';
import { createOptimizer, parseOptimizerConfig, type OptimizerConfig, type OptimizerConfigError } from './optimizers.js';
import { decodeFloat32, decodeTrainerState, encodeFloat32, TRAINER_STATE_FORMAT, TRAINER_STATE_VERSION, type TrainerState } from './state.js';
import type { InGraphWeighting, SavedVariable } from './inGraphWeighting.js';
import type { StepResult } from './step.js';

export type BatchNormMode = 'train' | 'frozen';

export interface TrainerOptions {
  readonly model: tf.LayersModel;
  readonly tasks: readonly TaskSpec[];
  /** Loss of binary tasks; default 'bce'. Multi-class tasks use softmax cross-entropy (class-balanced under 'wbce'). */
  readonly loss?: LossKind;
  /** Label weights of 'wbce' (required by it, ignored by the others): src/train/classWeights.ts. */
  readonly classWeights?: ClassWeights;
  readonly optimizer: OptimizerConfig;
  /**
   * 'train' (default): batch-norm layers normalise the train batch with its own statistics and
   * update their moving averages. 'frozen': they use their moving statistics throughout (as the
   * paper's Caffe reference does); gamma and beta still train.
   */
  readonly batchNorm?: BatchNormMode;
  readonly weighting?: InGraphWeighting;
}

export interface EvaluateResult {
  readonly loss: number[];
  /** Logits [size, width], row-major. */
  readonly logits: Float32Array;
}

/** Images only (a Batch qualifies). */
export type ImageInput = Pick<Batch, 'images' | 'size' | 'height' | 'width' | 'channels'>;

export type TrainerError =
  | OptimizerConfigError
  | LabelError
  | { readonly _tag: 'BadTrainerOption'; readonly field: string; readonly message: string }
  | { readonly _tag: 'BadBatch'; readonly which: string; readonly message: string }
  | { readonly _tag: 'BadWeights'; readonly message: string }
  | { readonly _tag: 'BadTrainerState'; readonly message: string };

export const describeTrainerError = (e: TrainerError): string => {
  switch (e._tag) {
    case 'BadOptimizerConfig':
    case 'BadTrainerOption':
      return `${e.field}: ${e.message}`;
    case 'BadLabel':
      return e.message;
    case 'BadBatch':
      return `${e.which} batch: ${e.message}`;
    case 'BadWeights':
      return `weights: ${e.message}`;
    case 'BadTrainerState':
      return `trainer state: ${e.message}`;
  }
};

/** Thrown (as a rejected promise) by step/evaluate/predict/setState on bad input. */
export class TrainerInputError extends Error {
  constructor(readonly error: TrainerError) {
    super(describeTrainerError(error));
    this.name = 'TrainerInputError';
  }
}

export interface Trainer {
  readonly tasks: readonly TaskSpec[];
  /** Optimiser steps taken (restored by setState). */
  readonly iterations: number;
  readonly optimizerConfig: OptimizerConfig;
  step(train: Batch, val: Batch, weights: readonly number[]): Promise<StepResult>;
  evaluate(batch: Batch): Promise<EvaluateResult>;
  /** Logits [size, width], row-major, in inference mode. */
  predict(images: ImageInput): Promise<Float32Array>;
  /** Changes the learning rate from the next step on (for schedules); must be > 0. */
  setLearningRate(learningRate: number): void;
  getState(): Promise<TrainerState>;
  /** Restores a state from getState (possibly after JSON round trip) into this trainer. */
  setState(state: unknown): Promise<void>;
  /** Disposes the optimiser's state (not the model, not the weighting). */
  dispose(): void;
}

type NamedTensor = { name: string; tensor: tf.Tensor };

const fail = (error: TrainerError): never => {
  throw new TrainerInputError(error);
};

/**
 * Disposes a tfjs optimiser completely: MomentumOptimizer.dispose() (tfjs 4.22) does not call
 * SGDOptimizer.dispose(), leaving its learning-rate scalar `c` behind.
 */
const disposeOptimizer = (optimizer: tf.Optimizer): void => {
  optimizer.dispose();
  const c = (optimizer as unknown as { c?: tf.Tensor }).c;
  if (c !== undefined && !c.isDisposed) c.dispose();
};

const shapeText = (shape: readonly (number | null)[]): string => `[${shape.map((d) => (d === null ? 'N' : d)).join(', ')}]`;

const shapeOf = (v: tf.Variable): number[] => v.shape.slice();

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** Creates a trainer for a model built for `tasks`; Left on a bad configuration. */
export const createTrainer = (opts: TrainerOptions): Either<TrainerError, Trainer> => {
  const { model, tasks } = opts;
  const kind = opts.loss ?? 'bce';
  if (!LOSS_KINDS.includes(kind)) return left({ _tag: 'BadTrainerOption', field: 'loss', message: `expected one of ${LOSS_KINDS.join(', ')}, got '${kind}'` });
  const classWeights = opts.classWeights;
  if (kind === 'wbce') {
    const bad = (message: string) => left<TrainerError, Trainer>({ _tag: 'BadTrainerOption', field: 'classWeights', message });
    if (classWeights === undefined) return bad("loss 'wbce' needs the train split's class weights");
    if (classWeights.length !== tasks.length) return bad(`${classWeights.length} entries for ${tasks.length} tasks`);
    for (let j = 0; j < tasks.length; j++) {
      const t = tasks[j];
      const want = t.kind === 'binary' ? 2 : t.classes.length;
      if (classWeights[j].length !== want || !classWeights[j].every((w) => Number.isFinite(w) && w >= 0)) {
        return bad(`task '${t.name}': expected ${want} finite non-negative weights, got [${classWeights[j].join(', ')}]`);
      }
    }
  }
  const bnMode = opts.batchNorm ?? 'train';
  if (bnMode !== 'train' && bnMode !== 'frozen') {
    return left({ _tag: 'BadTrainerOption', field: 'batchNorm', message: `expected 'train' or 'frozen', got '${String(bnMode)}'` });
  }
  const parsed = parseOptimizerConfig(opts.optimizer);
  if (parsed._tag === 'Left') return parsed;
  if (tasks.length === 0) return left({ _tag: 'BadTrainerOption', field: 'tasks', message: 'expected at least one task' });
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    return left({ _tag: 'BadTrainerOption', field: 'model', message: 'expected a model with one input and one output' });
  }
  const width = logitLayout(tasks).width;
  const outShape = model.outputs[0].shape;
  if (outShape.length !== 2 || outShape[1] !== width) {
    return left({ _tag: 'BadTrainerOption', field: 'model', message: `the tasks need logits [N, ${width}], the model outputs ${shapeText(outShape)}` });
  }
  const weighting = opts.weighting;
  let view: tf.LayersModel | null = null;
  let logitsLayer: tf.layers.Layer | null = null;
  if (weighting?.wantsFeatures) {
    const v = featuresAndLogits(model);
    if (v._tag === 'Left') return left({ _tag: 'BadTrainerOption', field: 'weighting', message: `'${weighting.name}' needs shared features: ${v.left._tag === 'BadModelOption' ? v.left.message : v.left._tag}` });
    view = v.right;
    logitsLayer = model.getLayer(LOGITS_LAYER);
  }

  const modelVars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const extraVars = weighting ? [...weighting.variables] : [];
  const varList = [...modelVars, ...extraVars];
  const inShape = model.inputs[0].shape; // [null, h, w, c]
  const m = tasks.length;

  let config: OptimizerConfig = parsed.right;
  let optimizer = createOptimizer(config);
  let iterations = 0;
  let disposed = false;

  const checkBatch = (b: ImageInput, which: string): void => {
    if (disposed) throw new Error('trainer used after dispose()');
    const bad = (message: string): never => fail({ _tag: 'BadBatch', which, message });
    if (!(Number.isInteger(b.size) && b.size > 0)) bad(`size ${b.size}: expected a positive integer`);
    const dims = [b.height, b.width, b.channels];
    for (let i = 0; i < 3; i++) {
      const want = inShape[i + 1];
      if (want !== null && dims[i] !== want) bad(`images ${dims.join('x')}, the model takes ${inShape.slice(1).join('x')} (height x width x channels)`);
    }
    const n = b.size * b.height * b.width * b.channels;
    if (b.images.length !== n) bad(`images hold ${b.images.length} values, expected ${n} (size x height x width x channels)`);
  };

  const checkLabelled = (b: Batch, which: string): void => {
    checkBatch(b, which);
    if (b.tasks !== m) fail({ _tag: 'BadBatch', which, message: `${b.tasks} label columns, the trainer has ${m} tasks` });
    if (b.labels.length !== b.size * m) fail({ _tag: 'BadBatch', which, message: `labels hold ${b.labels.length} values, expected ${b.size * m}` });
    const labels = checkLabels(tasks, b);
    if (labels._tag === 'Left') fail({ ...labels.left, message: `${which} batch: ${labels.left.message}` });
  };

  const imagesTensor = (b: ImageInput): tf.Tensor4D => tf.tensor4d(b.images, [b.size, b.height, b.width, b.channels]);
  const labelsTensor = (b: Batch): tf.Tensor2D => tf.tensor2d(b.labels, [b.size, m]);

  const inferenceLosses = (b: Batch): { loss: tf.Tensor1D; logits: tf.Tensor2D } =>
    tf.tidy(() => {
      const logits = model.apply(imagesTensor(b), { training: false }) as tf.Tensor2D;
      return { loss: taskLosses(kind, tasks, logits, labelsTensor(b), classWeights), logits };
    });

  /** One optimiser step; returns the per-task train losses (the caller disposes them). */
  const trainStep = (train: Batch, weights: readonly number[]): tf.Tensor1D => {
    let kept = null as tf.Tensor1D | null;
    try {
      tf.tidy(() => {
        const x = imagesTensor(train);
        const y = labelsTensor(train);
        const w = tf.tensor1d(weights as number[]);
        const training = bnMode === 'train';
        const objective = (): tf.Scalar => {
          let logits: tf.Tensor2D;
          let features: tf.Tensor2D | undefined;
          if (view !== null) {
            [features, logits] = view.apply(x, { training }) as [tf.Tensor2D, tf.Tensor2D];
          } else {
            logits = model.apply(x, { training }) as tf.Tensor2D;
          }
          const losses = taskLosses(kind, tasks, logits, y, classWeights);
          kept = tf.keep(losses);
          if (weighting === undefined) return tf.sum(tf.mul(losses, w));
          const head = logitsLayer;
          try {
            return weighting.combine({
              losses,
              weights: w,
              iteration: iterations,
              ...(features !== undefined && head !== null
                ? { features, lossesOfFeatures: (f: tf.Tensor2D) => taskLosses(kind, tasks, head.apply(f) as tf.Tensor2D, y, classWeights) }
                : {}),
            });
          } catch (err) {
            // Let the tape finish (tfjs frees the tensors it saved for the backward pass only
            // then), and rethrow before anything is applied.
            combineError = { err };
            return tf.mul(tf.sum(losses), 0) as tf.Scalar;
          }
        };
        let combineError: { err: unknown } | null = null;
        const { grads } = optimizer.computeGradients(objective, varList);
        if (combineError !== null) throw (combineError as { err: unknown }).err;
        const decay = config.weightDecay;
        const named: NamedTensor[] = [];
        varList.forEach((v, i) => {
          const g = grads[v.name];
          if (g === undefined || g === null) return;
          named.push({ name: v.name, tensor: decay > 0 && i < modelVars.length ? tf.add(g, tf.mul(v, decay)) : g });
        });
        if (named.length !== varList.length) {
          // tfjs optimisers keep their slots by position: a variable without a gradient would shift them.
          const missing = varList.filter((v) => grads[v.name] == null).map((v) => v.name);
          throw new Error(`no gradient for ${missing.join(', ')}: every trainable variable must take part in the loss`);
        }
        optimizer.applyGradients(named);
      });
    } catch (err) {
      kept?.dispose();
      throw err;
    }
    if (kept === null) throw new Error('training objective did not run');
    return kept;
  };

  const readVariable = async (name: string, t: tf.Tensor): Promise<SavedVariable> => ({
    name,
    shape: t.shape.slice(),
    data: encodeFloat32((await t.data()) as Float32Array),
  });

  const trainer: Trainer = {
    tasks,
    get iterations() {
      return iterations;
    },
    get optimizerConfig() {
      return config;
    },

    async step(train, val, weights) {
      const t0 = performance.now();
      checkLabelled(train, 'train');
      checkLabelled(val, 'val');
      if (weights.length !== m) fail({ _tag: 'BadWeights', message: `${weights.length} weights for ${m} tasks` });
      if (!weights.every(Number.isFinite)) fail({ _tag: 'BadWeights', message: `not all finite: [${weights.join(', ')}]` });
      const trainLoss = trainStep(train, weights);
      iterations += 1;
      // Train and validation losses leave the device together: one read-back per step (on a GPU
      // each read waits for the queue, so two would cost two round trips).
      let both: tf.Tensor1D;
      try {
        both = tf.tidy(() => tf.concat([trainLoss, inferenceLosses(val).loss]));
      } finally {
        trainLoss.dispose();
      }
      try {
        const lv = await both.data();
        const result: StepResult = { trainLoss: Array.from(lv.subarray(0, m)), valLoss: Array.from(lv.subarray(m)), seconds: (performance.now() - t0) / 1000 };
        if (weighting?.afterStep) await weighting.afterStep({ iteration: iterations, trainLoss: result.trainLoss, valLoss: result.valLoss });
        return result;
      } finally {
        both.dispose();
      }
    },

    async evaluate(batch) {
      checkLabelled(batch, 'evaluate');
      const { loss, logits } = inferenceLosses(batch);
      try {
        const [l, z] = await Promise.all([loss.data(), logits.data()]);
        return { loss: Array.from(l), logits: z as Float32Array };
      } finally {
        loss.dispose();
        logits.dispose();
      }
    },

    async predict(images) {
      checkBatch(images, 'predict');
      const logits = tf.tidy(() => model.apply(imagesTensor(images), { training: false }) as tf.Tensor2D);
      try {
        return (await logits.data()) as Float32Array;
      } finally {
        logits.dispose();
      }
    },

    setLearningRate(learningRate) {
      if (!(Number.isFinite(learningRate) && learningRate > 0)) {
        fail({ _tag: 'BadOptimizerConfig', field: 'optimizer.learningRate', message: `expected a positive number, got ${learningRate}` });
      }
      config = { ...config, learningRate };
      if (config.name === 'sgd') {
        // (instanceof is no test here: tfjs's Optimizer overrides Symbol.hasInstance.)
        (optimizer as tf.SGDOptimizer).setLearningRate(learningRate);
      } else {
        // AdamOptimizer reads its (protected) learningRate field at every step.
        (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
      }
    },

    async getState() {
      const weightsNow = await optimizer.getWeights();
      // getWeights() returns a fresh iteration-count scalar first, then the slot variables themselves.
      const [iter, ...slotTensors] = weightsNow;
      iter.tensor.dispose();
      const slots = await Promise.all(slotTensors.map((s) => readVariable(s.name, s.tensor)));
      const state: TrainerState = {
        format: TRAINER_STATE_FORMAT,
        version: TRAINER_STATE_VERSION,
        optimizer: config,
        iterations,
        variableShapes: varList.map(shapeOf),
        slots,
        ...(weighting !== undefined
          ? {
              weighting: {
                name: weighting.name,
                variables: await Promise.all(weighting.variables.map((v) => readVariable(v.name, v))),
                ...(weighting.getState ? { state: weighting.getState() } : {}),
              },
            }
          : {}),
      };
      return state;
    },

    async setState(raw) {
      if (disposed) throw new Error('trainer used after dispose()');
      const decoded = decodeTrainerState(raw);
      if (decoded._tag === 'Left') return fail({ _tag: 'BadTrainerState', message: decoded.left });
      const state = decoded.right;
      const badState = (message: string): never => fail({ _tag: 'BadTrainerState', message });
      if (state.variableShapes.length !== varList.length) {
        badState(`saved for ${state.variableShapes.length} variables, this trainer has ${varList.length}`);
      }
      state.variableShapes.forEach((s, i) => {
        if (!sameShape(s, shapeOf(varList[i]))) badState(`variable ${i} (${varList[i].name}): saved shape [${s.join(', ')}], now [${shapeOf(varList[i]).join(', ')}]`);
      });
      const n = varList.length;
      if (state.slots.length % Math.max(n, 1) !== 0) badState(`${state.slots.length} optimiser slots for ${n} variables`);
      state.slots.forEach((s, i) => {
        if (!sameShape(s.shape, shapeOf(varList[i % n]))) badState(`slots[${i}] (${s.name}): shape [${s.shape.join(', ')}], expected [${shapeOf(varList[i % n]).join(', ')}]`);
      });
      if ((state.weighting?.name ?? null) !== (weighting?.name ?? null)) {
        badState(`saved with weighting ${state.weighting?.name ?? 'none'}, this trainer has ${weighting?.name ?? 'none'}`);
      }
      if (state.weighting !== undefined && weighting !== undefined) {
        const saved = state.weighting.variables;
        if (saved.length !== weighting.variables.length) badState(`weighting variables: ${saved.length} saved, ${weighting.variables.length} now`);
        saved.forEach((s, i) => {
          if (!sameShape(s.shape, weighting.variables[i].shape)) badState(`weighting.variables[${i}]: shape [${s.shape.join(', ')}], expected [${weighting.variables[i].shape.join(', ')}]`);
        });
      }
      // All checked: replace the optimiser (its old slots are disposed with it).
      const fresh = createOptimizer(state.optimizer);
      const named: NamedTensor[] = [
        { name: 'iter', tensor: tf.scalar(state.iterations, 'int32') },
        ...state.slots.map((s) => ({ name: s.name, tensor: tf.tensor(decodeFloat32(s.data), [...s.shape], 'float32') })),
      ];
      try {
        await fresh.setWeights(named);
      } catch (err) {
        disposeOptimizer(fresh);
        throw err;
      } finally {
        tf.dispose(named.map((t) => t.tensor));
      }
      disposeOptimizer(optimizer);
      optimizer = fresh;
      config = state.optimizer;
      iterations = state.iterations;
      if (state.weighting !== undefined && weighting !== undefined) {
        state.weighting.variables.forEach((s, i) => {
          tf.tidy(() => weighting.variables[i].assign(tf.tensor(decodeFloat32(s.data), [...s.shape], 'float32')));
        });
        if (state.weighting.state !== undefined) weighting.setState?.(state.weighting.state);
      }
    },

    dispose() {
      if (disposed) return;
      disposed = true;
      disposeOptimizer(optimizer);
    },
  };
  return right(trainer);
};
