/**
 * GradNorm (Chen et al., ICML 2018) in VLT's slot: an in-graph strategy whose
 * weights M softmax(a) are trained with the network from per-task gradient
 * norms at the last shared layer (see src/train/gradnorm.ts).
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { createGradNorm, GRADNORM_ALPHA } from '../train/gradnorm.js';
import { inGraphStrategy } from './inGraph.js';
import { numberParam, rejectUnknown } from './params.js';
import type { StrategyDefinition } from './strategy.js';

export const gradnorm: StrategyDefinition = {
  name: 'gradnorm',
  summary: 'GradNorm (Chen et al., ICML 2018): weights M softmax(a), a trained to balance per-task gradient norms at the last shared layer',
  paramsHelp: {
    alpha: `GradNorm's asymmetry alpha, in [0, 10] (default ${GRADNORM_ALPHA})`,
  },
  create: (params) =>
    pipe(
      rejectUnknown('gradnorm', params, ['alpha']),
      E.chain(() => numberParam('gradnorm', params, 'alpha', GRADNORM_ALPHA, (x) => x >= 0 && x <= 10, 'a number in [0, 10]')),
      E.map((alpha) => inGraphStrategy('gradnorm', { alpha }, (tasks) => createGradNorm(tasks, alpha as number))),
    ),
};
