/**
 * Convolution geometry shared by the convolution kernels: tfjs's ConvInfo for a call, the padding
 * and padded-input geometry the generated kernels are specialised on, and padding into scratch.
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { addPad } from '../addPad.js';
import { isZeroPad, type KernelRuntime, type Pad, splitRange } from '../runtime.js';
import type { Attrs } from './kernelArgs.js';
import { partsFor } from './partsFor.js';

export function convInfoOf(xShape: number[], filterShape: number[], attrs: Attrs, dilations: unknown): ConvInfo {
  const dataFormat = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat as 'NHWC' | 'NCHW');
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number],
    dilations as [number, number],
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'round' | undefined,
    false,
    dataFormat,
  );
}

export type ConvInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

/** Padding that makes a stride-`s` window sweep of `out` positions stay inside the buffer. */
export function effectivePad(info: ConvInfo): Pad {
  const p = info.padInfo;
  const needH = (info.outHeight - 1) * info.strideHeight + info.filterHeight;
  const needW = (info.outWidth - 1) * info.strideWidth + info.filterWidth;
  return {
    top: p.top,
    left: p.left,
    bottom: Math.max(p.bottom, needH - info.inHeight - p.top),
    right: Math.max(p.right, needW - info.inWidth - p.left),
  };
}

/** The padded-input geometry the generated convolution kernels (forward, scatter, filter gradient) are specialised on. */
export function convGeometry(info: ConvInfo, pad: Pad) {
  return {
    Hp: info.inHeight + pad.top + pad.bottom,
    Wp: info.inWidth + pad.left + pad.right,
    ci: info.inChannels,
    OH: info.outHeight,
    OW: info.outWidth,
    KH: info.filterHeight,
    KW: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    CO: info.outChannels,
  };
}

/** Pads `x` (NHWC at byte offset) into scratch if needed; returns [offset, scratch or 0]. */
export function padded(rt: KernelRuntime, x: TensorInfo, pad: Pad): [number, number] {
  if (isZeroPad(pad)) return [rt.offset(x), 0];
  const [n, h, w, c] = x.shape;
  const hp = h + pad.top + pad.bottom;
  const wp = w + pad.left + pad.right;
  const scratch = rt.malloc(n * hp * wp * c);
  const kernel = rt.kernel(`pad:${h}:${w}:${c}:${JSON.stringify(pad)}`, (mod) => addPad(mod, 'run', h, w, c, pad));
  const xo = rt.offset(x);
  const ranges = splitRange(n, partsFor(rt, n, n * hp * wp * c));
  rt.parallel(kernel, 'run', ranges.map(([s, k]) => [xo + s * h * w * c * 4, scratch + s * hp * wp * c * 4, k]));
  return [scratch, scratch];
}
