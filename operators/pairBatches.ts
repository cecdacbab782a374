import { type Observable, type OperatorFunction, zipWith } from 'rxjs';

/**
 * Pairs each train batch with one validation batch, in order.
 *
 * ```
 * train: --a-----b-----c--|
 * val:   ----x-y----z-------w|
 *        pairBatches(val$)
 * out:   ----A---B-----C--|         A = [a, x], B = [b, y], C = [c, z]
 * ```
 *
 * The n-th train batch meets the n-th validation batch; a pair is emitted when
 * both have arrived. The output completes as soon as either stream has ended
 * and has no unpaired batch left, so an extra train batch is never trained
 * without its validation partner. Errors from either side pass through.
 *
 * Sources should be lazy and pull-driven (see {@link pullBatches}): RxJS has no
 * backpressure, and a fast side would otherwise pile up unpaired batches.
 *
 * @example
 * ```ts
 * trainBatches$.pipe(pairBatches(valBatches$), trainStep(step, weights))
 * ```
 * @param val$ The validation batch stream.
 * @return An operator emitting `[train, val]` tuples.
 */
export const pairBatches =
  <Train, Val>(val$: Observable<Val>): OperatorFunction<Train, readonly [Train, Val]> =>
  (train$) =>
    train$.pipe(zipWith(val$));
