import { concatMap, defer, type ObservableInput, type OperatorFunction } from 'rxjs';

/**
 * Produces one batch per demand signal, lazily: the batch is made only when
 * the demand arrives, and the next one only after the previous has been made.
 *
 * ```
 * demand: --d-------d--d--|
 *         pullBatches(next)            next() takes 2 frames
 * out:    ----1-------2--3--|
 * ```
 *
 * This is how awmtl gets backpressure without RxJS having any: the training
 * loop emits a demand when it is ready for another batch (plus a fixed number
 * up front for prefetch), so at most that many batches exist at once.
 *
 * @example
 * ```ts
 * const demand = new BehaviorSubject<void>(undefined);        // prefetch 1
 * const train$ = demand.pipe(pullBatches(() => trainSource.next()));
 * // ... after each step: demand.next()
 * ```
 * @param next Makes the next batch (sync value, promise or observable).
 * @return An operator from demand signals to batches.
 */
export const pullBatches =
  <T>(next: () => ObservableInput<T>): OperatorFunction<unknown, T> =>
  (demand$) =>
    demand$.pipe(concatMap(() => defer(next)));
