import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { addSqrt } from '../addSqrt.js';
import { runtimeFor, splitRange } from '../runtime.js';
import { fallback, type KernelArgs } from './kernelArgs.js';
import { partsFor } from './partsFor.js';

/** Element-wise square root of a float32 tensor (the shipped one is scalar code). */
export function sqrt(args: KernelArgs): TensorInfo {
  const { x } = args.inputs;
  if (x.dtype !== 'float32') return fallback(tf.Sqrt, args);
  const rt = runtimeFor(args.backend);
  const out = rt.output(x.shape);
  const n = x.shape.reduce((p, d) => p * d, 1);
  if (n === 0) return out;
  const kernel = rt.kernel('sqrt', (mod) => addSqrt(mod, 'run'));
  const [xo, o] = [rt.offset(x), rt.offset(out)];
  // Ranges of whole vectors (multiples of 4 floats) per thread.
  const ranges = splitRange(Math.ceil(n / 4), partsFor(rt, n, n)).map(([s, c]) => [s * 4, Math.min(c * 4, n - s * 4)]);
  rt.parallel(kernel, 'run', ranges.map(([s, c]) => [xo + s * 4, o + s * 4, c]));
  return out;
}
