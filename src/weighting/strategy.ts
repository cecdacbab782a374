/**
 * The weighting-strategy interface (LibMTL style: one file per strategy, all
 * behind this one small interface, found by name in a registry).
 *
 * A strategy reads one per-task loss series from the training log (validation
 * losses for VLT, train losses for DWA, ...) at one of two cadences:
 *   - 'window':    every k iterations from iteration 2k on, it receives the mean
 *                  losses of the two most recent k-windows (see WindowStats);
 *   - 'iteration': every iteration, it receives that iteration's losses.
 * It answers with a WeightDecision: new weights, or a skip that keeps the
 * previous ones. It owns the validation of its own parameters.
 */
import type * as E from 'fp-ts/lib/Either.js';
import type { InGraphWeighting, Tfjs } from '../train/inGraphWeighting.js';
import type { Vector } from './vector.js';

/** Means of a loss series over the windows (t-2k, t-k] and (t-k, t], emitted at iteration t. */
export interface WindowStats {
  /** The iteration t (counted from 1) at which the current window closes. */
  readonly iteration: number;
  readonly k: number;
  /** Mean over (t-2k, t-k]. */
  readonly pre: Vector;
  /** Mean over (t-k, t]. */
  readonly cur: Vector;
  /** |cur - pre| / cur, per task (Infinity or NaN where cur is 0). */
  readonly trend: Vector;
}

/** The losses of one iteration, for strategies with 'iteration' cadence. */
export interface IterationLosses {
  readonly iteration: number;
  readonly losses: Vector;
}

export type StrategyInput =
  | ({ readonly _tag: 'Window' } & WindowStats)
  | ({ readonly _tag: 'Iteration' } & IterationLosses);

export type WeightDecision =
  | { readonly _tag: 'Updated'; readonly iteration: number; readonly weights: Vector }
  | { readonly _tag: 'Skipped'; readonly iteration: number; readonly reason: string; readonly weights: Vector };

export type LossSeries = 'valLoss' | 'trainLoss';

export type Cadence = { readonly _tag: 'window'; readonly k: number } | { readonly _tag: 'iteration' };

/** A running strategy: holds whatever state one training run needs (created per subscription). */
export interface WeightingRun {
  /** Decide the weights from the input; `current` holds the weights in force. */
  update(input: StrategyInput, current: Vector): WeightDecision;
}

/** A configured strategy: what it reads, how often, and how to start a run. */
export interface WeightingStrategy {
  readonly name: string;
  readonly reads: LossSeries;
  readonly cadence: Cadence;
  /** Parameters as given after validation (for logs and reports). */
  readonly params: Readonly<Record<string, unknown>>;
  /** A fresh run for `tasks` tasks. Two runs never share state. */
  start(tasks: number): WeightingRun;
  /**
   * Present only for in-graph strategies (UW, GradNorm), whose weights are
   * trained with the network: the weighting to give the trainer
   * (`createTrainer({ ..., weighting })`, see src/train/inGraphWeighting.ts), built with the
   * TensorFlow.js namespace `tf` the caller trains with (strategies never import tfjs). The
   * caller owns and disposes it. The runs of such a strategy then report the
   * weights that weighting applies (without it, e.g. in `awmtl replay`, they
   * skip every update and say why). One configured in-graph strategy serves
   * one training run: calling `inGraph` again re-links its runs to the new
   * weighting.
   */
  readonly inGraph?: (tasks: number, tf: Tfjs) => InGraphWeighting;
}

export interface StrategyParamError {
  readonly _tag: 'StrategyParamError';
  readonly strategy: string;
  /** The parameter's name as the user passes it (e.g. 'k', 'min-weight'). */
  readonly param: string;
  readonly message: string;
}

/** Raw parameters as they come from the CLI or a config: strings or numbers. */
export type StrategyParams = Readonly<Record<string, string | number | boolean | undefined>>;

/** A registry entry: parses and validates its own parameters into a configured strategy. */
export interface StrategyDefinition {
  readonly name: string;
  readonly summary: string;
  /** Which parameters it accepts, with a one-line description each. */
  readonly paramsHelp: Readonly<Record<string, string>>;
  /**
   * Present when the strategy has an epoch-level form (LibMTL's epoch-level DWA):
   * the parameter (an iteration count, e.g. 'k') that, set to the iterations of
   * one epoch, gives it. `awmtl compare --level epoch` sets it on every strategy
   * that declares one; the others run unchanged.
   */
  readonly epochLevel?: { readonly param: string };
  readonly create: (params: StrategyParams) => E.Either<StrategyParamError, WeightingStrategy>;
}
