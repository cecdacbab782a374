import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { fallback, type KernelArgs } from './kernelArgs.js';

interface Aliasing {
  incRef(dataId: object): void;
}

/** Identity without a copy (tensors are immutable), as the cpu backend and wasm Reshape do. */
export function identity(args: KernelArgs): TensorInfo {
  const { x } = args.inputs;
  if (x.dtype === 'string') return fallback(tf.Identity, args);
  (args.backend as Aliasing).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
