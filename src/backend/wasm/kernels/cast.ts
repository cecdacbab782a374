import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { identity } from './identity.js';
import { fallback, type KernelArgs } from './kernelArgs.js';

/** Cast to the same dtype is an identity; other casts use the shipped kernel. */
export function cast(args: KernelArgs): TensorInfo {
  if (args.inputs.x.dtype === args.attrs.dtype) return identity(args);
  return fallback(tf.Cast, args);
}
