/**
 * What in-graph weighting strategies (UW, GradNorm) share: the weights live in
 * the training graph, so a run of the strategy does not compute them: after
 * each iteration it reports the weights the weighting will apply next
 * (Updated, every iteration), which the training loop records and checkpoints
 * like any strategy's. Without a weighting (a replay of a log, or a trainer
 * created without `strategy.inGraph`) every update is skipped, saying why.
 *
 * This module never loads TensorFlow.js: the trainer's caller hands the tfjs
 * namespace to `strategy.inGraph(tasks, tf)`, so looking strategies up by name
 * (`awmtl replay --help`, say) stays light.
 */
import type { InGraphWeighting, Tfjs } from '../train/inGraphWeighting.js';
import type { WeightDecision, WeightingStrategy } from './strategy.js';

/** An in-graph weighting that also tells, synchronously, the weights its next step applies. */
export interface ReportingWeighting extends InGraphWeighting {
  /**
   * The weights in force for the next step, as plain numbers: read after
   * each step (`afterStep`) and restored with the trainer's state.
   */
  weightsNow(): number[];
}

export const inGraphStrategy = (
  name: string,
  params: Readonly<Record<string, unknown>>,
  make: (tasks: number, tf: Tfjs) => ReportingWeighting,
): WeightingStrategy => {
  let live: ReportingWeighting | undefined;
  return {
    name,
    reads: 'trainLoss',
    cadence: { _tag: 'iteration' },
    params,
    inGraph: (tasks, tf) => {
      live = make(tasks, tf);
      return live;
    },
    start: (tasks) => ({
      update: (input, current): WeightDecision => {
        const weights = live?.weightsNow();
        if (weights === undefined || weights.length !== tasks) {
          return {
            _tag: 'Skipped',
            iteration: input.iteration,
            reason: `${name} is trained with the network (in-graph): its weights exist only in a training run whose trainer has strategy.inGraph(tasks)`,
            weights: current,
          };
        }
        return { _tag: 'Updated', iteration: input.iteration, weights };
      },
    }),
  };
};

let counter = 0;

/** A variable name no other variable of this process has (tfjs registers variables by name). */
export const uniqueVariableName = (prefix: string): string => {
  counter += 1;
  return `${prefix}_${counter}_${Math.random().toString(36).slice(2, 8)}`;
};

/** Reads a saved `{ weights: number[] }` state of `tasks` finite numbers, or undefined. */
export const savedWeights = (state: unknown, tasks: number): number[] | undefined => {
  const w = (state as { weights?: unknown } | null)?.weights;
  return Array.isArray(w) && w.length === tasks && w.every((x) => typeof x === 'number' && Number.isFinite(x)) ? [...(w as number[])] : undefined;
};
