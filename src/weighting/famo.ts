/**
 * FAMO, fast adaptive multitask optimisation (Liu et al., NeurIPS 2023; LibMTL's
 * FAMO, docs/REFERENCE.md §2), adapted to VLT's slot: weights from the train losses of
 * the per-iteration log, every iteration.
 *
 * FAMO keeps logits w (init 0), z = softmax(w), and minimises
 * sum_j z_j log(L_j - min_j + eps) / c with c = sum_j z_j / (L_j - min_j + eps)
 * (LibMTL: min = 0, eps = 1e-8). After each step it moves w with Adam (lr
 * w_lr = 0.025, L2 weight decay gamma = 1e-3 added to the gradient, as torch's
 * Adam does) along d = J_softmax(w)^T delta, delta_j = log L_j(before) -
 * log L_j(after) on the same batch.
 *
 * What the log allows, and so what awmtl does (an approximation, stated):
 * - delta: the log has each iteration's train losses on that iteration's batch
 *   before its update, not after. awmtl uses the decrease between consecutive
 *   iterations, delta_j(t) = log(L_j(t-1) + eps) - log(L_j(t) + eps): two
 *   different batches, so batch-to-batch noise enters the w update (Adam's
 *   normalisation keeps its step size bounded);
 * - weights: FAMO's objective weights task j's gradient by z_j / (c D_j),
 *   D_j = L_j + eps on the step's own batch, unknown when the step's weights
 *   are fixed. awmtl evaluates it at the latest losses L(t) and scales it to
 *   sum M: lambda_j = M (z_j / D_j) / sum_i (z_i / D_i), used at iteration t+1.
 * An iteration with a loss that is not a positive finite number skips (weights
 * and w unchanged) and the next delta starts from the following iteration.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { numberParam, rejectUnknown } from './params.js';
import type { StrategyDefinition, WeightDecision, WeightingStrategy } from './strategy.js';
import { scaledSoftmax, sum, type Vector } from './vector.js';

export const FAMO_W_LR = 0.025;
export const FAMO_GAMMA = 1e-3;
export const FAMO_EPS = 1e-8;
const BETA1 = 0.9;
const BETA2 = 0.999;
const ADAM_EPS = 1e-8;

export interface FamoState {
  /** Logits of the task distribution z = softmax(w). */
  readonly w: number[];
  /** Adam's first and second moments and its step count. */
  readonly m: number[];
  readonly v: number[];
  readonly steps: number;
  /** Train losses of the previous iteration (undefined at the start or after a skip). */
  readonly previous?: readonly number[];
}

export const famoStart = (tasks: number): FamoState => ({
  w: new Array<number>(tasks).fill(0),
  m: new Array<number>(tasks).fill(0),
  v: new Array<number>(tasks).fill(0),
  steps: 0,
});

/** d = J_softmax(w)^T delta: d_i = z_i (delta_i - sum_j z_j delta_j). */
export const softmaxVjp = (z: Vector, delta: Vector): number[] => {
  const dot = sum(z.map((zj, j) => zj * delta[j]));
  return z.map((zi, i) => zi * (delta[i] - dot));
};

/** One Adam step (torch semantics, L2 decay added to the gradient) on w along gradient d. */
export const adamStep = (state: FamoState, d: Vector, lr: number, gamma: number): Pick<FamoState, 'w' | 'm' | 'v' | 'steps'> => {
  const steps = state.steps + 1;
  const g = d.map((x, j) => x + gamma * state.w[j]);
  const m = state.m.map((mj, j) => BETA1 * mj + (1 - BETA1) * g[j]);
  const v = state.v.map((vj, j) => BETA2 * vj + (1 - BETA2) * g[j] * g[j]);
  const c1 = 1 - BETA1 ** steps;
  const c2 = 1 - BETA2 ** steps;
  const w = state.w.map((wj, j) => wj - (lr * (m[j] / c1)) / (Math.sqrt(v[j] / c2) + ADAM_EPS));
  return { w, m, v, steps };
};

/** lambda_j = M (z_j / D_j) / sum_i (z_i / D_i), D = losses + eps. */
export const famoLossWeights = (z: Vector, losses: Vector): number[] => {
  const q = z.map((zj, j) => zj / (losses[j] + FAMO_EPS));
  const total = sum(q);
  return q.map((x) => (z.length * x) / total);
};

/**
 * One FAMO update from an iteration's train losses: the next state and the
 * weights for the next iteration, or a reason to skip.
 */
export const famoUpdate = (
  state: FamoState,
  losses: Vector,
  lr = FAMO_W_LR,
  gamma = FAMO_GAMMA,
): E.Either<string, { readonly state: FamoState; readonly weights: number[] }> => {
  if (losses.length !== state.w.length) return E.left(`${losses.length} losses for ${state.w.length} tasks`);
  for (let j = 0; j < losses.length; j++) {
    if (!(losses[j] > 0) || !Number.isFinite(losses[j])) return E.left(`train loss of task ${j} is ${losses[j]} (must be a positive finite number)`);
  }
  let next: FamoState = state;
  if (state.previous !== undefined) {
    const prev = state.previous;
    const delta = losses.map((l, j) => Math.log(prev[j] + FAMO_EPS) - Math.log(l + FAMO_EPS));
    const d = softmaxVjp(scaledSoftmax(state.w, 1, 1), delta);
    next = { ...state, ...adamStep(state, d, lr, gamma) };
  }
  next = { ...next, previous: [...losses] };
  return E.right({ state: next, weights: famoLossWeights(scaledSoftmax(next.w, 1, 1), losses) });
};

export const famo: StrategyDefinition = {
  name: 'famo',
  summary: 'FAMO (Liu et al., NeurIPS 2023): softmax task logits moved by the loss decrease between iterations, weights on log-losses',
  paramsHelp: {
    'w-lr': `FAMO's learning rate of the task logits, > 0 (default ${FAMO_W_LR})`,
    gamma: `FAMO's weight decay of the task logits, >= 0 (default ${FAMO_GAMMA})`,
  },
  create: (params) =>
    pipe(
      rejectUnknown('famo', params, ['w-lr', 'gamma']),
      E.chain(() => numberParam('famo', params, 'w-lr', FAMO_W_LR, (x) => x > 0, 'a positive number')),
      E.bindTo('lr'),
      E.bind('gamma', () => numberParam('famo', params, 'gamma', FAMO_GAMMA, (x) => x >= 0, 'a non-negative number')),
      E.map(({ lr, gamma }): WeightingStrategy => ({
        name: 'famo',
        reads: 'trainLoss',
        cadence: { _tag: 'iteration' },
        params: { 'w-lr': lr, gamma },
        start: (tasks) => {
          let state = famoStart(tasks);
          return {
            update: (input, current): WeightDecision => {
              const losses = input._tag === 'Iteration' ? input.losses : input.cur;
              const result = famoUpdate(state, losses, lr as number, gamma as number);
              if (E.isLeft(result)) {
                state = { ...state, previous: undefined };
                return { _tag: 'Skipped', iteration: input.iteration, reason: result.left, weights: current };
              }
              state = result.right.state;
              return { _tag: 'Updated', iteration: input.iteration, weights: result.right.weights };
            },
          };
        },
      })),
    ),
};
