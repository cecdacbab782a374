/**
 * 3x3 stride-1 convolutions by Winograd's F(m x m, 3x3), m = 2, 3 or 4 (winogradMatrices.ts):
 * (m + 2)^2 multiplies per m x m output tile and channel pair instead of 9 m^2 (16 for 4 outputs,
 * 25 for 9, 36 for 16), which lifts the forward convolution and the stride-1 input gradient past
 * the arithmetic ceiling of 128-bit SIMD. The input and filter are transformed into alpha^2
 * planes each (alpha = m + 2; addWinogradInput.ts, addWinogradFilter.ts), each pair of planes
 * multiplied as a matrix product by the gather kernel with a 1x1 filter (the packed GEMM of
 * addGatherConv.ts), and the product planes transformed back with the epilogue
 * (addWinogradOutput.ts). The tile is chosen per call (`winogradTileFor`).
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import { type Epilogue, type GatherGeometry, NO_EPILOGUE } from '../addGatherConv.js';
import { addWinogradFilter } from '../addWinogradFilter.js';
import { addWinogradInput } from '../addWinogradInput.js';
import { addWinogradOutput } from '../addWinogradOutput.js';
import { type KernelRuntime, type Pad, splitRange } from '../runtime.js';
import { bestWinogradTile, tileMultiplies, type WinogradTile } from '../winogradMatrices.js';
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

/**
 * Size thresholds measured on ResNet shapes (1 thread, kernel CPU time, `AWMTL_WASM_WINOGRAD_TILES`
 * forced; src/backend/README.md). The products of plane pairs are GEMMs with one row per tile of
 * the batch, and they lose efficiency when few: a larger tile (m = 3, 4) pays only with at least
 * 256 tiles in the batch and at most 0.75 of F(2x2)'s multiplies (at batch 8, F(2x2) beat F(4x4)
 * on 8x8 and 16x16 maps; at batch 16, F(4x4) beat it by 13-18% on 24x24x64); the filter
 * gradient by F(2x2) needs 64 tiles (on a 3x3 map at batch 16, or 4x4 at batch 8, it ran 1.4-2.2x
 * slower than the direct kernel).
 */
const SIZE_THRESHOLDS = { largeTileMinTiles: 256, largeTileMaxShare: 0.75, filterGradMinTiles: 64 };
let thresholds: { readonly largeTileMinTiles: number; readonly largeTileMaxShare: number; readonly filterGradMinTiles: number } = SIZE_THRESHOLDS;

/**
 * Sets the work threshold, and the size thresholds with it (all off when the work threshold is
 * 0), for tests that check the Winograd path on small shapes; returns the old work threshold.
 */
export function setWinogradMinWork(work: number): number {
  const old = minWork;
  minWork = work;
  thresholds = work > 0 ? SIZE_THRESHOLDS : { largeTileMinTiles: 0, largeTileMaxShare: Infinity, filterGradMinTiles: 0 };
  return old;
}

/** The tile sizes allowed: all, or those `AWMTL_WASM_WINOGRAD_TILES` lists (e.g. `2`, for comparisons). */
const allowedTiles = (): WinogradTile[] => {
  const env = process.env.AWMTL_WASM_WINOGRAD_TILES;
  if (env === undefined || env.trim() === '') return [2, 3, 4];
  const tiles = env.split(',').map(Number).filter((m): m is WinogradTile => m === 2 || m === 3 || m === 4);
  return tiles.length > 0 ? tiles : [2, 3, 4];
};

/**
 * The Winograd tile for this call, or null when the direct kernel is used: enough work
 * (`setWinogradMinWork`), channels in whole vectors and enough of them (the transforms cost per
 * channel what the products save per channel pair: with 16 channels on either side the
 * small-cnn's convolutions ran 10-60% slower, with 32 up to 25% faster), the filter gradient with
 * at least 64x64 channel pairs (32x64 was even); then, of the allowed tiles that pass the size
 * thresholds above, the one with the fewest multiplies counting whole tiles
 * (`bestWinogradTile`), if that is under 0.6 of the direct 9 per output (a 3x3 map, where F(2x2)
 * computes 4x4, stays direct). `AWMTL_WASM_WINOGRAD=0` turns Winograd off,
 * `AWMTL_WASM_WINOGRAD_TILES=2` keeps F(2x2, 3x3) only (for comparisons).
 */
