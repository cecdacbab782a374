/**
 * The validation-loss-trend (VLT) rule of He et al. (ACM MM 2017), as pure
 * functions over plain numbers, and the strategy that applies it every k
 * iterations to the validation losses. See docs/REFERENCE.md §1.
 *
 *   trend_j      = |cur_j - pre_j| / cur_j
 *   norm_trend_j = trend_j / mean(trend)
 *   norm_loss_j  = cur_j / mean(cur)
 *   w_j          = norm_loss_j * norm_trend_j
 *   lambda_j     = w_j / mean(w)                (so mean(lambda) = 1)
 *
 * where pre and cur are the mean validation losses over the two most recent
 * k-iteration windows. Degenerate inputs do not produce Infinity or NaN
 * weights: the update is skipped (the caller keeps its previous weights) and
 * the reason is returned as a value.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { isPositiveInteger, numberParam, rejectUnknown } from './params.js';
import type { StrategyDefinition, WeightDecision, WeightingStrategy } from './strategy.js';
import { mean, type Vector } from './vector.js';

export type VltSkip =
  | { readonly _tag: 'LengthMismatch'; readonly pre: number; readonly cur: number }
  | { readonly _tag: 'NonPositiveLoss'; readonly task: number; readonly value: number }
  | { readonly _tag: 'DegenerateTrend'; readonly meanTrend: number };

/** One line describing why an update was skipped (tasks counted from 0, as in the weight arrays). */
export const describeSkip = (skip: VltSkip): string => {
  switch (skip._tag) {
    case 'LengthMismatch':
      return `window means have different lengths (${skip.pre} vs ${skip.cur})`;
    case 'NonPositiveLoss':
      return Number.isFinite(skip.value)
        ? `current mean loss of task ${skip.task} is ${skip.value} (must be > 0)`
        : `current mean loss of task ${skip.task} is not finite (${skip.value})`;
    case 'DegenerateTrend':
      return Number.isFinite(skip.meanTrend)
        ? `mean trend is ${skip.meanTrend} (all tasks flat)`
        : `mean trend is not finite (${skip.meanTrend})`;
  }
};

/** trend_j = |cur_j - pre_j| / cur_j. Pure; may return Infinity or NaN for degenerate input. */
export const lossTrend = (pre: Vector, cur: Vector): number[] => cur.map((c, j) => Math.abs(c - pre[j]) / c);

export interface VltOptions {
  /**
   * Optional floor on each weight (0 <= minWeight <= 1; default off). The floor
   * is met exactly while keeping mean(lambda) = 1: lambda_j = max(minWeight, c * w_j)
   * with the one c > 0 that makes the mean 1.
   */
  readonly minWeight?: number;
}

/**
 * The VLT weights for one update, or the reason the update must be skipped.
 * Worked example (docs/REFERENCE.md §1): pre [1, 0.5, 0.2], cur [0.8, 0.5, 0.1] -> [2, 0, 1].
 */
export const vltWeights = (pre: Vector, cur: Vector, options: VltOptions = {}): E.Either<VltSkip, number[]> => {
  if (pre.length !== cur.length || cur.length === 0) {
    return E.left({ _tag: 'LengthMismatch', pre: pre.length, cur: cur.length });
  }
  for (let j = 0; j < cur.length; j++) {
    if (!(cur[j] > 0) || !Number.isFinite(cur[j])) return E.left({ _tag: 'NonPositiveLoss', task: j, value: cur[j] });
  }
  const trend = lossTrend(pre, cur);
  const meanTrend = mean(trend);
  if (meanTrend === 0 || !Number.isFinite(meanTrend)) return E.left({ _tag: 'DegenerateTrend', meanTrend });
  const meanCur = mean(cur);
  const w = cur.map((c, j) => (c / meanCur) * (trend[j] / meanTrend));
  const meanW = mean(w);
  const lambda = w.map((x) => x / meanW);
  return E.right(options.minWeight !== undefined && options.minWeight > 0 ? floorWeights(lambda, options.minWeight) : lambda);
};

/**
 * Raise every weight to at least `floor` while keeping the mean at 1: returns
 * max(floor, c * w_j) for the unique scale c that makes the mean exactly 1.
 * Requires 0 <= floor <= 1 and mean(w) = 1 with w_j >= 0.
 */
export const floorWeights = (w: Vector, floor: number): number[] => {
  const m = w.length;
  if (floor >= 1) return new Array<number>(m).fill(1);
  // Sort descending; the k largest weights are scaled, the rest sit at the floor.
  const sorted = w.slice().sort((a, b) => b - a);
  let prefix = 0;
  for (let k = 1; k <= m; k++) {
    prefix += sorted[k - 1];
    const c = (m - (m - k) * floor) / prefix;
    const nextScaled = k < m ? c * sorted[k] : -Infinity;
    if (c * sorted[k - 1] >= floor && nextScaled < floor) {
      return w.map((x) => Math.max(floor, c * x));
    }
  }
  return w.slice();
};

/** VLT as a strategy: reads validation losses every k iterations (docs/REFERENCE.md §1). */
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
