/**
 * Conv2DBackpropInput: stride 1 as a forward convolution of the padded dy with the rotated,
 * transposed filter; other strides by the generated scatter kernel into a padded gradient.
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import type { GatherGeometry } from '../addGatherConv.js';
import {
  addScatterBackpropInput,
  defaultScatterPlan,
  packScatterFilter,
  type ScatterGeometry,
} from '../addScatterBackpropInput.js';
import { isZeroPad, type Pad, runtimeFor, splitRange } from '../runtime.js';
import { convGeometry, convInfoOf, effectivePad, padded } from './convInfoOf.js';
import { fallback, isEmpty, type KernelArgs } from './kernelArgs.js';
import { partsFor, zeros } from './partsFor.js';
import { runGather } from './runGather.js';
import { runWinograd, type WinogradCall, winogradTileFor } from './winogradConv.js';

export function conv2DBackpropInput(args: KernelArgs): TensorInfo {
  const { dy, filter } = args.inputs;
  const inputShape = args.attrs.inputShape as number[];
  const info = convInfoOf(inputShape, filter.shape, args.attrs, 1);
  if (info.dataFormat !== 'channelsLast' || dy.dtype !== 'float32' || filter.dtype !== 'float32') {
    return fallback(tf.Conv2DBackpropInput, args);
  }
  const rt = runtimeFor(args.backend);
  if (isEmpty(inputShape) || isEmpty(dy.shape)) return zeros(rt, info.inShape);
  const { filterHeight: KH, filterWidth: KW, inChannels: ci, outChannels: CO } = info;
  const p = info.padInfo;
  const w = rt.offset(filter) >>> 2;
  const n = info.batchSize;
  if (
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    Math.max(p.top, p.bottom) <= KH - 1 &&
    Math.max(p.left, p.right) <= KW - 1
  ) {
    // Stride 1: a forward convolution of the padded dy with the rotated, transposed filter.
    const dyPad: Pad = { top: KH - 1 - p.top, bottom: KH - 1 - p.bottom, left: KW - 1 - p.left, right: KW - 1 - p.right };
    if (KH === 3 && KW === 3) {
      const call: WinogradCall = {
        N: n,
        H: info.outHeight,
        W: info.outWidth,
        K: CO,
        cols: ci,
        OH: info.inHeight,
        OW: info.inWidth,
        top: dyPad.top,
        left: dyPad.left,
      };
      const tile = winogradTileFor(call);
      if (tile !== null) {
        const out = rt.output(info.inShape);
        runWinograd(rt, call, dy, w, true, out, undefined, 0, tile);
        return out;
      }
    }
    const g: GatherGeometry = {
      Hp: info.outHeight + dyPad.top + dyPad.bottom,
      Wp: info.outWidth + dyPad.left + dyPad.right,
      ci: CO,
      OH: info.inHeight,
      OW: info.inWidth,
      KH,
      KW,
      sh: 1,
      sw: 1,
      CO: ci,
    };
    const out = rt.output(info.inShape);
    const [dyp, scratch] = padded(rt, dy, dyPad);
    // Reduction row r = (kh'*KW + kw')*CO + co reads W[KH-1-kh', KW-1-kw', c, co] (column c).
    const rows = (): Int32Array => {
      const r = new Int32Array(KH * KW * CO);
      for (let k = 0; k < KH * KW; k++) {
        const flipped = KH * KW - 1 - k; // (KH-1-kh')*KW + (KW-1-kw')
        for (let co = 0; co < CO; co++) r[k * CO + co] = w + flipped * ci * CO + co;
      }
      return r;
    };
    runGather(rt, g, n, dyp, out, rows, CO);
    if (scratch) rt.free(scratch);
    return out;
  }
  // Any stride: scatter into a zero-filled padded gradient, then crop.
  const pad = effectivePad(info);
  const g: ScatterGeometry = convGeometry(info, pad);
  const plan = defaultScatterPlan();
  const kernel = rt.kernel(`scatter:${JSON.stringify(g)}:${JSON.stringify(plan)}`, (mod) =>
    addScatterBackpropInput(mod, 'run', g, plan),
  );
  const out = rt.output(info.inShape);
  const size = n * g.Hp * g.Wp * ci;
  const dxp = isZeroPad(pad) ? rt.offset(out) : rt.malloc(size);
  const packed = rt.malloc(KH * KW * ci * CO);
  const heap = rt.f32;
  heap.fill(0, dxp >>> 2, (dxp >>> 2) + size);
  packScatterFilter(g, plan, heap, w, packed >>> 2);
  const dyImage = g.OH * g.OW * CO * 4;
  const dxImage = g.Hp * g.Wp * ci * 4;
  const dyo = rt.offset(dy);
  const ranges = splitRange(n, partsFor(rt, n, n * g.OH * g.OW * CO * KH * KW * ci));
  rt.parallel(kernel, 'run', ranges.map(([s, c]) => [dyo + s * dyImage, packed, dxp + s * dxImage, c]));
  rt.free(packed);
  if (!isZeroPad(pad)) {
    rt.cropFrom(dxp, rt.offset(out), n, info.inHeight, info.inWidth, ci, pad);
    rt.free(dxp);
  }
  return out;
}
