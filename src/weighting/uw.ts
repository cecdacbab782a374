/**
 * Uncertainty weighting (Kendall, Gal & Cipolla, CVPR 2018; LibMTL's UW, docs/REFERENCE.md §2), an
 * in-graph strategy in VLT's slot: learnable log-variances s_j (init -0.5), trained with the network by the
 * trainer's optimiser, and the loss
 *
 *   sum_j L_j / (2 exp(s_j)) + s_j / 2.
 *
 * Reported weights: the factor that multiplies each task's loss (and its gradient) in that sum,
 * lambda_j = 1 / (2 exp(s_j)) (0.824 for every task at the start). Their sum is not fixed: the
 * s_j / 2 term keeps them from growing without bound (at a fixed loss L_j the optimum is
 * exp(s_j) = L_j, lambda_j = 1 / (2 L_j)).
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { Scalar } from '@tensorflow/tfjs';
import type { Tfjs } from '../train/inGraphWeighting.js';
import { inGraphStrategy, type ReportingWeighting, savedWeights, uniqueVariableName } from './inGraph.js';
import { numberParam, rejectUnknown } from './params.js';
import type { StrategyDefinition } from './strategy.js';

export const UW_INIT = -0.5;

/** lambda_j = 1 / (2 exp(s_j)). */
export const uwWeights = (logVariances: readonly number[]): number[] => logVariances.map((s) => 1 / (2 * Math.exp(s)));

/** The in-graph weighting itself, built on the caller's tfjs `tf`. */
export const createUncertaintyWeighting = (tf: Tfjs, tasks: number, init = UW_INIT): ReportingWeighting => {
  if (!Number.isInteger(tasks) || tasks < 1) throw new RangeError(`uw: tasks must be a positive integer, got ${tasks}`);
  // (tidy frees the initial value; variables survive it)
  const s = tf.tidy(() => tf.variable(tf.fill([tasks], init), true, uniqueVariableName('awmtl_uw_log_variance')));
  let weights = uwWeights(new Array<number>(tasks).fill(init));
  return {
    name: 'uw',
    variables: [s],
    combine: (ctx) =>
      tf.tidy(() => tf.sum(tf.add(tf.div(ctx.losses, tf.mul(tf.exp(s), 2)), tf.div(s, 2))) as Scalar),
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

export const uw: StrategyDefinition = {
  name: 'uw',
  summary: 'uncertainty weighting (Kendall et al., CVPR 2018): learnable log-variances s, loss sum L/(2 exp(s)) + s/2, trained with the network',
  paramsHelp: {
    'uw-init': `initial log-variance of every task, in [-10, 10] (default ${UW_INIT}); reported weights are 1 / (2 exp(s))`,
  },
  create: (params) =>
    pipe(
      rejectUnknown('uw', params, ['uw-init']),
      E.chain(() => numberParam('uw', params, 'uw-init', UW_INIT, (x) => x >= -10 && x <= 10, 'a number in [-10, 10]')),
      E.map((init) => inGraphStrategy('uw', { 'uw-init': init }, (tasks, tf) => createUncertaintyWeighting(tf, tasks, init as number))),
    ),
};
