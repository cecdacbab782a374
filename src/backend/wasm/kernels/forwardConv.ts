/** The forward convolution shared by Conv2D and FusedConv2D, and which calls it covers. */
import type { TensorInfo } from '@tensorflow/tfjs';
import { type Epilogue, forwardRows, type GatherGeometry } from '../addGatherConv.js';
import { runtimeFor } from '../runtime.js';
import { convGeometry, convInfoOf, effectivePad, padded } from './convInfoOf.js';
import { isEmpty, type KernelArgs } from './kernelArgs.js';
import { runGather } from './runGather.js';
import { runWinograd, winogradCallOf, winogradTileFor } from './winogradConv.js';

/** Forward convolution (NHWC, dilation 1) with an optional bias and relu/relu6 epilogue. */
export function forwardConv(args: KernelArgs, epilogue: Epilogue, bias: TensorInfo | undefined): TensorInfo {
  const { x, filter } = args.inputs;
  const info = convInfoOf(x.shape, filter.shape, args.attrs, args.attrs.dilations);
  const rt = runtimeFor(args.backend);
  if (info.filterHeight === 3 && info.filterWidth === 3 && info.strideHeight === 1 && info.strideWidth === 1) {
    const call = winogradCallOf(info);
    const tile = winogradTileFor(call);
    if (tile !== null) {
      const out = rt.output(info.outShape);
      runWinograd(rt, call, x, rt.offset(filter) >>> 2, false, out, epilogue, bias ? rt.offset(bias) : 0, tile);
      return out;
    }
  }
  const pad = effectivePad(info);
  const g: GatherGeometry = convGeometry(info, pad);
  const out = rt.output(info.outShape);
  const [xp, scratch] = padded(rt, x, pad);
  const w = rt.offset(filter) >>> 2;
  runGather(rt, g, info.batchSize, xp, out, () => forwardRows(g, w), 1, epilogue, bias ? rt.offset(bias) : 0);
  if (scratch) rt.free(scratch);
  return out;
}

/** Whether the generated forward convolution covers this call (else: the shipped kernel). */
export function coversConv(args: KernelArgs): boolean {
  const { x, filter } = args.inputs;
  const info = convInfoOf(x.shape, filter.shape, args.attrs, args.attrs.dilations);
  return (
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    info.dataFormat === 'channelsLast' &&
    x.dtype === 'float32' &&
    filter.dtype === 'float32' &&
    !isEmpty(x.shape) &&
    !isEmpty(info.outShape)
  );
}
