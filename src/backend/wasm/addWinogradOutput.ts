/**
 * Generator of the output transform of Winograd's F(m x m, 3x3) convolution (m = 2, 3 or 4,
 * winogradMatrices.ts): the alpha^2 product planes M[xi][n][tile][co] (xi = alpha i + j, see
 * addWinogradInput.ts) of each m x m tile become Y = A^T M A, then + bias[co] and an activation
 * (the forward convolution's epilogue), stored as the NHWC output [N, OH, OW, CO]. Tiles that
 * hang over an output height or width that is not a multiple of m store only their inside
 * pixels. SIMD over 4 output channels at a time (CO a multiple of 4).
 */
import type { Epilogue } from './addGatherConv.js';
import { FunctionBuilder, type ModuleBuilder, Op, SimdOp, ValType } from './emitter.js';
import { constantPool, leftMultiply, pushCombination } from './pushCombination.js';
import { winogradMatrices, type WinogradTile } from './winogradMatrices.js';

export interface WinogradOutputGeometry {
  readonly OH: number;
  readonly OW: number;
  readonly CO: number;
  /** Tile rows and columns per image: ceil(OH / m), ceil(OW / m). */
  readonly TH: number;
  readonly TW: number;
  /** Images in the whole batch (the planes are [N, TH*TW, CO]). */
  readonly N: number;
  /** Output tile size (default 2). */
  readonly m?: WinogradTile;
}

/**
 * Adds `run(m, out, count, bias)` (byte offsets: m at the first image's tiles in plane 0, out at
 * its output; bias read only with an epilogue that has one).
 */
export function addWinogradOutput(mod: ModuleBuilder, exportName: string, g: WinogradOutputGeometry, e: Epilogue): void {
  const I = ValType.i32;
  const V = ValType.v128;
  const { m: tm, alpha: a, AT } = winogradMatrices(g.m ?? 2);
  const f = new FunctionBuilder(exportName, [I, I, I, I]);
  const [m0, out0, count, bias] = [0, 1, 2, 3];
  const img = f.local(I);
  const ty = f.local(I);
  const tx = f.local(I);
  const c = f.local(I);
  const orow = f.local(I);
  const oq = f.local(I);
  const mq = f.local(I);
  const bq = f.local(I);
  const notLastRow = f.local(I); // the tile row is not the last (all its rows are inside)
  const notLastCol = f.local(I);
  const mv = Array.from({ length: a * a }, () => f.local(V));
  const s = Array.from({ length: tm * a }, () => f.local(V));
  const bv = f.local(V);
  const pool = constantPool(f, AT);
  const CO = g.CO * 4;
  const OROW = g.OW * CO;
  const OIMG = g.OH * OROW;
  const PLANE = g.N * g.TH * g.TW * CO;
  // Output rows (columns) of the last tile row (column) that are inside.
  const lastRows = g.OH - (g.TH - 1) * tm;
  const lastCols = g.OW - (g.TW - 1) * tm;
  const finish = (): void => {
    if (e.bias) f.get(bv).simd(SimdOp.f32x4Add);
    if (e.activation !== 'linear') f.f32x4Const(0).simd(SimdOp.f32x4Max);
    if (e.activation === 'relu6') f.f32x4Const(6).simd(SimdOp.f32x4Min);
  };
  f.get(m0).set(mq);
  f.forLt(img, 0, { local: count }, 1, () => {
    f.forLt(ty, 0, g.TH, 1, () => {
      f.get(out0).get(img).i32(OIMG).op(Op.i32Mul).op(Op.i32Add);
      f.get(ty).i32(tm * OROW).op(Op.i32Mul).op(Op.i32Add).set(orow);
      if (lastRows < tm) f.get(ty).i32(g.TH - 1).op(Op.i32LtS).set(notLastRow);
      f.forLt(tx, 0, g.TW, 1, () => {
        f.get(orow).get(tx).i32(tm * CO).op(Op.i32Mul).op(Op.i32Add).set(oq);
        if (lastCols < tm) f.get(tx).i32(g.TW - 1).op(Op.i32LtS).set(notLastCol);
        f.get(bias).set(bq);
        f.forLt(c, 0, g.CO, 4, () => {
          for (let k = 0; k < a * a; k++) f.get(mq).v128Load(k * PLANE).set(mv[k]);
          if (e.bias) f.get(bq).v128Load().set(bv);
          leftMultiply(f, AT, mv, a, s, pool); // s = A^T M
          // Columns: Y[i, j] = sum_l s[i, l] A^T[j, l], stored where inside.
          for (let i = 0; i < tm; i++) {
            const row = s.slice(i * a, (i + 1) * a);
            for (let j = 0; j < tm; j++) {
              const store = (): void => {
                f.get(oq);
                pushCombination(f, AT[j], row, pool);
                finish();
                f.v128Store(i * OROW + j * CO);
              };
              const rowGuard = i >= lastRows;
              const colGuard = j >= lastCols;
              if (rowGuard && colGuard) f.get(notLastRow).get(notLastCol).op(Op.i32And).if(store);
              else if (rowGuard) f.get(notLastRow).if(store);
              else if (colGuard) f.get(notLastCol).if(store);
              else store();
            }
          }
          f.addTo(mq, 16).addTo(oq, 16).addTo(bq, 16);
        });
      });
    });
  });
  mod.add(f);
}
