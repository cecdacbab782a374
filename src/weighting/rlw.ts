/**
 * Random loss weighting (Lin et al., TMLR 2022; LibMTL's RLW, docs/REFERENCE.md §2):
 * fresh random weights every iteration, lambda = M * softmax(z), z ~ N(0, 1)
 * per task (LibMTL's softmax(z), scaled by M so that the weights sum to M
 * like every other strategy here; all positive).
 *
 * The draws are counter-based: the weights used at iteration i (i >= 2) are a
 * pure function of (seed, i), so a resumed run, a replay of its log and a
 * second run with the same seed all get the same weights. Iteration 1 uses the
 * initial weights (all ones), as with every strategy: the first decision is
 * taken after the first step. The losses themselves are not used.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { deriveSeed, Rng, streamTag } from '../random.js';
import { numberParam, rejectUnknown } from './params.js';
import type { StrategyDefinition, WeightingStrategy } from './strategy.js';
import { scaledSoftmax } from './vector.js';

const RLW_STREAM = streamTag('rlw');

/** The standard normal draws z of the weights used at `iteration`. */
export const rlwDraws = (seed: number, iteration: number, tasks: number): number[] => {
  const rng = Rng.fromSeed(deriveSeed(seed, RLW_STREAM, iteration));
  return Array.from({ length: tasks }, () => rng.normal());
};

/** The weights used at `iteration`: M * softmax(z). */
export const rlwWeights = (seed: number, iteration: number, tasks: number): number[] =>
  scaledSoftmax(rlwDraws(seed, iteration, tasks), 1, tasks);

const isSeed = (x: number): boolean => Number.isSafeInteger(x) && x >= 0;

export const rlw: StrategyDefinition = {
  name: 'rlw',
  summary: 'random loss weighting: lambda = M softmax(z), z ~ N(0, 1) drawn every iteration from (seed, iteration)',
  paramsHelp: {
    seed: 'seed of the weight draws, a non-negative integer (default 0; awmtl train and compare use the run seed)',
  },
  create: (params) =>
    pipe(
      rejectUnknown('rlw', params, ['seed']),
      E.chain(() => numberParam('rlw', params, 'seed', 0, isSeed, 'a non-negative integer')),
      E.map((seed): WeightingStrategy => ({
        name: 'rlw',
        reads: 'trainLoss',
        cadence: { _tag: 'iteration' },
        params: { seed },
        start: (tasks) => ({
          // Decided after iteration t: the weights of iteration t + 1.
          update: (input) => ({ _tag: 'Updated', iteration: input.iteration, weights: rlwWeights(seed as number, input.iteration + 1, tasks) }),
        }),
      })),
    ),
};
