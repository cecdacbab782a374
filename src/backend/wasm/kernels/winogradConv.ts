/**
 * 3x3 stride-1 convolutions by Winograd's F(2x2, 3x3): 16 multiplies per 2x2 output tile and
 * channel pair instead of 36, which lifts the forward convolution and the stride-1 input
 * gradient past the arithmetic ceiling of 128-bit SIMD. The input and filter are transformed into
 * 16 planes each (addWinogradInput.ts, addWinogradFilter.ts), each pair of planes multiplied as a
 * matrix product by the gather kernel with a 1x1 filter (the packed GEMM of addGatherConv.ts), and
 * the 16 product planes transformed back with the epilogue (addWinogradOutput.ts).
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import { type Epilogue, type GatherGeometry, NO_EPILOGUE } from '../addGatherConv.js';
import { addWinogradFilter } from '../addWinogradFilter.js';
import { addWinogradInput } from '../addWinogradInput.js';
import { addWinogradOutput } from '../addWinogradOutput.js';
import { type KernelRuntime, type Pad, splitRange } from '../runtime.js';
import { padded } from './convInfoOf.js';
import { partsFor } from './partsFor.js';
import { runGather } from './runGather.js';

/** A 3x3 stride-1 convolution of x [N, H, W, K] into [N, OH, OW, cols], x padded by top/left. */
export interface WinogradCall {
  readonly N: number;
  readonly H: number;
  readonly W: number;
  /** Input channels (the reduction) and output channels. */
  readonly K: number;
  readonly cols: number;
  readonly OH: number;
  readonly OW: number;
  readonly top: number;
  readonly left: number;
}

/** The call of a forward convolution (and of its filter gradient, which has the same geometry). */
export const winogradCallOf = (info: {
  readonly batchSize: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly padInfo: { readonly top: number; readonly left: number };
}): WinogradCall => ({
  N: info.batchSize,
  H: info.inHeight,
  W: info.inWidth,
  K: info.inChannels,
  cols: info.outChannels,
  OH: info.outHeight,
  OW: info.outWidth,
  top: info.padInfo.top,
  left: info.padInfo.left,
});

/**
 * Direct multiply-adds below which a call stays direct. Small calls gain nothing (4x4 and 2x2
 * maps at batch 4 ran up to twice as slow: sixteen products and three transforms for little
 * work; at batch 16, 6x6x64 was even, 21 M multiply-adds). They also keep the direct kernels'
 * rounding: Winograd's errors are relative to a tensor's norm, not to each element, and Adam's
 * first step (about lr * sign(g)) turns that into visible differences for near-zero gradients
 * of a small net (test/cli/webgpu.test.ts compares such a run with webgpu's to 1e-4).
 */
let minWork = 1 << 25;

/** Sets the work threshold (for tests that check the Winograd path on small shapes); returns the old one. */
export function setWinogradMinWork(work: number): number {
  const old = minWork;
  minWork = work;
  return old;
}

/**
 * Whether F(2x2, 3x3) pays for this call: enough work (`setWinogradMinWork`), channels in whole vectors and enough of them (the
 * transforms cost per channel what the products save per channel pair: with 16 channels on
 * either side the small-cnn's convolutions ran 10-60% slower, with 32 up to 25% faster), and
 * the tiles' 16 multiplies per 4 outputs well under the direct 9 per output once odd sizes
 * round up. For the forward convolution and the input gradient a 3x3 output (4x4 computed)
 * gains too little over the direct kernel; the filter gradient (`filterGradient`) gains on it
 * (its direct kernel is slowest on small maps: 3x3x512, batch 16, 33-37 -> 17 ms), so there
 * fewer multiplies suffice, but it needs more channel pairs (32x64 was even, 64x64 and up
 * faster). `AWMTL_WASM_WINOGRAD=0` turns it off (for comparisons).
 */
export function winogradPays(c: WinogradCall, filterGradient = false): boolean {
  if (process.env.AWMTL_WASM_WINOGRAD === '0') return false;
  if (c.N * c.OH * c.OW * c.K * c.cols * 9 < minWork) return false;
  if (c.K % 4 !== 0 || c.cols % 4 !== 0 || Math.min(c.K, c.cols) < 32) return false;
  if (filterGradient && c.K * c.cols < 64 * 64) return false;
  const tiles = Math.ceil(c.OH / 2) * Math.ceil(c.OW / 2);
  return tiles * 16 < (filterGradient ? 1 : 0.6) * c.OH * c.OW * 9;
}

