/** VLT as a strategy: reads validation losses every k iterations (REFERENCE §1). */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { isPositiveInteger, numberParam, rejectUnknown } from './params.js';
import type { StrategyDefinition, WeightDecision, WeightingStrategy } from './strategy.js';
import { describeSkip, vltWeights } from './vlt.js';

export const DEFAULT_K = 100;

export const vlt: StrategyDefinition = {
  name: 'vlt',
  summary: 'validation-loss trend (He et al., ACM MM 2017): weights from k-window mean validation losses and trends',
  paramsHelp: {
    k: `window length in iterations; updates at t >= 2k with t % k == 0 (default ${DEFAULT_K})`,
    'min-weight': 'optional floor on each weight, 0..1, keeping mean 1 (default off)',
  },
  create: (params) =>
    pipe(
      rejectUnknown('vlt', params, ['k', 'min-weight']),
      E.chain(() => numberParam('vlt', params, 'k', DEFAULT_K, isPositiveInteger, 'a positive integer')),
      E.bindTo('k'),
      E.bind('minWeight', () =>
        numberParam('vlt', params, 'min-weight', undefined, (x) => x >= 0 && x <= 1, 'a number in [0, 1]'),
      ),
      E.map(({ k, minWeight }): WeightingStrategy => ({
        name: 'vlt',
        reads: 'valLoss',
        cadence: { _tag: 'window', k: k as number },
        params: minWeight === undefined ? { k } : { k, 'min-weight': minWeight },
        start: () => ({
          update: (input, current) => {
            if (input._tag !== 'Window') {
              return { _tag: 'Skipped', iteration: input.iteration, reason: 'vlt needs window statistics', weights: current };
            }
            return pipe(
              vltWeights(input.pre, input.cur, { minWeight }),
              E.match(
                (skip): WeightDecision => ({ _tag: 'Skipped', iteration: input.iteration, reason: describeSkip(skip), weights: current }),
                (weights): WeightDecision => ({ _tag: 'Updated', iteration: input.iteration, weights }),
              ),
            );
          },
        }),
      })),
    ),
};
