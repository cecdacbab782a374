import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { runtimeFor } from '../runtime.js';
import { copyBox, heapFor } from './copyBox.js';
import { fallback, type KernelArgs } from './kernelArgs.js';

/** PadV2 (constant padding) by a fill and contiguous-run copies. */
export function padV2(args: KernelArgs): TensorInfo {
  const { x } = args.inputs;
  const paddings = args.attrs.paddings as [number, number][];
  if (x.dtype === 'string' || x.dtype === 'complex64' || paddings.length !== x.shape.length || x.shape.length === 0) {
    return fallback(tf.PadV2, args);
  }
  const rt = runtimeFor(args.backend);
  const outShape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  const out = rt.backend.makeOutput(outShape, x.dtype as 'float32' | 'int32' | 'bool');
  const { heap, unit } = heapFor(rt, x.dtype);
  const o = rt.offset(out) / unit;
  const constant = Number(args.attrs.constantValue ?? 0);
  heap.fill(x.dtype === 'bool' ? (constant ? 1 : 0) : constant, o, o + outShape.reduce((p, d) => p * d, 1));
  copyBox(heap, rt.offset(x) / unit, x.shape, x.shape.map(() => 0), o, outShape, paddings.map((p) => p[0]), x.shape);
  return out;
}
