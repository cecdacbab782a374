import { BehaviorSubject } from 'rxjs';
import { ones, type Vector } from '../src/weighting/index.js';

/**
 * The feedback edge of the training loop: a BehaviorSubject of task weights.
 *
 * ```
 * decisions:  -----U4--------U8----|
 *             (feedWeights)
 * weights:    1----w4--------w8----      (starts at all ones)
 * step reads: 1  1  1  1  w4 w4 w4 w4 w8 ...   at iterations 1..9
 * ```
 *
 * The step operator reads `getValue()` when an iteration starts; the weight
 * operators push each new vector with {@link feedWeights}. Because the step
 * sits in `concatMap`, iteration t+1 starts only after iteration t's results
 * have flowed through the weight operators, so it sees the latest update.
 *
 * @example
 * ```ts
 * const weights = weightSubject(40);
 * pairs$.pipe(trainStep(step, weights), share()) ... weightUpdates(...), feedWeights(weights)
 * ```
 * @param tasks Number of tasks.
 * @param initial Starting weights (default all ones), e.g. from a checkpoint.
 * @return A BehaviorSubject holding the weights in force.
 */
export const weightSubject = (tasks: number, initial?: Vector): BehaviorSubject<Vector> => {
  if (initial !== undefined && initial.length !== tasks) {
    throw new RangeError(`weightSubject: ${initial.length} initial weights for ${tasks} tasks`);
  }
  return new BehaviorSubject<Vector>(initial ?? ones(tasks));
};
