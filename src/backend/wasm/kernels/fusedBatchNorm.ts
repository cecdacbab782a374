import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { addAffineChannels } from '../addAffineChannels.js';
import { runtimeFor, splitRange } from '../runtime.js';
import { fallback, type KernelArgs } from './kernelArgs.js';
import { MAX_CHANNELS, partsFor } from './partsFor.js';

/**
 * FusedBatchNorm with per-channel (1-D, length C) mean, variance, offset and scale:
 * (x - mean) * scale / sqrt(variance + epsilon) + offset, the factor computed once per channel.
 */
export function fusedBatchNorm(args: KernelArgs): TensorInfo {
  const { x, mean, variance, offset, scale } = args.inputs;
  const C = x.shape[x.shape.length - 1];
  const perChannel = (t: TensorInfo | undefined): boolean =>
    t === undefined || (t.dtype === 'float32' && t.shape.length === 1 && t.shape[0] === C);
  if (
    x.dtype !== 'float32' ||
    x.shape.length < 1 ||
    !(C > 0 && C <= MAX_CHANNELS) ||
    ![mean, variance, offset, scale].every(perChannel) ||
    mean === undefined ||
    variance === undefined
  ) {
    return fallback(tf.FusedBatchNorm, args);
  }
  const rt = runtimeFor(args.backend);
  const out = rt.output(x.shape);
  const R = x.shape.reduce((p, d) => p * d, 1) / C;
  if (R === 0) return out;
  const eps = (args.attrs.varianceEpsilon as number | undefined) ?? 0.001;
  const params = rt.malloc(3 * C);
  const heap = rt.f32;
  const [m, v] = [rt.offset(mean) >>> 2, rt.offset(variance) >>> 2];
  const sc = scale ? rt.offset(scale) >>> 2 : -1;
  const of = offset ? rt.offset(offset) >>> 2 : -1;
  const p = params >>> 2;
  for (let c = 0; c < C; c++) {
    heap[p + c] = heap[m + c];
    heap[p + C + c] = (sc >= 0 ? heap[sc + c] : 1) / Math.sqrt(heap[v + c] + eps);
    heap[p + 2 * C + c] = of >= 0 ? heap[of + c] : 0;
  }
  const kernel = rt.kernel(`affineChannels:${C}`, (mod) => addAffineChannels(mod, 'run', C));
  const [xo, o] = [rt.offset(x), rt.offset(out)];
  const ranges = splitRange(R, partsFor(rt, R, R * C));
  rt.parallel(kernel, 'run', ranges.map(([s, c]) => [xo + s * C * 4, params, o + s * C * 4, c]));
  rt.free(params);
  return out;
}
