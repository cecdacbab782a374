/** MaxPoolGrad: SIMD over channels with the cpu backend's tie rule (first strict maximum). */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { addMaxPoolGrad, addMaxPoolGradExact, type PoolGeometry, tilesExactly } from '../addMaxPoolGrad.js';
import { runtimeFor, splitRange } from '../runtime.js';
import { isEmpty, type KernelArgs } from './kernelArgs.js';
import { partsFor, zeros } from './partsFor.js';

export function maxPoolGrad(args: KernelArgs): TensorInfo {
  const { dy, input } = args.inputs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    args.attrs.filterSize as [number, number],
    args.attrs.strides as [number, number],
    1,
    args.attrs.pad as 'same',
    args.attrs.dimRoundingMode as 'round' | undefined,
  );
  const rt = runtimeFor(args.backend);
  const g: PoolGeometry = {
    H: info.inHeight,
    W: info.inWidth,
    C: info.inChannels,
    OH: info.outHeight,
    OW: info.outWidth,
    FH: info.filterHeight,
    FW: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
  if (isEmpty(input.shape) || isEmpty(dy.shape)) return zeros(rt, input.shape);
  // Windows that tile the input exactly write every dx element once: no zero fill needed.
  const exact = tilesExactly(g) && g.C % 4 === 0;
  const out = exact ? rt.output(input.shape) : zeros(rt, input.shape);
  const kernel = exact
    ? rt.kernel(`maxPoolGradExact:${JSON.stringify(g)}`, (mod) => addMaxPoolGradExact(mod, 'run', g))
    : rt.kernel(`maxPoolGrad:${JSON.stringify(g)}`, (mod) => addMaxPoolGrad(mod, 'run', g));
  const n = info.batchSize;
  const inImage = g.H * g.W * g.C * 4;
  const dyImage = g.OH * g.OW * g.C * 4;
  const [xo, dyo, o] = [rt.offset(input), rt.offset(dy), rt.offset(out)];
  const ranges = splitRange(n, partsFor(rt, n, n * g.OH * g.OW * g.C * g.FH * g.FW));
  rt.parallel(kernel, 'run', ranges.map(([s, c]) => [xo + s * inImage, dyo + s * dyImage, o + s * inImage, c]));
  return out;
}
