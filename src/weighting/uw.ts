/**
 * Uncertainty weighting (Kendall et al., CVPR 2018) in VLT's slot: an in-graph
 * strategy, trained with the network (see src/train/uw.ts for the loss and the
 * scale of the reported weights, 1 / (2 exp(s_j))).
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { createUncertaintyWeighting, UW_INIT } from '../train/uw.js';
import { inGraphStrategy } from './inGraph.js';
import { numberParam, rejectUnknown } from './params.js';
import type { StrategyDefinition } from './strategy.js';

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
      E.map((init) => inGraphStrategy('uw', { 'uw-init': init }, (tasks) => createUncertaintyWeighting(tasks, init as number))),
    ),
};
