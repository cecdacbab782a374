/**
 * Training kernels for the tfjs `wasm` backend, built on the modules generated in this folder
 * (see README.md for the list and how each works): the convolutions and their gradients
 * (Conv2DBackpropFilter is absent from tfjs-backend-wasm 4.22), pooling gradients, the
 * per-channel and element-wise kernels that dominate a step once the convolutions are fast, and
 * copy-free or block-copy versions of the data-movement kernels. Each kernel falls back to the
 * shipped one (where there is one) for cases it does not cover (dilation > 1, NCHW, other
 * dtypes, reductions or broadcasts). Work is split over the kernel worker pool when there is one.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import {
  addBackpropFilter,
  backpropFilterScratch,
  defaultBackpropFilterPlan,
  type BackpropFilterGeometry,
} from './gen_backprop_filter.js';
import {
  addScatterBackpropInput,
  defaultScatterPlan,
  packScatterFilter,
  type ScatterGeometry,
} from './gen_backprop_input_scatter.js';
import {
  addGatherConv,
  defaultGatherPlan,
  type Epilogue,
  forwardRows,
  type GatherGeometry,
  type GatherPlan,
  NO_EPILOGUE,
  panelColumns,
} from './gen_conv_gather.js';
import { addPackPanel } from './gen_pack.js';
import { ADAM_UPDATE, adamUpdate } from './adam.js';
import { elementwise } from './binary.js';
import { addAddChannels, addAffineChannels, addSqrt, addSumRows } from './gen_channels.js';
import { addPad } from './gen_pad.js';
import { addMaxPoolGrad, addMaxPoolGradExact, type PoolGeometry, tilesExactly } from './gen_max_pool_grad.js';
import { isZeroPad, type KernelRuntime, type Pad, runtimeFor, splitRange } from './runtime.js';

type Attrs = Record<string, unknown>;
interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  backend: object;
  attrs: Attrs;
}

const originals = new Map<string, KernelConfig>();

function fallback(kernelName: string, args: KernelArgs): TensorInfo {
  const original = originals.get(kernelName);
  if (!original) throw new Error(`awmtl wasm kernels: ${kernelName} case not supported and no shipped kernel to fall back to`);
  return original.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
}

type ConvInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

/** Padding that makes a stride-`s` window sweep of `out` positions stay inside the buffer. */
function effectivePad(info: ConvInfo): Pad {
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
function convGeometry(info: ConvInfo, pad: Pad) {
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

const isEmpty = (shape: readonly number[]): boolean => shape.some((d) => d === 0);

/** Work (multiply-adds or elements) below which a call stays on one thread. */
const PARALLEL_MIN_WORK = 1 << 17;

/** Chunks per thread when a call is split (threads take chunks as they free up). */
const CHUNKS_PER_THREAD = 4;

/** Number of chunks to split `items` into, for `work` total work. */
const partsFor = (rt: KernelRuntime, items: number, work: number): number =>
  work < PARALLEL_MIN_WORK || rt.threads === 1
    ? 1
    : Math.max(1, Math.min(items, rt.threads * CHUNKS_PER_THREAD, Math.floor(work / (PARALLEL_MIN_WORK / 2))));

/** Per-thread buffers of `floats` floats for a split call (none when it is not split), zeroed if asked. */
function perThread(rt: KernelRuntime, chunks: number, floats: number, zero: boolean): number[] {
  if (chunks < 2) return [];
  const buffers = Array.from({ length: rt.threads }, () => rt.malloc(floats));
  if (zero) {
    const heap = rt.f32;
    for (const b of buffers) heap.fill(0, b >>> 2, (b >>> 2) + floats);
  }
  return buffers;
}

/** dst[i] += each of `partials`[i] for `count` floats (float indices), then frees the partials. */
function addPartials(rt: KernelRuntime, dst: number, partials: number[], count: number): void {
  const heap = rt.f32;
  const d = dst >>> 2;
  for (const p of partials) {
    const q = p >>> 2;
    for (let i = 0; i < count; i++) heap[d + i] += heap[q + i];
    rt.free(p);
  }
}

/** Zero-filled output of `shape`. */
function zeros(rt: KernelRuntime, shape: number[]): TensorInfo {
  const out = rt.output(shape);
  const o = rt.offset(out) >>> 2;
  rt.f32.fill(0, o, o + shape.reduce((a, b) => a * b, 1));
  return out;
}

/** Pads `x` (NHWC at byte offset) into scratch if needed; returns [offset, scratch or 0]. */
function padded(rt: KernelRuntime, x: TensorInfo, pad: Pad): [number, number] {
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

function convInfoOf(xShape: number[], filterShape: number[], attrs: Attrs, dilations: unknown): ConvInfo {
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

/**
 * Packs the filter into the gather kernel's panels (gen_conv_gather.ts; one generated loop per
 * panel width, gen_pack.ts): the value for reduction row r and column co is
 * heap[rows[r] + co * colStride] (float indices); the result holds KH*KW*Ci*CO floats.
 */
function packFilter(rt: KernelRuntime, g: GatherGeometry, plan: GatherPlan, packed: number, rows: Int32Array, colStride: number): void {
  const K = rows.length;
  const table = rt.malloc(K);
  const t = table >>> 2;
  const i32 = rt.i32;
  for (let r = 0; r < K; r++) i32[t + r] = rows[r] * 4;
  for (const { start, width } of panelColumns(g, plan)) {
    const pack = rt.module(`pack:${width}:${colStride}`, (mod) => addPackPanel(mod, 'run', width, colStride));
    pack.run(table, packed + start * K * 4, start * colStride * 4, K);
  }
  rt.free(table);
}

/**
 * Forward convolution of padded `xp` with a filter whose value for reduction row r and output
 * channel co is heap[rows[r] + co * colStride].
 */
function runGather(
  rt: KernelRuntime,
  g: GatherGeometry,
  n: number,
  xp: number,
  out: TensorInfo,
  rows: (heap: Float32Array) => Int32Array,
  colStride: number,
  epilogue: Epilogue = NO_EPILOGUE,
  bias = 0,
): void {
  const plan = defaultGatherPlan(g);
  const key = `gather:${JSON.stringify(g)}:${JSON.stringify(plan)}:${JSON.stringify(epilogue)}`;
  const kernel = rt.kernel(key, (mod) => addGatherConv(mod, 'run', g, plan, epilogue));
  const K = g.KH * g.KW * g.ci;
  const packed = rt.malloc(K * g.CO);
  packFilter(rt, g, plan, packed, rows(rt.f32), colStride);
  const xImage = g.Hp * g.Wp * g.ci * 4;
  const outImage = (g.outImage ?? g.OH * g.OW * g.CO) * 4;
  const o = rt.offset(out);
  const ranges = splitRange(n, partsFor(rt, n, n * g.OH * g.OW * g.CO * K));
  rt.parallel(kernel, 'run', ranges.map(([s, c]) => [xp + s * xImage, packed, o + s * outImage, c, bias]));
  rt.free(packed);
}

/** Forward convolution (NHWC, dilation 1) with an optional bias and relu/relu6 epilogue. */
function forwardConv(args: KernelArgs, epilogue: Epilogue, bias: TensorInfo | undefined): TensorInfo {
  const { x, filter } = args.inputs;
  const info = convInfoOf(x.shape, filter.shape, args.attrs, args.attrs.dilations);
  const rt = runtimeFor(args.backend);
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
function coversConv(args: KernelArgs): boolean {
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

function conv2D(args: KernelArgs): TensorInfo {
  if (!coversConv(args)) return fallback(tf.Conv2D, args);
  return forwardConv(args, NO_EPILOGUE, undefined);
}

/** FusedConv2D (conv + optional per-channel bias + linear/relu/relu6), as layers and ResNets use it. */
function fusedConv2D(args: KernelArgs): TensorInfo {
  const { bias, preluActivationWeights } = args.inputs;
  const activation = (args.attrs.activation ?? 'linear') as string;
  const CO = args.inputs.filter.shape[3];
  const biasOk = bias === undefined || (bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === CO);
  if (
    !coversConv(args) ||
    !biasOk ||
    preluActivationWeights !== undefined ||
    (activation !== 'linear' && activation !== 'relu' && activation !== 'relu6')
  ) {
    return fallback(tf.FusedConv2D, args);
  }
  return forwardConv(args, { bias: bias !== undefined, activation }, bias);
}

function conv2DBackpropInput(args: KernelArgs): TensorInfo {
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

function conv2DBackpropFilter(args: KernelArgs): TensorInfo {
  const { x, dy } = args.inputs;
  const filterShape = args.attrs.filterShape as number[];
  const info = convInfoOf(x.shape, filterShape, args.attrs, 1);
  if (info.dataFormat !== 'channelsLast' || x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error('awmtl wasm Conv2DBackpropFilter: only float32 NHWC (channelsLast) is supported');
  }
  const rt = runtimeFor(args.backend);
  if (isEmpty(x.shape) || isEmpty(dy.shape) || isEmpty(filterShape)) return zeros(rt, filterShape);
  const pad = effectivePad(info);
  const g: BackpropFilterGeometry = convGeometry(info, pad);
  const plan = defaultBackpropFilterPlan(g);
  const kernel = rt.kernel(`bpf:${JSON.stringify(g)}:${JSON.stringify(plan)}`, (mod) =>
    addBackpropFilter(mod, 'run', g, plan),
  );
  const n = info.batchSize;
  const filterSize = g.KH * g.KW * g.ci * g.CO;
  const ranges = splitRange(n, partsFor(rt, n, n * g.OH * g.OW * filterSize));
  const out = zeros(rt, filterShape);
  const [xp, scratch] = padded(rt, x, pad);
  // Chunks accumulate into their thread's zeroed partial (the output for this thread).
  const partials = perThread(rt, ranges.length, filterSize, true).slice(1);
  const work = ranges.length < 2 ? [rt.malloc(backpropFilterScratch(g, plan))] : perThread(rt, 2, backpropFilterScratch(g, plan), false);
  const o = rt.offset(out);
  const dyo = rt.offset(dy);
  const xImage = g.Hp * g.Wp * g.ci * 4;
  const dyImage = g.OH * g.OW * g.CO * 4;
  rt.parallel(
    kernel,
    'run',
    ranges.map(([s, c]) => [xp + s * xImage, dyo + s * dyImage, o, c * g.OH, work[0]]),
    [
      { index: 2, values: [o, ...partials] },
      { index: 4, values: work },
    ],
  );
  addPartials(rt, o, partials, filterSize);
  for (const w of work) rt.free(w);
  if (scratch) rt.free(scratch);
  return out;
}

function maxPoolGrad(args: KernelArgs): TensorInfo {
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

interface Aliasing {
  incRef(dataId: object): void;
}

/** Identity without a copy (tensors are immutable), as the cpu backend and wasm Reshape do. */
function identity(args: KernelArgs): TensorInfo {
  const { x } = args.inputs;
  if (x.dtype === 'string') return fallback(tf.Identity, args);
  (args.backend as Aliasing).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Cast to the same dtype is an identity; other casts use the shipped kernel. */
function cast(args: KernelArgs): TensorInfo {
  if (args.inputs.x.dtype === args.attrs.dtype) return identity(args);
  return fallback(tf.Cast, args);
}

/** Largest channel count the per-channel kernels are generated for. */
const MAX_CHANNELS = 4096;
/** Largest number of outer indices a reduction over middle axes is split into. */
const MAX_OUTER = 4096;

/** Sum over a run of axes before the last (bias gradients, ...); other sums use the shipped kernel. */
function sumKernel(args: KernelArgs): TensorInfo {
  return sum(args, tf.Sum) ?? fallback(tf.Sum, args);
}

/**
 * The sum over one contiguous run of axes [a, b] that leaves the last axis (bias gradients and
 * batch-norm moments: [0, 1, 2]; global average pooling: [1, 2]), or null when the call is not of
 * that form. With O = size of the axes before a, R = the reduced size, C = the size after b:
 * out[o, c] = sum over r of x[o, r, c].
 */
function sum(args: KernelArgs, kernelName: string): TensorInfo | null {
  const { x } = args.inputs;
  const axes = tf.util.parseAxisParam(args.attrs.axis as number | number[], x.shape).sort((a, b) => a - b);
  const first = axes[0];
  const contiguous = axes.length > 0 && axes.every((a, i) => a === first + i);
  const last = first + axes.length - 1;
  if (x.dtype !== 'float32' || !contiguous || last >= x.shape.length - 1) return null;
  const size = (dims: number[]): number => dims.reduce((a, b) => a * b, 1);
  const O = size(x.shape.slice(0, first));
  const R = size(x.shape.slice(first, last + 1));
  const C = size(x.shape.slice(last + 1));
  if (C > MAX_CHANNELS || O > MAX_OUTER) return null;
  const rt = runtimeFor(args.backend);
  const outShape = x.shape.flatMap((d, i) => (i < first || i > last ? [d] : args.attrs.keepDims ? [1] : []));
  if (O * R * C === 0) return kernelName === tf.Sum ? zeros(rt, outShape) : null;
  const kernel = rt.kernel(`sumRows:${C}`, (mod) => addSumRows(mod, 'run', C));
  const out = zeros(rt, outShape);
  const [xo, o] = [rt.offset(x), rt.offset(out)];
  if (O > 1) {
    // One chunk per outer index (each writes its own outputs).
    const chunks = Array.from({ length: O }, (_, k) => [xo + k * R * C * 4, o + k * C * 4, R]);
    rt.parallel(kernel, 'run', chunks, [], partsFor(rt, O, O * R * C) > 1);
    return out;
  }
  const ranges = splitRange(R, partsFor(rt, R, R * C));
  const partials = perThread(rt, ranges.length, C, true).slice(1);
  rt.parallel(kernel, 'run', ranges.map(([s, c]) => [xo + s * C * 4, o, c]), [{ index: 1, values: [o, ...partials] }]);
  addPartials(rt, o, partials, C);
  return out;
}

/** x + bias broadcast over the last axis (a bias add); equal shapes and scalars as in binary.ts; other adds use the shipped kernel. */
function add(args: KernelArgs): TensorInfo {
  const { a, b } = args.inputs;
  const isBiasOf = (bias: TensorInfo, x: TensorInfo): boolean => {
    const C = x.shape[x.shape.length - 1];
    return (
      x.shape.length >= 2 &&
      bias.shape.length >= 1 &&
      bias.shape.length <= x.shape.length &&
      bias.shape[bias.shape.length - 1] === C &&
      bias.shape.slice(0, -1).every((d) => d === 1) &&
      C > 0 &&
      C <= MAX_CHANNELS
    );
  };
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(tf.Add, args);
  const [x, bias] = isBiasOf(b, a) ? [a, b] : isBiasOf(a, b) ? [b, a] : [null, null];
  if (!x || !bias) return elementwise('add', args) ?? fallback(tf.Add, args);
  const rt = runtimeFor(args.backend);
  const C = x.shape[x.shape.length - 1];
  const R = x.shape.reduce((p, d) => p * d, 1) / C;
  const out = rt.output(x.shape);
  if (R === 0) return out;
  const kernel = rt.kernel(`addChannels:${C}`, (mod) => addAddChannels(mod, 'run', C));
  const [xo, bo, o] = [rt.offset(x), rt.offset(bias), rt.offset(out)];
  const ranges = splitRange(R, partsFor(rt, R, R * C));
  rt.parallel(kernel, 'run', ranges.map(([s, c]) => [xo + s * C * 4, bo, o + s * C * 4, c]));
  return out;
}

/** Mean over a run of axes before the last (batch-norm moments, global average pooling); others use the shipped kernel. */
function mean(args: KernelArgs): TensorInfo {
  const { x } = args.inputs;
  const axes = tf.util.parseAxisParam(args.attrs.axis as number | number[], x.shape);
  const R = axes.reduce((p, a) => p * x.shape[a], 1);
  const out = sum(args, tf.Mean);
  if (out === null) return fallback(tf.Mean, args);
  const rt = runtimeFor(args.backend);
  const o = rt.offset(out) >>> 2;
  const heap = rt.f32;
  const count = out.shape.reduce((p, d) => p * d, 1);
  for (let i = 0; i < count; i++) heap[o + i] /= R;
  return out;
}

/**
 * Tile by block copies (copyWithin on the heap): each dimension's block is built once and then
 * doubled up to its repeat count. The shipped kernel is slow on the [1,1,1,C] -> [N,H,W,C] tiles
 * of batch-norm gradients.
 */
function tile(args: KernelArgs): TensorInfo {
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

/** Element-wise square root of a float32 tensor (the shipped one is scalar code). */
function sqrt(args: KernelArgs): TensorInfo {
  const { x } = args.inputs;
  if (x.dtype !== 'float32') return fallback(tf.Sqrt, args);
  const rt = runtimeFor(args.backend);
  const out = rt.output(x.shape);
  const n = x.shape.reduce((p, d) => p * d, 1);
  if (n === 0) return out;
  const kernel = rt.kernel('sqrt', (mod) => addSqrt(mod, 'run'));
  const [xo, o] = [rt.offset(x), rt.offset(out)];
  // Ranges of whole vectors (multiples of 4 floats) per thread.
  const ranges = splitRange(Math.ceil(n / 4), partsFor(rt, n, n)).map(([s, c]) => [s * 4, Math.min(c * 4, n - s * 4)]);
  rt.parallel(kernel, 'run', ranges.map(([s, c]) => [xo + s * 4, o + s * 4, c]));
  return out;
}

/**
 * FusedBatchNorm with per-channel (1-D, length C) mean, variance, offset and scale:
 * (x - mean) * scale / sqrt(variance + epsilon) + offset, the factor computed once per channel.
 */
function fusedBatchNorm(args: KernelArgs): TensorInfo {
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

/** Heap view and element size for a dtype (int32 and float32 share 4-byte indexing). */
function heapFor(rt: KernelRuntime, dtype: string): { heap: Float32Array | Int32Array | Uint8Array; unit: number } {
  if (dtype === 'bool') return { heap: rt.u8, unit: 1 };
  if (dtype === 'int32') return { heap: rt.i32, unit: 4 };
  return { heap: rt.f32, unit: 4 };
}

/**
 * Copies the box `region` (per-dimension sizes) from src (shape srcShape, box corner srcAt) to
 * dst (shape dstShape, corner dstAt), element indices into `heap`, as contiguous runs.
 */
function copyBox(
  heap: Float32Array | Int32Array | Uint8Array,
  src: number,
  srcShape: readonly number[],
  srcAt: readonly number[],
  dst: number,
  dstShape: readonly number[],
  dstAt: readonly number[],
  region: readonly number[],
): void {
  const rank = region.length;
  if (region.some((d) => d === 0)) return;
  // Trailing dimensions copied whole in both tensors merge into one contiguous run.
  let k = rank - 1;
  let run = region[k];
  while (k > 0 && region[k] === srcShape[k] && region[k] === dstShape[k]) {
    k--;
    run *= region[k];
  }
  const srcStride = new Array<number>(rank).fill(1);
  const dstStride = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) {
    srcStride[d] = srcStride[d + 1] * srcShape[d + 1];
    dstStride[d] = dstStride[d + 1] * dstShape[d + 1];
  }
  let s0 = src;
  let d0 = dst;
  for (let d = 0; d < rank; d++) {
    s0 += srcAt[d] * srcStride[d];
    d0 += dstAt[d] * dstStride[d];
  }
  // Odometer over dimensions 0..k-1.
  const idx = new Array<number>(Math.max(0, k)).fill(0);
  for (;;) {
    let s = s0;
    let t = d0;
    for (let d = 0; d < k; d++) {
      s += idx[d] * srcStride[d];
      t += idx[d] * dstStride[d];
    }
    heap.copyWithin(t, s, s + run);
    let d = k - 1;
    while (d >= 0 && ++idx[d] === region[d]) idx[d--] = 0;
    if (d < 0) break;
  }
}

/** PadV2 (constant padding) by a fill and contiguous-run copies. */
function padV2(args: KernelArgs): TensorInfo {
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

/** Slice by contiguous-run copies. */
function slice(args: KernelArgs): TensorInfo {
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

/**
 * UnsortedSegmentSum (absent from tfjs-backend-wasm; the gradient of Gather): out[ids[i], ...] +=
 * x[i, ...], ids outside [0, numSegments) dropped, as on the cpu backend.
 */
function unsortedSegmentSum(args: KernelArgs): TensorInfo {
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

const ours: readonly { kernelName: string; kernelFunc: (args: KernelArgs) => TensorInfo | TensorInfo[] }[] = [
  { kernelName: tf.Conv2D, kernelFunc: conv2D },
  { kernelName: tf.FusedConv2D, kernelFunc: fusedConv2D },
  { kernelName: tf.Conv2DBackpropInput, kernelFunc: conv2DBackpropInput },
  { kernelName: tf.Conv2DBackpropFilter, kernelFunc: conv2DBackpropFilter },
  { kernelName: tf.MaxPoolGrad, kernelFunc: maxPoolGrad },
  { kernelName: tf.Identity, kernelFunc: identity },
  { kernelName: tf.Cast, kernelFunc: cast },
  { kernelName: tf.Sum, kernelFunc: sumKernel },
  { kernelName: tf.Mean, kernelFunc: mean },
  { kernelName: tf.Tile, kernelFunc: tile },
  { kernelName: tf.Sqrt, kernelFunc: sqrt },
  { kernelName: tf.FusedBatchNorm, kernelFunc: fusedBatchNorm },
  { kernelName: tf.PadV2, kernelFunc: padV2 },
  { kernelName: tf.Slice, kernelFunc: slice },
  { kernelName: tf.UnsortedSegmentSum, kernelFunc: unsortedSegmentSum },
  { kernelName: tf.Add, kernelFunc: add },
  { kernelName: ADAM_UPDATE, kernelFunc: adamUpdate },
  { kernelName: tf.Sub, kernelFunc: (args) => elementwise('sub', args) ?? fallback(tf.Sub, args) },
  { kernelName: tf.Multiply, kernelFunc: (args) => elementwise('mul', args) ?? fallback(tf.Multiply, args) },
  { kernelName: tf.RealDiv, kernelFunc: (args) => elementwise('div', args) ?? fallback(tf.RealDiv, args) },
];

/** Names of the kernels `registerWasmTrainingKernels` installs on the `wasm` backend. */
export const WASM_TRAINING_KERNELS: readonly string[] = ours.map((k) => k.kernelName);

const ourFuncs = new WeakSet<object>(ours.map((k) => k.kernelFunc));

/**
 * Installs the project's training kernels on the tfjs `wasm` backend, replacing shipped ones of
 * the same name (kept as fallbacks). Idempotent; may be called before or after the backend is
 * initialised.
 */
export function registerWasmTrainingKernels(): void {
  for (const k of ours) {
    const existing = tf.getKernel(k.kernelName, 'wasm');
    if (existing && ourFuncs.has(existing.kernelFunc)) continue;
    if (existing) {
      originals.set(k.kernelName, existing);
      tf.unregisterKernel(k.kernelName, 'wasm');
    }
    tf.registerKernel({
      kernelName: k.kernelName,
      backendName: 'wasm',
      kernelFunc: k.kernelFunc as unknown as KernelFunc,
      // Keep the shipped kernel's set-up so the fallback works if the backend starts later.
      setupFunc: existing?.setupFunc,
    });
  }
}
