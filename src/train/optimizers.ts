/**
 * Optimisers by name, with validated configuration.
 *
 * - `sgd`: SGD with momentum (tfjs: v <- momentum * v + g; w <- w - lr * v, which equals Caffe's
 *   update at a constant learning rate), optional Nesterov.
 * - `adam`: Adam (bias-corrected).
 *
 * Weight decay is L2 regularisation coupled into the gradient (g <- g + weightDecay * w, for every
 * trainable variable, before the optimiser's update), as Caffe's `weight_decay` and PyTorch's
 * `weight_decay` argument do; it is not AdamW's decoupled decay. Defaults are the paper's
 * (lr 1e-4, momentum 0.9, weight decay 5e-4).
 */
import * as tf from '@tensorflow/tfjs';
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { FusedAdamOptimizer } from './fusedAdam.js';

export interface SgdConfig {
  readonly name: 'sgd';
  readonly learningRate: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
}

export interface AdamConfig {
  readonly name: 'adam';
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
}

export type OptimizerConfig = SgdConfig | AdamConfig;

export const OPTIMIZER_NAMES: readonly OptimizerConfig['name'][] = ['sgd', 'adam'];

export const SGD_DEFAULTS: SgdConfig = { name: 'sgd', learningRate: 1e-4, momentum: 0.9, weightDecay: 5e-4, nesterov: false };
export const ADAM_DEFAULTS: AdamConfig = { name: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };

export type OptimizerConfigError = { readonly _tag: 'BadOptimizerConfig'; readonly field: string; readonly message: string };

const bad = (field: string, message: string): Either<OptimizerConfigError, never> =>
  left({ _tag: 'BadOptimizerConfig', field: `optimizer.${field}`, message });

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

type Range = { readonly min: number; readonly max: number; readonly minOpen?: boolean; readonly maxOpen?: boolean };

const numberIn = (raw: Record<string, unknown>, field: string, fallback: number, range: Range): Either<OptimizerConfigError, number> => {
  const v = raw[field] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) return bad(field, `expected a finite number, got ${JSON.stringify(v)}`);
  const lowOk = range.minOpen ? v > range.min : v >= range.min;
  const highOk = range.maxOpen ? v < range.max : v <= range.max;
  if (!lowOk || !highOk) {
    return bad(field, `expected a number in ${range.minOpen ? '(' : '['}${range.min}, ${range.max}${range.maxOpen ? ')' : ']'}, got ${v}`);
  }
  return right(v);
};

const POSITIVE: Range = { min: 0, max: Infinity, minOpen: true, maxOpen: true };
const NON_NEGATIVE: Range = { min: 0, max: Infinity, maxOpen: true };
const UNIT_OPEN_TOP: Range = { min: 0, max: 1, maxOpen: true };

/**
 * Validates an optimiser configuration (e.g. parsed from JSON or CLI flags), filling defaults for
 * absent fields. Unknown fields are errors, so a typo does not pass silently.
 */
export const parseOptimizerConfig = (raw: unknown): Either<OptimizerConfigError, OptimizerConfig> => {
  if (!isRecord(raw)) return bad('', 'expected an object');
  const name = raw.name ?? 'sgd';
  if (name !== 'sgd' && name !== 'adam') {
    return bad('name', `unknown optimiser ${JSON.stringify(name)}: known optimisers are ${OPTIMIZER_NAMES.join(', ')}`);
  }
  const defaults = name === 'sgd' ? SGD_DEFAULTS : ADAM_DEFAULTS;
  for (const key of Object.keys(raw)) {
    if (!(key in defaults)) return bad(key, `unknown field for '${name}' (fields: ${Object.keys(defaults).join(', ')})`);
  }
  const lr = numberIn(raw, 'learningRate', defaults.learningRate, POSITIVE);
  if (lr._tag === 'Left') return lr;
  const wd = numberIn(raw, 'weightDecay', defaults.weightDecay, NON_NEGATIVE);
  if (wd._tag === 'Left') return wd;
  if (name === 'sgd') {
    const momentum = numberIn(raw, 'momentum', SGD_DEFAULTS.momentum, UNIT_OPEN_TOP);
    if (momentum._tag === 'Left') return momentum;
    const nesterov = raw.nesterov ?? SGD_DEFAULTS.nesterov;
    if (typeof nesterov !== 'boolean') return bad('nesterov', `expected true or false, got ${JSON.stringify(nesterov)}`);
    if (nesterov && momentum.right === 0) return bad('nesterov', 'Nesterov momentum needs momentum > 0');
    return right({ name, learningRate: lr.right, momentum: momentum.right, weightDecay: wd.right, nesterov });
  }
  const beta1 = numberIn(raw, 'beta1', ADAM_DEFAULTS.beta1, UNIT_OPEN_TOP);
  if (beta1._tag === 'Left') return beta1;
  const beta2 = numberIn(raw, 'beta2', ADAM_DEFAULTS.beta2, UNIT_OPEN_TOP);
  if (beta2._tag === 'Left') return beta2;
  const epsilon = numberIn(raw, 'epsilon', ADAM_DEFAULTS.epsilon, POSITIVE);
  if (epsilon._tag === 'Left') return epsilon;
  return right({ name, learningRate: lr.right, beta1: beta1.right, beta2: beta2.right, epsilon: epsilon.right, weightDecay: wd.right });
};

/** A fresh tfjs optimiser for a (validated) configuration (Adam: with the fused update where the backend has it, fusedAdam.ts); the caller disposes it. */
export const createOptimizer = (config: OptimizerConfig): tf.Optimizer =>
  config.name === 'sgd'
    ? tf.train.momentum(config.learningRate, config.momentum, config.nesterov)
    : new FusedAdamOptimizer(config.learningRate, config.beta1, config.beta2, config.epsilon);