export function winogradTileFor(c: WinogradCall, filterGradient = false): WinogradTile | null {
  if (process.env.AWMTL_WASM_WINOGRAD === '0') return null;
  if (c.N * c.OH * c.OW * c.K * c.cols * 9 < minWork) return null;
  if (c.K % 4 !== 0 || c.cols % 4 !== 0 || Math.min(c.K, c.cols) < 32) return null;
  if (filterGradient && c.K * c.cols < 64 * 64) return null;
  const batchTiles = (m: WinogradTile): number => c.N * Math.ceil(c.OH / m) * Math.ceil(c.OW / m);
  const f2 = tileMultiplies(c.OH, c.OW, 2);
  const tiles = allowedTiles().filter((m) =>
    m === 2
      ? !filterGradient || batchTiles(2) >= thresholds.filterGradMinTiles
      : batchTiles(m) >= thresholds.largeTileMinTiles && tileMultiplies(c.OH, c.OW, m) <= thresholds.largeTileMaxShare * f2,
  );
  if (tiles.length === 0) return null;
  const best = bestWinogradTile(c.OH, c.OW, tiles);
  return best.multiplies < 0.6 * c.OH * c.OW * 9 ? best.m : null;
}

/** Whether Winograd is used for this call (`winogradTileFor` is not null). */
export const winogradPays = (c: WinogradCall, filterGradient = false): boolean => winogradTileFor(c, filterGradient) !== null;

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
  tile: WinogradTile = 2,
): void {
  const TH = Math.ceil(c.OH / tile);
  const TW = Math.ceil(c.OW / tile);
  const T = TH * TW;
  const P = (tile + 2) ** 2;
  const { N, K, cols } = c;
  const [wci, wco] = transposed ? [cols, K] : [K, cols];

  const u = rt.malloc(P * wci * wco);
  const filter = rt.kernel(`winoFilter:${wci}:${wco}:${transposed}:${tile}`, (mod) => addWinogradFilter(mod, 'run', wci, wco, transposed, tile));
  filter.exports.run(w * 4, u, (wci * wco) / 4);

  const v = winogradInputPlanes(rt, c, x, tile);
  const m = rt.malloc(P * N * T * cols);
  const g: GatherGeometry = { Hp: TH, Wp: TW, ci: K, OH: TH, OW: TW, KH: 1, KW: 1, sh: 1, sw: 1, CO: cols };
  for (let xi = 0; xi < P; xi++) {
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

  const output = rt.kernel(`winoOutput:${c.OH}:${c.OW}:${cols}:${N}:${tile}:${JSON.stringify(epilogue)}`, (mod) =>
    addWinogradOutput(mod, 'run', { OH: c.OH, OW: c.OW, CO: cols, TH, TW, N, m: tile }, epilogue),
  );
  const o = rt.offset(out);
  const outs = splitRange(N, partsFor(rt, N, N * T * P * cols));
  rt.parallel(output, 'run', outs.map(([s, k]) => [m + s * T * cols * 4, o + s * c.OH * c.OW * cols * 4, k, bias]));
  rt.free(m);
}

/**
 * The alpha^2 transformed-input planes [alpha^2][N][tiles][K] of `x` for the call and tile
 * (scratch: free with `rt.free`), the input zero-padded so that every tile's alpha x alpha
 * window lies inside.
 */
export function winogradInputPlanes(rt: KernelRuntime, c: WinogradCall, x: TensorInfo, tile: WinogradTile = 2): number {
  const TH = Math.ceil(c.OH / tile);
  const TW = Math.ceil(c.OW / tile);
  const T = TH * TW;
  const P = (tile + 2) ** 2;
  const { N, K } = c;
  const pad: Pad = {
    top: c.top,
    left: c.left,
    bottom: Math.max(0, tile * TH + 2 - c.H - c.top),
    right: Math.max(0, tile * TW + 2 - c.W - c.left),
  };
  const Hp = c.H + pad.top + pad.bottom;
  const Wp = c.W + pad.left + pad.right;
  const [xp, scratch] = padded(rt, x, pad);
  const v = rt.malloc(P * N * T * K);
  const input = rt.kernel(`winoInput:${Hp}:${Wp}:${K}:${TH}:${TW}:${N}:${tile}`, (mod) =>
    addWinogradInput(mod, 'run', { Hp, Wp, ci: K, TH, TW, N, m: tile }),
  );
  const images = splitRange(N, partsFor(rt, N, N * T * P * K));
  rt.parallel(input, 'run', images.map(([s, k]) => [xp + s * Hp * Wp * K * 4, v + s * T * K * 4, k]));
  if (scratch) rt.free(scratch);
  return v;
}
