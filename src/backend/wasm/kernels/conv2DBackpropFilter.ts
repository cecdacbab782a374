/**
 * Conv2DBackpropFilter (absent from tfjs-backend-wasm 4.22): 3x3 stride 1 by Winograd where it
 * pays (winogradFilterGrad.ts), otherwise the generated packed GEMM over chunks of output rows
 * (runBackpropFilter.ts), with per-thread partial sums when split.
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackpropFilterGeometry } from '../addBackpropFilter.js';
import { runtimeFor } from '../runtime.js';
import { convGeometry, convInfoOf, effectivePad, padded } from './convInfoOf.js';
import { isEmpty, type KernelArgs } from './kernelArgs.js';
import { zeros } from './partsFor.js';
import { runBackpropFilter } from './runBackpropFilter.js';
import { winogradCallOf, winogradTileFor } from './winogradConv.js';
import { runWinogradFilterGrad } from './winogradFilterGrad.js';

export function conv2DBackpropFilter(args: KernelArgs): TensorInfo {
  const { x, dy } = args.inputs;
  const filterShape = args.attrs.filterShape as number[];
  const info = convInfoOf(x.shape, filterShape, args.attrs, 1);
  if (info.dataFormat !== 'channelsLast' || x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error('awmtl wasm Conv2DBackpropFilter: only float32 NHWC (channelsLast) is supported');
  }
  const rt = runtimeFor(args.backend);
  if (isEmpty(x.shape) || isEmpty(dy.shape) || isEmpty(filterShape)) return zeros(rt, filterShape);
  if (info.filterHeight === 3 && info.filterWidth === 3 && info.strideHeight === 1 && info.strideWidth === 1) {
    const call = winogradCallOf(info);
    const tile = winogradTileFor(call, true);
    if (tile !== null) {
      const out = rt.output(filterShape);
      runWinogradFilterGrad(rt, call, x, dy, out, tile);
      return out;
    }
  }
  const pad = effectivePad(info);
  const g: BackpropFilterGeometry = convGeometry(info, pad);
  const out = rt.output(filterShape);
  const [xp, scratch] = padded(rt, x, pad);
  runBackpropFilter(rt, g, info.batchSize, xp, rt.offset(dy), rt.offset(out));
  if (scratch) rt.free(scratch);
  return out;
}
