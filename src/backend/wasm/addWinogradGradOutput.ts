/**
 * Generator of the output-gradient transform of Winograd's F(m x m, 3x3) convolution (m = 2, 3
 * or 4, winogradMatrices.ts), for the filter gradient: each m x m tile y of dy becomes the
 * alpha x alpha dM = A y A^T (the adjoint of the output transform Y = A^T M A, see
 * addWinogradOutput.ts), stored as alpha^2 planes dM[xi][n][tile][co] (xi = alpha i + j). dy
 * must cover whole tiles (the caller pads other sizes with zeros). SIMD over 4 output channels
 * at a time (CO a multiple of 4).
 */
import { FunctionBuilder, type ModuleBuilder, Op, ValType } from './emitter.js';
import { constantPool, leftMultiply, pushCombination, transposeRows } from './pushCombination.js';
import { winogradMatrices, type WinogradTile } from './winogradMatrices.js';

export interface WinogradGradOutputGeometry {
  /** Tile rows and columns per image (dy is [N, m*TH, m*TW, CO]). */
  readonly TH: number;
  readonly TW: number;
  readonly CO: number;
  /** Images in the whole batch (the planes are [N, TH*TW, CO]). */
  readonly N: number;
  /** Output tile size (default 2). */
  readonly m?: WinogradTile;
}

/** Adds `run(dy, m, count)` (byte offsets: dy at the first image, m at its tiles in plane 0). */
export function addWinogradGradOutput(mod: ModuleBuilder, exportName: string, g: WinogradGradOutputGeometry): void {
  const I = ValType.i32;
  const V = ValType.v128;
  const { m: tm, alpha: a, AT } = winogradMatrices(g.m ?? 2);
  const A = transposeRows(AT); // alpha x m
  const f = new FunctionBuilder(exportName, [I, I, I]);
  const [dy0, m0, count] = [0, 1, 2];
  const row = f.local(I); // tile row over all images
  const tx = f.local(I);
  const c = f.local(I);
  const yrow = f.local(I);
  const yq = f.local(I);
  const mq = f.local(I);
  const y = Array.from({ length: tm * tm }, () => f.local(V));
  const r = Array.from({ length: a * tm }, () => f.local(V));
  const pool = constantPool(f, A);
  const CO = g.CO * 4;
  const YROW = tm * g.TW * CO;
  const PLANE = g.N * g.TH * g.TW * CO;
  f.get(m0).set(mq);
  f.get(dy0).set(yrow);
  // Images are stacked rows of tiles: count*TH tile rows, each m dy rows.
  f.get(count).i32(g.TH).op(Op.i32Mul).set(count);
  f.forLt(row, 0, { local: count }, 1, () => {
    f.forLt(tx, 0, g.TW, 1, () => {
      f.get(yrow).get(tx).i32(tm * CO).op(Op.i32Mul).op(Op.i32Add).set(yq);
      f.forLt(c, 0, g.CO, 4, () => {
        // y[i*m + k] = dy[m ty + i, m tx + k]
        for (let i = 0; i < tm; i++) for (let k = 0; k < tm; k++) f.get(yq).v128Load(i * YROW + k * CO).set(y[i * tm + k]);
        leftMultiply(f, A, y, tm, r, pool); // r = A y
        // Columns: dM[l, j] = sum_k r[l, k] A[j, k].
        for (let l = 0; l < a; l++) {
          const rowL = r.slice(l * tm, (l + 1) * tm);
          for (let j = 0; j < a; j++) {
            f.get(mq);
            pushCombination(f, A[j], rowL, pool);
            f.v128Store((a * l + j) * PLANE);
          }
        }
        f.addTo(yq, 16).addTo(mq, 16);
      });
    });
    f.addTo(yrow, tm * YROW);
  });
  mod.add(f);
}
