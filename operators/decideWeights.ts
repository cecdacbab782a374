import { defer, map, type OperatorFunction } from 'rxjs';
import {
  ones,
  type StrategyInput,
  type WeightDecision,
  type WeightingRun,
  type WeightingStrategy,
} from '../src/weighting/index.js';

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
 * @param tasks Number of tasks (default: the length of the first input's losses).
 * @return An operator from strategy inputs to weight decisions.
 */
export const decideWeights =
  (strategy: WeightingStrategy, tasks?: number): OperatorFunction<StrategyInput, WeightDecision> =>
  (input$) =>
    defer(() => {
      let run: WeightingRun | undefined;
      let current: readonly number[] = [];
      return input$.pipe(
        map((input) => {
          if (run === undefined) {
            const m = tasks ?? (input._tag === 'Window' ? input.cur.length : input.losses.length);
            run = strategy.start(m);
            current = ones(m);
          }
          const decision = run.update(input, current);
          current = decision.weights;
          return decision;
        }),
      );
    });