/**
 * Runs the convolution of `x` with the 3x3 filter W[3, 3, wci, wco] at float index `w` (rotated
 * by 180 degrees and transposed when `transposed`: the stride-1 input gradient, where K = wco and
 * cols = wci) into `out`, with the epilogue applied to each output.
 */
export function runWinograd(
  rt: KernelRuntime,
  c: WinogradCall,
  x: TensorInfo,
  w: number,
  transposed: boolean,
  out: TensorInfo,
  epilogue: Epilogue = NO_EPILOGUE,
  bias = 0,
): void {
  const TH = Math.ceil(c.OH / 2);
  const TW = Math.ceil(c.OW / 2);
  const T = TH * TW;
  const { N, K, cols } = c;
  const [wci, wco] = transposed ? [cols, K] : [K, cols];

  const u = rt.malloc(16 * wci * wco);
  const filter = rt.kernel(`winoFilter:${wci}:${wco}:${transposed}`, (mod) => addWinogradFilter(mod, 'run', wci, wco, transposed));
  filter.exports.run(w * 4, u, (wci * wco) / 4);

  const v = winogradInputPlanes(rt, c, x);
  const m = rt.malloc(16 * N * T * cols);
  const g: GatherGeometry = { Hp: TH, Wp: TW, ci: K, OH: TH, OW: TW, KH: 1, KW: 1, sh: 1, sw: 1, CO: cols };
  for (let xi = 0; xi < 16; xi++) {
    const plane = (u >>> 2) + xi * wci * wco;
    const rows = (): Int32Array => {
      const r = new Int32Array(K);
      for (let k = 0; k < K; k++) r[k] = plane + (transposed ? k : k * wco);
      return r;
    };
    runGather(rt, g, N, v + xi * N * T * K * 4, m + xi * N * T * cols * 4, rows, transposed ? wco : 1);
  }
  rt.free(v);
  rt.free(u);

  const output = rt.kernel(`winoOutput:${c.OH}:${c.OW}:${cols}:${N}:${JSON.stringify(epilogue)}`, (mod) =>
    addWinogradOutput(mod, 'run', { OH: c.OH, OW: c.OW, CO: cols, TH, TW, N }, epilogue),
  );
  const o = rt.offset(out);
  const outs = splitRange(N, partsFor(rt, N, N * T * 16 * cols));
  rt.parallel(output, 'run', outs.map(([s, k]) => [m + s * T * cols * 4, o + s * c.OH * c.OW * cols * 4, k, bias]));
  rt.free(m);
}

/**
 * The 16 transformed-input planes [16][N][tiles][K] of `x` for the call (scratch: free with
 * `rt.free`), the input zero-padded so that every tile's 4x4 window lies inside.
 */
export function winogradInputPlanes(rt: KernelRuntime, c: WinogradCall, x: TensorInfo): number {
  const TH = Math.ceil(c.OH / 2);
  const TW = Math.ceil(c.OW / 2);
  const T = TH * TW;
  const { N, K } = c;
  const pad: Pad = {
    top: c.top,
    left: c.left,
    bottom: Math.max(0, 2 * TH + 2 - c.H - c.top),
    right: Math.max(0, 2 * TW + 2 - c.W - c.left),
  };
  const Hp = c.H + pad.top + pad.bottom;
  const Wp = c.W + pad.left + pad.right;
  const [xp, scratch] = padded(rt, x, pad);
  const v = rt.malloc(16 * N * T * K);
  const input = rt.kernel(`winoInput:${Hp}:${Wp}:${K}:${TH}:${TW}:${N}`, (mod) =>
    addWinogradInput(mod, 'run', { Hp, Wp, ci: K, TH, TW, N }),
  );
  const images = splitRange(N, partsFor(rt, N, N * T * 16 * K));
  rt.parallel(input, 'run', images.map(([s, k]) => [xp + s * Hp * Wp * K * 4, v + s * T * K * 4, k]));
  if (scratch) rt.free(scratch);
  return v;
}
