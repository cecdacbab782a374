/**
 * GradNorm (Chen et al., ICML 2018; LibMTL's GradNorm, docs/REFERENCE.md §2), an in-graph strategy in VLT's slot.
 *
 * Weights lambda = M softmax(a), a learnable logits (init 0, so lambda = 1 at the start), trained
 * with the network by the trainer's optimiser through their own loss, as in LibMTL:
 *
 *   g_j    = || dL_j / dF ||            per-task gradient norm at the last shared layer: the
 *                                       Frobenius norm of the gradient of task j's loss with
 *                                       respect to the shared features F [N, F] (the output of
 *                                       the model's `awmtl_features` layer)
 *   G_j    = lambda_j g_j,  Gbar = mean_j G_j
 *   r_j    = (L_j / L_j(0)) / mean_i (L_i / L_i(0))      relative inverse training rate
 *   L_grad = sum_j | G_j - Gbar r_j^alpha |             alpha = 1.5
 *
 * The scalar minimised is sum_j lambda_j L_j + L_grad, where lambda_j in the first term, g_j and
 * the target Gbar r_j^alpha are constants (LibMTL detaches them): the network's gradient is the
 * weighted sum of the task gradients, and a's gradient comes from L_grad alone.
 *
 * L_j(0) is task j's train loss at the first step where it is a positive finite number (the first
 * step, unless a task has no label in that batch); until then r_j uses L_j / L_j(0) = 1. LibMTL
 * uses the mean loss of the first epoch and trains with equal weights during it; here GradNorm
 * acts from the first step, as in the original paper. The per-task norms cost one extra backward
 * pass through the heads per task (not through the backbone).
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs';
import type { Tfjs } from '../train/inGraphWeighting.js';
import { inGraphStrategy, type ReportingWeighting, uniqueVariableName } from './inGraph.js';
import { numberParam, rejectUnknown } from './params.js';
import type { StrategyDefinition } from './strategy.js';

export const GRADNORM_ALPHA = 1.5;

const softmaxScaled = (a: readonly number[]): number[] => {
  const top = Math.max(...a);
  const e = a.map((x) => Math.exp(x - top));
  const total = e.reduce((p, x) => p + x, 0);
  return e.map((x) => (a.length * x) / total);
};

export interface GradNormWeighting extends ReportingWeighting {
  /** The per-task gradient norms g_j of the last step (undefined before the first). */
  lastGradNorms(): number[] | undefined;
  /** L_j(0) per task (undefined where not yet seen). */
  initialLosses(): (number | undefined)[];
}

/** r_j = q_j / mean(q), q_j = L_j / L_j(0) (1 where L_j(0) is unknown or L_j not finite). */
export const inverseTrainingRates = (losses: readonly number[], initial: readonly (number | undefined)[]): number[] => {
  const q = losses.map((l, j) => {
    const l0 = initial[j];
    return l0 === undefined || !Number.isFinite(l) ? 1 : l / l0;
  });
  const mean = q.reduce((a, b) => a + b, 0) / q.length;
  return mean > 0 ? q.map((x) => x / mean) : q.map(() => 1);
};

/** The in-graph weighting itself, built on the caller's tfjs `tf`. */
export const createGradNorm = (tf: Tfjs, tasks: number, alpha = GRADNORM_ALPHA): GradNormWeighting => {
  if (!Number.isInteger(tasks) || tasks < 1) throw new RangeError(`gradnorm: tasks must be a positive integer, got ${tasks}`);
  const a = tf.tidy(() => tf.variable(tf.zeros([tasks]), true, uniqueVariableName('awmtl_gradnorm_logits')));
  let weights = new Array<number>(tasks).fill(1);
  let initial: (number | undefined)[] = new Array<number | undefined>(tasks).fill(undefined);
  let norms: number[] | undefined;
  return {
    name: 'gradnorm',
    variables: [a],
    wantsFeatures: true,
    combine(ctx) {
      const { features, lossesOfFeatures } = ctx;
      if (features === undefined || lossesOfFeatures === undefined) {
        throw new Error('gradnorm needs the shared features: create the trainer with this weighting (wantsFeatures)');
      }
      const losses = Array.from(ctx.losses.dataSync());
      initial = initial.map((l0, j) => (l0 === undefined && losses[j] > 0 && Number.isFinite(losses[j]) ? losses[j] : l0));
      // g_j: read as numbers, so no gradient flows through them (LibMTL computes them without a graph).
      const g = losses.map((_, j) =>
        tf.tidy(() => {
          // A one-hot float vector (picks task j's loss without gather, whose gradient wasm lacks).
          const picked = new Float32Array(tasks);
          picked[j] = 1;
          const pick = tf.tensor1d(picked);
          const grad = tf.grad((f: Tensor) => tf.sum(tf.mul(lossesOfFeatures(f as Tensor2D), pick)))(features);
          return tf.norm(grad);
        }),
      );
      norms = g.map((t) => {
        const v = t.dataSync()[0];
        t.dispose();
        return v;
      });
      const r = inverseTrainingRates(losses, initial);
      const current = norms.map((n, j) => weights[j] * n);
      const gbar = current.reduce((p, x) => p + x, 0) / tasks;
      const target = r.map((x) => gbar * x ** alpha);
      return tf.tidy(() => {
        const lambda = tf.mul(tf.softmax(a), tasks);
        const gradLoss = tf.sum(tf.abs(tf.sub(tf.mul(lambda, tf.tensor1d(norms as number[])), tf.tensor1d(target))));
        const taskLoss = tf.sum(tf.mul(ctx.losses, tf.tensor1d(weights)));
        return tf.add(taskLoss, gradLoss) as Scalar;
      });
    },
    async afterStep() {
      weights = softmaxScaled(Array.from(await a.data()));
    },
    currentWeights: async () => [...weights],
    weightsNow: () => [...weights],
    lastGradNorms: () => (norms === undefined ? undefined : [...norms]),
    initialLosses: () => [...initial],
    getState: () => ({ weights, initialLosses: initial.map((x) => (x === undefined ? null : x)) }),
    setState(state) {
      const s = state as { weights?: unknown; initialLosses?: unknown } | null;
      const saved = s?.initialLosses;
      if (Array.isArray(saved) && saved.length === tasks && saved.every((x) => x === null || (typeof x === 'number' && Number.isFinite(x)))) {
        initial = saved.map((x) => (x === null ? undefined : (x as number)));
      }
      // The trainer has assigned the saved logits already; the weights follow from them.
      weights = softmaxScaled(Array.from(a.dataSync()));
    },
    dispose: () => a.dispose(),
  };
};

export const gradnorm: StrategyDefinition = {
  name: 'gradnorm',
  summary: 'GradNorm (Chen et al., ICML 2018): weights M softmax(a), a trained to balance per-task gradient norms at the last shared layer',
  paramsHelp: {
    alpha: `GradNorm's asymmetry alpha, in [0, 10] (default ${GRADNORM_ALPHA})`,
  },
  create: (params) =>
    pipe(
      rejectUnknown('gradnorm', params, ['alpha']),
      E.chain(() => numberParam('gradnorm', params, 'alpha', GRADNORM_ALPHA, (x) => x >= 0 && x <= 10, 'a number in [0, 10]')),
      E.map((alpha) => inGraphStrategy('gradnorm', { alpha }, (tasks, tf) => createGradNorm(tf, tasks, alpha as number))),
    ),
};
