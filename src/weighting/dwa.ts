/**
 * Dynamic weight average (Liu et al., CVPR 2019; LibMTL's DWA, docs/REFERENCE.md §2)
 * in VLT's slot: reads the train losses at a k-window cadence.
 *
 *   at t >= 2k with t % k == 0:
 *     pre_j = mean train loss of task j over (t-2k, t-k], cur_j = over (t-k, t]
 *     r_j = cur_j / pre_j,   lambda = M * softmax(r / T)      (T = 2; sum(lambda) = M)
 *   lambda = 1 before the first update.
 *
 * LibMTL's epoch-level DWA is the same rule with k = the iterations of one
 * epoch (`awmtl compare --level epoch` sets it, from `epochLevel`; with `awmtl train`, pass
 * `--k` = ceil(train images / batch size)). A window whose previous mean is not
 * a positive finite number (r undefined) skips the update and keeps the weights.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { isPositiveInteger, numberParam, rejectUnknown } from './params.js';
import type { StrategyDefinition, WeightDecision, WeightingStrategy } from './strategy.js';
import { scaledSoftmax, type Vector } from './vector.js';
import { DEFAULT_K } from './vlt.js';

export const DWA_TEMPERATURE = 2;

/** r_j = cur_j / pre_j, or the reason the update must be skipped. */
export const dwaRatios = (pre: Vector, cur: Vector): E.Either<string, number[]> => {
  if (pre.length !== cur.length || cur.length === 0) return E.left(`window means have different lengths (${pre.length} vs ${cur.length})`);
  for (let j = 0; j < pre.length; j++) {
    if (!(pre[j] > 0) || !Number.isFinite(pre[j])) return E.left(`previous mean loss of task ${j} is ${pre[j]} (must be a positive finite number)`);
    if (!Number.isFinite(cur[j])) return E.left(`current mean loss of task ${j} is not finite (${cur[j]})`);
  }
  return E.right(cur.map((c, j) => c / pre[j]));
};

/** DWA's weights from two window means: M * softmax((cur / pre) / T). */
export const dwaWeights = (pre: Vector, cur: Vector, temperature = DWA_TEMPERATURE): E.Either<string, number[]> =>
  E.map((r: number[]) => scaledSoftmax(r, temperature, r.length))(dwaRatios(pre, cur));

export const dwa: StrategyDefinition = {
  name: 'dwa',
  summary: 'dynamic weight average (Liu et al., CVPR 2019): lambda = M softmax(r / T), r = ratio of the last two k-window mean train losses',
  paramsHelp: {
    k: `window length in iterations (epoch level: the iterations of one epoch); updates at t >= 2k with t % k == 0 (default ${DEFAULT_K})`,
    temperature: `DWA's softmax temperature T, > 0 (default ${DWA_TEMPERATURE})`,
  },
  epochLevel: { param: 'k' },
  create: (params) =>
    pipe(
      rejectUnknown('dwa', params, ['k', 'temperature']),
      E.chain(() => numberParam('dwa', params, 'k', DEFAULT_K, isPositiveInteger, 'a positive integer')),
      E.bindTo('k'),
      E.bind('temperature', () => numberParam('dwa', params, 'temperature', DWA_TEMPERATURE, (x) => x > 0, 'a positive number')),
      E.map(({ k, temperature }): WeightingStrategy => ({
        name: 'dwa',
        reads: 'trainLoss',
        cadence: { _tag: 'window', k: k as number },
        params: { k, temperature },
        start: () => ({
          update: (input, current): WeightDecision => {
            if (input._tag !== 'Window') {
              return { _tag: 'Skipped', iteration: input.iteration, reason: 'dwa needs window statistics', weights: current };
            }
            return pipe(
              dwaWeights(input.pre, input.cur, temperature as number),
              E.match(
                (reason): WeightDecision => ({ _tag: 'Skipped', iteration: input.iteration, reason, weights: current }),
                (weights): WeightDecision => ({ _tag: 'Updated', iteration: input.iteration, weights }),
              ),
            );
          },
        }),
      })),
    ),
};
