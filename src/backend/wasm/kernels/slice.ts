import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { runtimeFor } from '../runtime.js';
import { copyBox, heapFor } from './copyBox.js';
import { fallback, type KernelArgs } from './kernelArgs.js';

/** Slice by contiguous-run copies. */
export function slice(args: KernelArgs): TensorInfo {
  const { x } = args.inputs;
  if (x.dtype === 'string' || x.dtype === 'complex64' || x.shape.length === 0) return fallback(tf.Slice, args);
  const [begin, size] = tf.slice_util.parseSliceParams(
    x as unknown as tf.Tensor,
    args.attrs.begin as number | number[],
    args.attrs.size as number | number[],
  );
  const rt = runtimeFor(args.backend);
  const out = rt.backend.makeOutput(size, x.dtype as 'float32' | 'int32' | 'bool');
  const { heap, unit } = heapFor(rt, x.dtype);
  copyBox(heap, rt.offset(x) / unit, x.shape, begin, rt.offset(out) / unit, size, size.map(() => 0), size);
  return out;
}
