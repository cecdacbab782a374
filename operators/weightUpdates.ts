import { map, type OperatorFunction, pipe } from 'rxjs';
import type { StepResult } from '../src/train/step.js';
import type { StrategyInput, WeightDecision, WeightingStrategy } from '../src/weighting/index.js';
import { decideWeights } from './decideWeights.js';
import { windowedTrend } from './windowedTrend.js';

/**
 * From per-iteration step results to weight decisions: picks the loss series
 * the strategy reads, windows it when the strategy has a window cadence, and
 * decides the weights.
 *
 * ```
 * vlt, k = 2
 * steps: --1--2--3--4--5--6--|
 *        weightUpdates(vlt, 3)
 * out:   -----------U4----U6-|
 * ```
 * With an 'iteration' cadence strategy there is one decision per step.
 *
 * @example
 * ```ts
 * steps$.pipe(weightUpdates(strategy, tasks), feedWeights(weights$))
 * ```
 * @param strategy A configured strategy.
 * @param tasks Number of tasks (default: inferred from the first step).
 * @return An operator from step results to weight decisions.
 */
export const weightUpdates = (
  strategy: WeightingStrategy,
  tasks?: number,
): OperatorFunction<Pick<StepResult, 'trainLoss' | 'valLoss'>, WeightDecision> => {
  const series = strategy.reads;
  const cadence = strategy.cadence;
  return cadence._tag === 'window'
    ? pipe(
        map((step) => step[series]),
        windowedTrend(cadence.k),
        map((stats): StrategyInput => ({ _tag: 'Window', ...stats })),
        decideWeights(strategy, tasks),
      )
    : pipe(
        map((step, index): StrategyInput => ({ _tag: 'Iteration', iteration: index + 1, losses: step[series] })),
        decideWeights(strategy, tasks),
      );
};
