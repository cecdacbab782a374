/** Sum over a run of axes before the last, shared with Mean; other sums use the shipped kernel. */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { addSumRows } from '../addSumRows.js';
import { runtimeFor, splitRange } from '../runtime.js';
import { fallback, type KernelArgs } from './kernelArgs.js';
import { addPartials, MAX_CHANNELS, partsFor, perThread, zeros } from './partsFor.js';

/** Largest number of outer indices a reduction over middle axes is split into. */
const MAX_OUTER = 4096;

/** Sum over a run of axes before the last (bias gradients, ...); other sums use the shipped kernel. */
export function sum(args: KernelArgs): TensorInfo {
  return sumOverAxes(args, tf.Sum) ?? fallback(tf.Sum, args);
}

/**
 * The sum over one contiguous run of axes [a, b] that leaves the last axis (bias gradients and
 * batch-norm moments: [0, 1, 2]; global average pooling: [1, 2]), or null when the call is not of
 * that form. With O = size of the axes before a, R = the reduced size, C = the size after b:
 * out[o, c] = sum over r of x[o, r, c].
 */
export function sumOverAxes(args: KernelArgs, kernelName: string): TensorInfo | null {
  const { x } = args.inputs;
  const axes = tf.util.parseAxisParam(args.attrs.axis as number | number[], x.shape).sort((a, b) => a - b);
  const first = axes[0];
  const contiguous = axes.length > 0 && axes.every((a, i) => a === first + i);
  const last = first + axes.length - 1;
  if (x.dtype !== 'float32' || !contiguous || last >= x.shape.length - 1) return null;
  const size = (dims: number[]): number => dims.reduce((a, b) => a * b, 1);
  const O = size(x.shape.slice(0, first));
  const R = size(x.shape.slice(first, last + 1));
  const C = size(x.shape.slice(last + 1));
  if (C > MAX_CHANNELS || O > MAX_OUTER) return null;
  const rt = runtimeFor(args.backend);
  const outShape = x.shape.flatMap((d, i) => (i < first || i > last ? [d] : args.attrs.keepDims ? [1] : []));
  if (O * R * C === 0) return kernelName === tf.Sum ? zeros(rt, outShape) : null;
  const kernel = rt.kernel(`sumRows:${C}`, (mod) => addSumRows(mod, 'run', C));
  const out = zeros(rt, outShape);
  const [xo, o] = [rt.offset(x), rt.offset(out)];
  if (O > 1) {
    // One chunk per outer index (each writes its own outputs).
    const chunks = Array.from({ length: O }, (_, k) => [xo + k * R * C * 4, o + k * C * 4, R]);
    rt.parallel(kernel, 'run', chunks, [], partsFor(rt, O, O * R * C) > 1);
    return out;
  }
  const ranges = splitRange(R, partsFor(rt, R, R * C));
  const partials = perThread(rt, ranges.length, C, true).slice(1);
  rt.parallel(kernel, 'run', ranges.map(([s, c]) => [xo + s * C * 4, o, c]), [{ index: 1, values: [o, ...partials] }]);
  addPartials(rt, o, partials, C);
  return out;
}
