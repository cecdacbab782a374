import { concat, defer, from, type OperatorFunction, skip } from 'rxjs';
import type { StepRecord } from '../src/train/step.js';
import type { Vector, WeightingStrategy } from '../src/weighting/index.js';
import { adaptWeights, type AdaptedRecord } from './adaptWeights.js';
import { type StepFunction, trainStep } from './trainStep.js';
import { weightSubject } from './weightSubject.js';

export interface AdaptiveTrainingOptions {
  /** Weights in force at the first iteration (default all ones; a resumed run passes its checkpoint's). */
  readonly initialWeights?: Vector;
  readonly firstIteration?: number;
  readonly now?: () => number;
  /**
   * Records of iterations already run (a resumed run's log): replayed through
   * the weight updates before the first new step, so the strategy's state and
   * the weights are exactly where the interrupted run left them. Not re-emitted.
   */
  readonly history?: readonly StepRecord[];
  /** Called with the weight subject when a subscription starts (to observe the weights). */
  readonly onWeights?: (weights: { getValue(): Vector }) => void;
}

/**
 * The whole adaptive training loop as one operator: training step, weight
 * updates and the feedback subject, with a fresh weight subject per
 * subscription.
 *
 * ```
 * vlt, k = 2
 * pairs:   --p--p--p--p--p--p--|
 *          adaptiveTraining(step, vlt, M)
 * out:     --r--r--r--R--r--R--|      weights used: 1 1 1 1 w4 w4
 * ```
 *
 * With `history`, the recorded iterations go through the weight updates first
 * (without training), then training continues at `firstIteration`.
 *
 * @example
 * ```ts
 * trainBatches$.pipe(pairBatches(valBatches$), adaptiveTraining(step, strategy, 40))
 * ```
 * @param step The step implementation.
 * @param strategy A configured weighting strategy.
 * @param tasks Number of tasks.
 * @param options Initial weights and first iteration (resume), clock.
 * @return An operator from (train, val) pairs to annotated step records.
 */
export const adaptiveTraining =
  <Train, Val>(
    step: StepFunction<Train, Val>,
    strategy: WeightingStrategy,
    tasks: number,
    options: AdaptiveTrainingOptions = {},
  ): OperatorFunction<readonly [Train, Val], AdaptedRecord> =>
  (pairs$) =>
    defer(() => {
      const weights = weightSubject(tasks, options.initialWeights);
      options.onWeights?.(weights);
      const history = options.history ?? [];
      const firstIteration = options.firstIteration ?? history.length + 1;
      // concat subscribes to the live steps only after the history has gone
      // through adaptWeights, so the first new step reads the replayed weights.
      return concat(from(history), pairs$.pipe(trainStep(step, weights, { ...options, firstIteration }))).pipe(
        adaptWeights(strategy, weights, tasks),
        skip(history.length),
      );
    });
