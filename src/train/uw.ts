/**
 * Uncertainty weighting (Kendall, Gal & Cipolla, CVPR 2018; LibMTL's UW, REFERENCE §2) as an
 * in-graph weighting: learnable log-variances s_j (init -0.5), trained with the network by the
 * trainer's optimiser, and the loss
 *
 *   sum_j L_j / (2 exp(s_j)) + s_j / 2.
 *
 * Reported weights: the factor that multiplies each task's loss (and its gradient) in that sum,
 * lambda_j = 1 / (2 exp(s_j)) (0.824 for every task at the start). Their sum is not fixed: the
 * s_j / 2 term keeps them from growing without bound (at a fixed loss L_j the optimum is
 * exp(s_j) = L_j, lambda_j = 1 / (2 L_j)).
 */
import * as tf from '@tensorflow/tfjs';
import { type ReportingWeighting, savedWeights, uniqueVariableName } from './inGraph.js';

export const UW_INIT = -0.5;

/** lambda_j = 1 / (2 exp(s_j)). */
export const uwWeights = (logVariances: readonly number[]): number[] => logVariances.map((s) => 1 / (2 * Math.exp(s)));

export const createUncertaintyWeighting = (tasks: number, init = UW_INIT): ReportingWeighting => {
  if (!Number.isInteger(tasks) || tasks < 1) throw new RangeError(`uw: tasks must be a positive integer, got ${tasks}`);
  // (tidy frees the initial value; variables survive it)
  const s = tf.tidy(() => tf.variable(tf.fill([tasks], init), true, uniqueVariableName('awmtl_uw_log_variance')));
  let weights = uwWeights(new Array<number>(tasks).fill(init));
  return {
    name: 'uw',
    variables: [s],
    combine: (ctx) =>
      tf.tidy(() => tf.sum(tf.add(tf.div(ctx.losses, tf.mul(tf.exp(s), 2)), tf.div(s, 2))) as tf.Scalar),
    async afterStep() {
      weights = uwWeights(Array.from(await s.data()));
    },
    currentWeights: async () => [...weights],
    weightsNow: () => [...weights],
    getState: () => ({ weights }),
    setState(state) {
      // The trainer has assigned the saved s already: the saved weights are the same numbers.
      weights = savedWeights(state, tasks) ?? uwWeights(Array.from(s.dataSync()));
    },
    dispose: () => s.dispose(),
  };
};
