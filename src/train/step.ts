/**
 * The training-step contract shared by the step operator (operators/trainStep)
 * and the implementations behind it (the TensorFlow.js trainer in src/train,
 * or a pure fake in tests). Only plain numbers cross it.
 */
import type { Vector } from '../weighting/vector.js';

/** What the step operator hands to a step implementation for one iteration. */
export interface StepRequest<Train, Val> {
  /** Iteration number, counted from 1. */
  readonly iteration: number;
  readonly train: Train;
  readonly val: Val;
  /** Task weights in force for this iteration (from the weight subject). */
  readonly weights: Vector;
}

/** What a step implementation returns: per-task losses as plain numbers. */
export interface StepResult {
  /** Per-task losses on the train batch (before the update). */
  readonly trainLoss: readonly number[];
  /** Per-task losses on the validation batch, in inference mode, no gradients. */
  readonly valLoss: readonly number[];
  /**
   * The weights the step actually applied, when it decides them itself (an
   * in-graph strategy such as uncertainty weighting); absent otherwise.
   */
  readonly weights?: readonly number[];
  /** Wall time of the step in seconds, where the implementation measures it (the trainer does). */
  readonly seconds?: number;
}

/** One line of the training log: what the step operator emits per iteration. */
export interface StepRecord extends StepResult {
  readonly iteration: number;
  /** The weights used for this iteration's update. */
  readonly weights: Vector;
  /** Wall time of the step in seconds. */
  readonly seconds: number;
}
