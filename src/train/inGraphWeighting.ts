/**
 * The seam for in-graph weighting strategies: rules whose task weights live inside the training
 * graph rather than arriving as plain numbers from outside (uncertainty weighting's learnable
 * log-variances, GradNorm's learnable weights driven by per-task gradient norms at the last shared
 * layer).
 *
 * Without a weighting, the trainer minimises sum_j weights_j * L_j, `weights` being the numbers
 * passed to `step` (the VLT rule, DWA, RLW, ... compute those outside the graph). With one:
 *
 * - `variables` are trained by the trainer's optimiser together with the model's (after them in
 *   its variable list; no weight decay on them), and their optimiser state and values are part of
 *   the trainer's checkpoint state;
 * - `combine` replaces the weighted sum: it runs inside the gradient tape and returns the scalar
 *   to minimise, e.g. uncertainty weighting: sum_j L_j / (2 exp(s_j)) + s_j / 2;
 * - with `wantsFeatures`, `combine` also receives the shared features [N, F] (the output of the
 *   model's `awmtl_features` layer, the last shared layer) and `lossesOfFeatures`, the map from
 *   features to per-task losses through the heads: GradNorm computes per-task gradient norms with
 *   it (tf.grads of each L_j with respect to the features);
 * - `afterStep` runs once the optimiser step is applied, with the step's plain numbers, for
 *   updates outside the tape (GradNorm's renormalisation of its weights, say).
 *
 * The weighting owns its variables and disposes them in `dispose`.
 */
import type * as tf from '@tensorflow/tfjs';

/**
 * The TensorFlow.js namespace, as the trainer's caller hands it to an in-graph strategy
 * (`strategy.inGraph(tasks, tf)`): strategies use it instead of importing tfjs, so they load
 * without it.
 */
export type Tfjs = typeof tf;

export interface CombineContext {
  /** Per-task train losses [M], differentiable. */
  readonly losses: tf.Tensor1D;
  /** The weights passed to `step`, as a tensor [M]. */
  readonly weights: tf.Tensor1D;
  /** Iterations completed before this step (0 on the first). */
  readonly iteration: number;
  /** Shared features [N, F]; present when the weighting `wantsFeatures`. */
  readonly features?: tf.Tensor2D;
  /** Per-task losses [M] of given features through the heads; present with `features`. */
  readonly lossesOfFeatures?: (features: tf.Tensor2D) => tf.Tensor1D;
}

export interface AfterStepContext {
  readonly iteration: number;
  readonly trainLoss: readonly number[];
  readonly valLoss: readonly number[];
}

/** A variable of a weighting, in plain numbers (checkpoint form). */
export interface SavedVariable {
  readonly name: string;
  readonly shape: readonly number[];
  /** Base64 of the float32 values, little-endian. */
  readonly data: string;
}

export interface InGraphWeighting {
  readonly name: string;
  /** Trainable variables owned by the weighting (may be empty). */
  readonly variables: readonly tf.Variable[];
  readonly wantsFeatures?: boolean;
  /** The scalar to minimise (runs inside the gradient tape, inside tf.tidy). */
  combine(ctx: CombineContext): tf.Scalar;
  afterStep?(ctx: AfterStepContext): void | Promise<void>;
  /** The weights in effect, for reports (e.g. 1 / (2 exp(s_j)) for uncertainty weighting). */
  currentWeights?(): Promise<number[]>;
  /** Plain-JSON state beyond `variables` (which the trainer saves itself). */
  getState?(): unknown;
  setState?(state: unknown): void;
  dispose(): void;
}
