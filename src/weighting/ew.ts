/** Equal weighting: lambda = 1 for every task, at every update point. */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { isPositiveInteger, numberParam, rejectUnknown } from './params.js';
import type { StrategyDefinition } from './strategy.js';
import { ones } from './vector.js';
import { DEFAULT_K } from './vlt.js';

export const ew: StrategyDefinition = {
  name: 'ew',
  summary: 'equal weights: lambda = 1 for every task (the baseline)',
  paramsHelp: { k: `reporting cadence only: an update point every k iterations from 2k (default ${DEFAULT_K})` },
  create: (params) =>
    pipe(
      rejectUnknown('ew', params, ['k']),
      E.chain(() => numberParam('ew', params, 'k', DEFAULT_K, isPositiveInteger, 'a positive integer')),
      E.map((k) => ({
        name: 'ew',
        reads: 'trainLoss' as const,
        cadence: { _tag: 'window' as const, k: k as number },
        params: { k },
        start: (tasks: number) => ({
          update: (input) => ({ _tag: 'Updated' as const, iteration: input.iteration, weights: ones(tasks) }),
        }),
      })),
    ),
};
