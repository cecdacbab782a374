import { defer, finalize, map, type Observer, type OperatorFunction, Subject } from 'rxjs';
import type { StepRecord } from '../src/train/step.js';
import type { Vector, WeightDecision, WeightingStrategy } from '../src/weighting/index.js';
import { feedWeights } from './feedWeights.js';
import { weightUpdates } from './weightUpdates.js';

/** A step record, with the weight decision taken after it when it closed an update window. */
export type AdaptedRecord = StepRecord & { readonly decision?: WeightDecision };

/**
 * Closes the feedback loop: runs each step record through the strategy's
 * weight updates, pushes new weights into the weight subject before the next
 * iteration starts, and passes the record on annotated with the decision.
 *
 * ```
 * vlt, k = 2
 * records: --r1--r2--r3--r4--r5--r6--|
 *          adaptWeights(vlt, weights)
 * out:     --r1--r2--r3--R4--r5--R6--|       R = record with its decision
 * weights: 1-------------w4------w6---
 * ```
 *
 * Placed right after {@link trainStep}: the step of iteration t+1 reads the
 * subject after this operator has handled record t, so it uses the weights of
 * the last update at or before t. Strategy state lives in the subscription.
 *
 * @example
 * ```ts
 * const weights = weightSubject(40);
 * pairs$.pipe(trainStep(step, weights), adaptWeights(strategy, weights, 40))
 * ```
 * @param strategy A configured strategy.
 * @param weights The weight subject the step reads.
 * @param tasks Number of tasks.
 * @return An operator from step records to annotated step records.
 */
export const adaptWeights =
  (
    strategy: WeightingStrategy,
    weights: Pick<Observer<Vector>, 'next'>,
    tasks: number,
  ): OperatorFunction<StepRecord, AdaptedRecord> =>
  (records$) =>
    defer(() => {
      const input = new Subject<StepRecord>();
      let decided: WeightDecision | undefined;
      let failure: { error: unknown } | undefined;
      const subscription = input.pipe(weightUpdates(strategy, tasks), feedWeights(weights)).subscribe({
        next: (decision) => {
          decided = decision;
        },
        error: (error: unknown) => {
          failure = { error };
        },
      });
      return records$.pipe(
        map((record): AdaptedRecord => {
          decided = undefined;
          input.next(record);
          if (failure !== undefined) throw failure.error;
          return decided === undefined ? record : { ...record, decision: decided };
        }),
        finalize(() => subscription.unsubscribe()),
      );
    });
