/**
 * The trainer's checkpoint state in plain JSON: optimiser configuration, iteration count,
 * optimiser slot variables (momentum; Adam's first and second moments) and the in-graph
 * weighting's variables and state. Model weights are not part of it: save them with saveModel.
 *
 * Float32 values travel as base64 of their little-endian bytes, so a restore is bit-exact.
 */
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { parseOptimizerConfig, type OptimizerConfig } from './optimizers.js';
import type { SavedVariable } from './inGraphWeighting.js';

export const TRAINER_STATE_FORMAT = 'awmtl-trainer-state';
export const TRAINER_STATE_VERSION = 1;

export interface TrainerState {
  readonly format: typeof TRAINER_STATE_FORMAT;
  readonly version: number;
  /** The optimiser configuration in effect (learning rate as last set). */
  readonly optimizer: OptimizerConfig;
  /** Optimiser steps taken. */
  readonly iterations: number;
  /** Shapes of the variables the optimiser updates, in its order (model's trainable ones, then the weighting's). */
  readonly variableShapes: readonly (readonly number[])[];
  /** Optimiser slots in tfjs's getWeights() order, without the iteration counter. */
  readonly slots: readonly SavedVariable[];
  readonly weighting?: {
    readonly name: string;
    readonly variables: readonly SavedVariable[];
    readonly state?: unknown;
  };
}

export const encodeFloat32 = (values: Float32Array): string =>
  Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');

export const decodeFloat32 = (data: string): Float32Array => {
  const bytes = Buffer.from(data, 'base64');
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.byteLength));
  return out;
};

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

const isShape = (x: unknown): x is number[] => Array.isArray(x) && x.every((d) => Number.isInteger(d) && d >= 0);

const decodeSaved = (x: unknown, field: string): Either<string, SavedVariable> => {
  if (!isRecord(x)) return left(`${field}: expected an object`);
  if (typeof x.name !== 'string') return left(`${field}.name: expected a string`);
  if (!isShape(x.shape)) return left(`${field}.shape: expected a list of non-negative integers`);
  if (typeof x.data !== 'string') return left(`${field}.data: expected a base64 string`);
  const size = x.shape.reduce((p, d) => p * d, 1);
  const bytes = Buffer.from(x.data, 'base64').byteLength;
  if (bytes !== size * 4) return left(`${field}.data: ${bytes} bytes for shape [${x.shape.join(', ')}], expected ${size * 4}`);
  return right({ name: x.name, shape: x.shape, data: x.data });
};

const decodeSavedList = (x: unknown, field: string): Either<string, SavedVariable[]> => {
  if (!Array.isArray(x)) return left(`${field}: expected an array`);
  const out: SavedVariable[] = [];
  for (let i = 0; i < x.length; i++) {
    const v = decodeSaved(x[i], `${field}[${i}]`);
    if (v._tag === 'Left') return v;
    out.push(v.right);
  }
  return right(out);
};

/** Decodes a trainer state read from JSON; Left is a message naming the field. */
export const decodeTrainerState = (x: unknown): Either<string, TrainerState> => {
  if (!isRecord(x)) return left('expected an object');
  if (x.format !== TRAINER_STATE_FORMAT) return left(`format: expected '${TRAINER_STATE_FORMAT}', got ${JSON.stringify(x.format)}`);
  if (x.version !== TRAINER_STATE_VERSION) return left(`version: expected ${TRAINER_STATE_VERSION}, got ${JSON.stringify(x.version)}`);
  const optimizer = parseOptimizerConfig(x.optimizer);
  if (optimizer._tag === 'Left') return left(`${optimizer.left.field}: ${optimizer.left.message}`);
  if (!(Number.isInteger(x.iterations) && (x.iterations as number) >= 0)) return left('iterations: expected a non-negative integer');
  if (!Array.isArray(x.variableShapes) || !x.variableShapes.every(isShape)) return left('variableShapes: expected a list of shapes');
  const slots = decodeSavedList(x.slots, 'slots');
  if (slots._tag === 'Left') return slots;
  let weighting: TrainerState['weighting'];
  if (x.weighting !== undefined) {
    const w = x.weighting;
    if (!isRecord(w) || typeof w.name !== 'string') return left('weighting.name: expected a string');
    const vars = decodeSavedList(w.variables, 'weighting.variables');
    if (vars._tag === 'Left') return vars;
    weighting = { name: w.name, variables: vars.right, ...(w.state !== undefined ? { state: w.state } : {}) };
  }
  return right({
    format: TRAINER_STATE_FORMAT,
    version: TRAINER_STATE_VERSION,
    optimizer: optimizer.right,
    iterations: x.iterations as number,
    variableShapes: x.variableShapes as number[][],
    slots: slots.right,
    ...(weighting !== undefined ? { weighting } : {}),
  });
};
