/**
 * The backbone contract: a trunk maps an image input to a feature map (4-D, NHWC) or a
 * feature vector (2-D). Multi-task heads are put on top by {@link ../build.js}.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Either } from 'fp-ts/lib/Either.js';
import type { ModelError } from './errors.js';

export type InputShape = readonly [height: number, width: number, channels: number];

/** A trunk as symbolic tensors of one functional graph. */
export interface Trunk {
  readonly input: tf.SymbolicTensor;
  /** [N, H, W, C] (global-average-pooled by the heads) or [N, F]. */
  readonly features: tf.SymbolicTensor;
}

export interface TrunkOptions {
  readonly inputShape: InputShape;
  /** Scales every built-in layer's filter count (rounded, at least 1). Default 1. */
  readonly widthMultiplier: number;
  /** Next initializer seed; called once per seeded layer, in build order. */
  readonly nextSeed: () => number;
}

export interface Backbone {
  readonly name: string;
  readonly description: string;
  /** Whether {@link TrunkOptions.widthMultiplier} other than 1 is meaningful. */
  readonly scalable: boolean;
  readonly build: (opts: TrunkOptions) => Promise<Either<ModelError, Trunk>>;
}

/** Scales a filter count by a width multiplier. */
export const scaled = (filters: number, multiplier: number): number => Math.max(1, Math.round(filters * multiplier));
