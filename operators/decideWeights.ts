import { defer, map, type OperatorFunction } from 'rxjs';
import { ones, type StrategyInput, type WeightDecision, type WeightingStrategy } from '../src/weighting/index.js';

/**
 * Turns strategy inputs (window statistics or per-iteration losses) into
 * weight decisions with a configured strategy.
 *
 * ```
 * in:   -----W4----W6----W8--|
 *       decideWeights(vlt, 3)
 * out:  -----U4----S6----U8--|       U = Updated, S = Skipped (keeps the weights)
 * ```
 *
 * Each subscription starts a fresh strategy run with all weights 1; a skipped
 * update carries the weights that stay in force and the reason.
 *
 * @example
 * ```ts
 * valLoss$.pipe(windowedTrend(k), map(toWindowInput), decideWeights(strategy, 40))
 * ```
 * @param strategy A configured strategy (see src/weighting/registry).
 * @param tasks Number of tasks.
 * @return An operator from strategy inputs to weight decisions.
 */
export const decideWeights =
  (strategy: WeightingStrategy, tasks: number): OperatorFunction<StrategyInput, WeightDecision> =>
  (input$) =>
    defer(() => {
      const run = strategy.start(tasks);
      let current: readonly number[] = ones(tasks);
      return input$.pipe(
        map((input) => {
          const decision = run.update(input, current);
          current = decision.weights;
          return decision;
        }),
      );
    });
