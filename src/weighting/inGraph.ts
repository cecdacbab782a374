/**
 * The strategy side of in-graph weightings (UW, GradNorm): the weights live in
 * the training graph (src/train/uw.ts, src/train/gradnorm.ts), so a run of the
 * strategy does not compute them: after each iteration it reports the weights
 * the weighting will apply next (Updated, every iteration), which the training
 * loop records and checkpoints like any strategy's. Without a weighting (a
 * replay of a log, or a trainer created without `strategy.inGraph`) every
 * update is skipped, saying why.
 */
import type { ReportingWeighting } from '../train/inGraph.js';
import type { WeightDecision, WeightingStrategy } from './strategy.js';

export const inGraphStrategy = (
  name: string,
  params: Readonly<Record<string, unknown>>,
  make: (tasks: number) => ReportingWeighting,
): WeightingStrategy => {
  let live: ReportingWeighting | undefined;
  return {
    name,
    reads: 'trainLoss',
    cadence: { _tag: 'iteration' },
    params,
    inGraph: (tasks) => {
      live = make(tasks);
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
