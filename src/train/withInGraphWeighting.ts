/**
 * A trainer with an in-graph weighting (src/train/inGraphWeighting.ts): each
 * step result also carries the weights the weighting applied.
 */
import type { InGraphWeighting } from './inGraphWeighting.js';
import type { Trainer } from './trainer.js';

/**
 * Wraps a trainer created with `weighting`: each step result also carries the
 * weights the weighting applied in that step (`weights`, read from
 * `currentWeights()` before the step), which the step operator records instead
 * of the numbers it passed in; `dispose()` disposes the trainer and the
 * weighting (which this wrapper then owns). Everything else is the trainer's.
 */
export const withInGraphWeighting = (trainer: Trainer, weighting: InGraphWeighting): Trainer => {
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
