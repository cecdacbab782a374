import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { addAddChannels } from '../addAddChannels.js';
import { runtimeFor, splitRange } from '../runtime.js';
import { elementwise } from './elementwise.js';
import { fallback, type KernelArgs } from './kernelArgs.js';
import { MAX_CHANNELS, partsFor } from './partsFor.js';

/** x + bias broadcast over the last axis (a bias add); equal shapes and scalars as in elementwise.ts; other adds use the shipped kernel. */
export function add(args: KernelArgs): TensorInfo {
  const { a, b } = args.inputs;
  const isBiasOf = (bias: TensorInfo, x: TensorInfo): boolean => {
    const C = x.shape[x.shape.length - 1];
    return (
      x.shape.length >= 2 &&
      bias.shape.length >= 1 &&
      bias.shape.length <= x.shape.length &&
      bias.shape[bias.shape.length - 1] === C &&
      bias.shape.slice(0, -1).every((d) => d === 1) &&
      C > 0 &&
      C <= MAX_CHANNELS
    );
  };
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(tf.Add, args);
  const [x, bias] = isBiasOf(b, a) ? [a, b] : isBiasOf(a, b) ? [b, a] : [null, null];
  if (!x || !bias) return elementwise('add', args) ?? fallback(tf.Add, args);
  const rt = runtimeFor(args.backend);
  const C = x.shape[x.shape.length - 1];
  const R = x.shape.reduce((p, d) => p * d, 1) / C;
  const out = rt.output(x.shape);
  if (R === 0) return out;
  const kernel = rt.kernel(`addChannels:${C}`, (mod) => addAddChannels(mod, 'run', C));
  const [xo, bo, o] = [rt.offset(x), rt.offset(bias), rt.offset(out)];
  const ranges = splitRange(R, partsFor(rt, R, R * C));
  rt.parallel(kernel, 'run', ranges.map(([s, c]) => [xo + s * C * 4, bo, o + s * C * 4, c]));
  return out;
}
