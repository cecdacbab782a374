import { concatMap, defer, from, isObservable, map, type ObservableInput, of, type OperatorFunction } from 'rxjs';
import type { StepRecord, StepRequest, StepResult } from '../src/train/step.js';
import type { Vector } from '../src/weighting/index.js';

/** A step implementation: the TensorFlow.js trainer, or a pure fake in tests. */
export type StepFunction<Train, Val> = (request: StepRequest<Train, Val>) => StepResult | ObservableInput<StepResult>;

export interface TrainStepOptions {
  /** Number of the first iteration (default 1; a resumed run starts after its checkpoint). */
  readonly firstIteration?: number;
  /** Clock in milliseconds (default performance.now), injectable for tests. */
  readonly now?: () => number;
}

/**
 * Runs one training iteration per (train, val) pair, reading the task weights
 * in force when the iteration starts, and emits the iteration's log record.
 *
 * ```
 * pairs:   --p1--p2--------p3--|
 *          trainStep(step, weights)          each step takes 3 frames
 * records: -----r1---r2-------r3|
 * ```
 *
 * Iterations run one at a time (`concatMap`): iteration t+1 starts only after
 * iteration t has emitted, so weights pushed by downstream operators in
 * reaction to r_t are the ones iteration t+1 uses. A step that decides its
 * weights itself (an in-graph strategy) reports them in its result, and the
 * record carries those. Only plain numbers leave
 * the step: tensors stay inside the implementation, which frees them.
 *
 * @example
 * ```ts
 * pairs$.pipe(trainStep((req) => trainer.step(req.train, req.val, req.weights), weights))
 * ```
 * @param step The step implementation.
 * @param weights Where the current weights are read (a BehaviorSubject).
 * @param options First iteration number and clock.
 * @return An operator from pairs to step records.
 */
export const trainStep =
  <Train, Val>(
    step: StepFunction<Train, Val>,
    weights: { getValue(): Vector },
    options: TrainStepOptions = {},
  ): OperatorFunction<readonly [Train, Val], StepRecord> =>
  (pairs$) =>
    defer(() => {
      const now = options.now ?? (() => performance.now());
      let iteration = (options.firstIteration ?? 1) - 1;
      return pairs$.pipe(
        concatMap(([train, val]) =>
          defer(() => {
            iteration += 1;
            const current = iteration;
            const used = weights.getValue();
            const started = now();
            const result = step({ iteration: current, train, val, weights: used });
            const result$ = isStepResult(result) ? of(result) : from(result);
            return result$.pipe(
              map(
                (r): StepRecord => ({
                  iteration: current,
                  trainLoss: r.trainLoss,
                  valLoss: r.valLoss,
                  weights: r.weights ?? used,
                  seconds: (now() - started) / 1000,
                }),
              ),
            );
          }),
        ),
      );
    });

const isStepResult = (x: unknown): x is StepResult =>
  typeof x === 'object' && x !== null && !isObservable(x) && !(x instanceof Promise) && 'trainLoss' in x && 'valLoss' in x;
