import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { runtimeFor } from '../runtime.js';
import { fallback, type KernelArgs } from './kernelArgs.js';
import { sumOverAxes } from './sum.js';

/** Mean over a run of axes before the last (batch-norm moments, global average pooling); others use the shipped kernel. */
export function mean(args: KernelArgs): TensorInfo {
  const { x } = args.inputs;
  const axes = tf.util.parseAxisParam(args.attrs.axis as number | number[], x.shape);
  const R = axes.reduce((p, a) => p * x.shape[a], 1);
  const out = sumOverAxes(args, tf.Mean);
  if (out === null) return fallback(tf.Mean, args);
  const rt = runtimeFor(args.backend);
  const o = rt.offset(out) >>> 2;
  const heap = rt.f32;
  const count = out.shape.reduce((p, d) => p * d, 1);
  for (let i = 0; i < count; i++) heap[o + i] /= R;
  return out;
}
