/**
 * The filter gradient of a 3x3 stride-1 convolution by Winograd's F(m x m, 3x3), the adjoint of
 * winogradConv.ts: the input is transformed into alpha^2 planes V (addWinogradInput.ts), dy
 * into alpha^2 planes dM = A dy A^T (addWinogradGradOutput.ts), each pair of planes gives
 * dU = V^T dM by the filter-gradient GEMM with a 1x1 filter (addBackpropFilter.ts), and
 * dW = G^T dU G (addWinogradFilterGrad.ts). (m + 2)^2 multiplies per tile and channel pair
 * instead of 9 m^2.
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackpropFilterGeometry } from '../addBackpropFilter.js';
import { addWinogradFilterGrad } from '../addWinogradFilterGrad.js';
import { addWinogradGradOutput } from '../addWinogradGradOutput.js';
import { type KernelRuntime, splitRange } from '../runtime.js';
import { padded } from './convInfoOf.js';
import { partsFor } from './partsFor.js';
import { runBackpropFilter } from './runBackpropFilter.js';
import type { WinogradTile } from '../winogradMatrices.js';
import { type WinogradCall, winogradInputPlanes } from './winogradConv.js';

/** Writes the gradient [3, 3, K, cols] of the call's filter, for input x and output gradient dy, into `out`. */
export function runWinogradFilterGrad(rt: KernelRuntime, c: WinogradCall, x: TensorInfo, dy: TensorInfo, out: TensorInfo, tile: WinogradTile = 2): void {
  const TH = Math.ceil(c.OH / tile);
  const TW = Math.ceil(c.OW / tile);
  const T = TH * TW;
  const P = (tile + 2) ** 2;
  const { N, K, cols } = c;
  const v = winogradInputPlanes(rt, c, x, tile);

  const [dyp, scratch] = padded(rt, dy, { top: 0, left: 0, bottom: tile * TH - c.OH, right: tile * TW - c.OW });
  const m = rt.malloc(P * N * T * cols);
  const gradOutput = rt.kernel(`winoGradOutput:${TH}:${TW}:${cols}:${N}:${tile}`, (mod) =>
    addWinogradGradOutput(mod, 'run', { TH, TW, CO: cols, N, m: tile }),
  );
  const images = splitRange(N, partsFor(rt, N, N * T * P * cols));
  rt.parallel(gradOutput, 'run', images.map(([s, k]) => [dyp + s * tile * tile * T * cols * 4, m + s * T * cols * 4, k]));
  if (scratch) rt.free(scratch);

  const du = rt.malloc(P * K * cols);
  const g: BackpropFilterGeometry = { Hp: TH, Wp: TW, ci: K, OH: TH, OW: TW, KH: 1, KW: 1, sh: 1, sw: 1, CO: cols };
  for (let xi = 0; xi < P; xi++) {
    runBackpropFilter(rt, g, N, v + xi * N * T * K * 4, m + xi * N * T * cols * 4, du + xi * K * cols * 4);
  }
  rt.free(v);
  rt.free(m);

  const filterGrad = rt.kernel(`winoFilterGrad:${K}:${cols}:${tile}`, (mod) => addWinogradFilterGrad(mod, 'run', K, cols, tile));
  filterGrad.exports.run(du, rt.offset(out), (K * cols) / 4);
  rt.free(du);
}
