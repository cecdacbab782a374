import { type MonoTypeOperatorFunction, type Observer, tap } from 'rxjs';
import type { Vector, WeightDecision } from '../src/weighting/index.js';

/**
 * Pushes every updated weight vector into the weight subject; skipped
 * decisions leave the weights in force. Decisions pass through unchanged.
 *
 * ```
 * in:       --U4--S6--U8--|
 *           feedWeights(subject)
 * out:      --U4--S6--U8--|
 * subject:  --w4------w8---
 * ```
 *
 * @example
 * ```ts
 * steps$.pipe(weightUpdates(strategy, 40), feedWeights(weights))
 * ```
 * @param subject Where the weights go (usually from {@link weightSubject}).
 * @return A pass-through operator.
 */
export const feedWeights =
  (subject: Pick<Observer<Vector>, 'next'>): MonoTypeOperatorFunction<WeightDecision> =>
  (decisions$) =>
    decisions$.pipe(
      tap((decision) => {
        if (decision._tag === 'Updated') subject.next(decision.weights);
      }),
    );
