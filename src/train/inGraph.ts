/**
 * Helpers for in-graph weighting strategies (src/train/uw.ts, src/train/gradnorm.ts):
 * the weights they apply as plain numbers, and a trainer wrapper that reports
 * them in every step result and disposes the weighting with the trainer.
 */
import * as tf from '@tensorflow/tfjs';
import type { StepResult, Trainer } from './trainer.js';
import type { InGraphWeighting } from './weighting.js';

/** An in-graph weighting that also tells, synchronously, the weights its next step applies. */
export interface ReportingWeighting extends InGraphWeighting {
  /**
   * The weights in force for the next step, as plain numbers: read after
   * each step (`afterStep`) and restored with the trainer's state.
   */
  weightsNow(): number[];
}

/** A step result that carries the weights the in-graph weighting applied. */
export type WeightedStepResult = StepResult & { readonly weights?: number[] };

export interface InGraphTrainer extends Trainer {
  step(...args: Parameters<Trainer['step']>): Promise<WeightedStepResult>;
}

/**
 * Wraps a trainer created with `weighting`: each step result also carries the
 * weights the weighting applied in that step (`weights`, read from
 * `currentWeights()` before the step), which the step operator records instead
 * of the numbers it passed in; `dispose()` disposes the trainer and the
 * weighting (which this wrapper then owns). Everything else is the trainer's.
 */
export const withInGraphWeighting = (trainer: Trainer, weighting: InGraphWeighting): InGraphTrainer => {
  let disposed = false;
  return {
    get tasks() {
      return trainer.tasks;
    },
    get iterations() {
      return trainer.iterations;
    },
    get optimizerConfig() {
      return trainer.optimizerConfig;
    },
    async step(train, val, weights) {
      const applied = weighting.currentWeights === undefined ? undefined : await weighting.currentWeights();
      const result = await trainer.step(train, val, weights);
      return applied === undefined ? result : { ...result, weights: applied };
    },
    evaluate: (batch) => trainer.evaluate(batch),
    predict: (images) => trainer.predict(images),
    setLearningRate: (lr) => trainer.setLearningRate(lr),
    getState: () => trainer.getState(),
    setState: (state) => trainer.setState(state),
    dispose() {
      if (disposed) return;
      disposed = true;
      trainer.dispose();
      weighting.dispose();
    },
  };
};

let counter = 0;

/** A variable name no other variable of this process has (tfjs registers variables by name). */
export const uniqueVariableName = (prefix: string): string => {
  counter += 1;
  return `${prefix}_${counter}_${Math.random().toString(36).slice(2, 8)}`;
};

/** Reads a saved `{ weights: number[] }` state of `tasks` finite numbers, or undefined. */
export const savedWeights = (state: unknown, tasks: number): number[] | undefined => {
  const w = (state as { weights?: unknown } | null)?.weights;
  return Array.isArray(w) && w.length === tasks && w.every((x) => typeof x === 'number' && Number.isFinite(x)) ? [...(w as number[])] : undefined;
};

/** A one-hot float vector [m] (for picking one task's loss without gather, whose gradient wasm lacks). */
export const oneHot = (m: number, j: number): tf.Tensor1D => {
  const values = new Float32Array(m);
  values[j] = 1;
  return tf.tensor1d(values);
};
