import type { TensorInfo } from '@tensorflow/tfjs';
import { runtimeFor } from '../runtime.js';
import type { KernelArgs } from './kernelArgs.js';

/**
 * UnsortedSegmentSum (absent from tfjs-backend-wasm; the gradient of Gather): out[ids[i], ...] +=
 * x[i, ...], ids outside [0, numSegments) dropped, as on the cpu backend.
 */
export function unsortedSegmentSum(args: KernelArgs): TensorInfo {
  const { x, segmentIds } = args.inputs;
  const numSegments = args.attrs.numSegments as number;
  if ((x.dtype !== 'float32' && x.dtype !== 'int32') || segmentIds.dtype !== 'int32') {
    throw new Error(`awmtl wasm UnsortedSegmentSum: unsupported dtypes ${x.dtype} / ${segmentIds.dtype}`);
  }
  const rt = runtimeFor(args.backend);
  const ids = segmentIds.shape.reduce((p, d) => p * d, 1);
  const rest = x.shape.slice(segmentIds.shape.length);
  const inner = rest.reduce((p, d) => p * d, 1);
  const outShape = [numSegments, ...rest];
  const out = rt.backend.makeOutput(outShape, x.dtype);
  const heap = x.dtype === 'int32' ? rt.i32 : rt.f32;
  const [xo, io, o] = [rt.offset(x) >>> 2, rt.offset(segmentIds) >>> 2, rt.offset(out) >>> 2];
  const idHeap = rt.i32;
  heap.fill(0, o, o + numSegments * inner);
  for (let i = 0; i < ids; i++) {
    const id = idHeap[io + i];
    if (id < 0 || id >= numSegments) continue;
    const src = xo + i * inner;
    const dst = o + id * inner;
    for (let k = 0; k < inner; k++) heap[dst + k] += heap[src + k];
  }
  return out;
}
