import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { runtimeFor } from '../runtime.js';
import { heapFor } from './copyBox.js';
import { fallback, type KernelArgs } from './kernelArgs.js';

/**
 * Tile by block copies (copyWithin on the heap): each dimension's block is built once and then
 * doubled up to its repeat count. The shipped kernel is slow on the [1,1,1,C] -> [N,H,W,C] tiles
 * of batch-norm gradients.
 */
export function tile(args: KernelArgs): TensorInfo {
  const { x } = args.inputs;
  const reps = args.attrs.reps as number[];
  if (x.dtype === 'string' || x.dtype === 'complex64' || reps.length !== x.shape.length) return fallback(tf.Tile, args);
  const rt = runtimeFor(args.backend);
  const rank = x.shape.length;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = rt.backend.makeOutput(outShape, x.dtype as 'float32' | 'int32' | 'bool');
  if (outShape.some((d) => d === 0)) return out;
  const { heap, unit } = heapFor(rt, x.dtype);
  const src = rt.offset(x) / unit;
  const dst = rt.offset(out) / unit;
  // Element counts of one block of dimensions d.. in the input and the output.
  const xBlock = new Array<number>(rank + 1).fill(1);
  const oBlock = new Array<number>(rank + 1).fill(1);
  for (let d = rank - 1; d >= 0; d--) {
    xBlock[d] = xBlock[d + 1] * x.shape[d];
    oBlock[d] = oBlock[d + 1] * outShape[d];
  }
  const fill = (o: number, i: number, d: number): void => {
    if (d === rank) {
      heap[o] = heap[i];
      return;
    }
    const inner = oBlock[d + 1];
    if (d === rank - 1) heap.copyWithin(o, i, i + x.shape[d]);
    else for (let k = 0; k < x.shape[d]; k++) fill(o + k * inner, i + k * xBlock[d + 1], d + 1);
    // Repeat the first x.shape[d] * inner elements reps[d] times, doubling.
    const one = x.shape[d] * inner;
    for (let have = one, total = one * reps[d]; have < total; have *= 2) {
      heap.copyWithin(o + have, o, o + Math.min(have, total - have));
    }
  };
  fill(dst, src, 0);
  return out;
}
