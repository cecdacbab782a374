/**
 * Generator of the input transform of Winograd's F(m x m, 3x3) convolution (m = 2, 3 or 4,
 * winogradMatrices.ts) over a zero-padded NHWC input: for each m x m output tile (ty, tx) of
 * each image, the alpha x alpha input window d at (m ty, m tx) (alpha = m + 2) becomes
 * V = B^T d B, stored as alpha^2 planes V[xi][n][ty*TW + tx][c] (xi = alpha i + j), so each
 * plane is a [tiles, Ci] matrix for the per-plane products (see kernels/winogradConv.ts). SIMD
 * over 4 channels at a time (Ci a multiple of 4). Shapes, including the batch (the plane
 * stride), are baked in.
 */
import { FunctionBuilder, type ModuleBuilder, Op, ValType } from './emitter.js';
import { constantPool, leftMultiply, pushCombination } from './pushCombination.js';
import { winogradMatrices, type WinogradTile } from './winogradMatrices.js';

export interface WinogradInputGeometry {
  /** Padded input height and width (at least m*TH + 2 and m*TW + 2), channels. */
  readonly Hp: number;
  readonly Wp: number;
  readonly ci: number;
  /** Tile rows and columns per image. */
  readonly TH: number;
  readonly TW: number;
  /** Images in the whole batch (the planes are [N, TH*TW, ci]). */
  readonly N: number;
  /** Output tile size (default 2). */
  readonly m?: WinogradTile;
}

/** Adds `run(xp, v, count)` (byte offsets: xp at the first image, v at its tiles in plane 0). */
export function addWinogradInput(mod: ModuleBuilder, exportName: string, g: WinogradInputGeometry): void {
  const I = ValType.i32;
  const V = ValType.v128;
  const { m, alpha: a, BT } = winogradMatrices(g.m ?? 2);
  const f = new FunctionBuilder(exportName, [I, I, I]);
  const [xp0, v0, count] = [0, 1, 2];
  const img = f.local(I);
  const ty = f.local(I);
  const tx = f.local(I);
  const c = f.local(I);
  const xrow = f.local(I); // first input row of the tile row
  const xq = f.local(I); // window corner, advanced over channels
  const vq = f.local(I); // output in plane 0, advanced over channels and tiles
  const d = Array.from({ length: a * a }, () => f.local(V));
  const t = Array.from({ length: a * a }, () => f.local(V));
  const pool = constantPool(f, BT);
  const CI = g.ci * 4;
  const XROW = g.Wp * CI;
  const XIMG = g.Hp * XROW;
  const PLANE = g.N * g.TH * g.TW * CI;
  f.get(v0).set(vq);
  f.forLt(img, 0, { local: count }, 1, () => {
    f.forLt(ty, 0, g.TH, 1, () => {
      // xrow = xp0 + img*XIMG + ty*m*XROW
      f.get(xp0).get(img).i32(XIMG).op(Op.i32Mul).op(Op.i32Add);
      f.get(ty).i32(m * XROW).op(Op.i32Mul).op(Op.i32Add).set(xrow);
      f.forLt(tx, 0, g.TW, 1, () => {
        f.get(xrow).get(tx).i32(m * CI).op(Op.i32Mul).op(Op.i32Add).set(xq);
        f.forLt(c, 0, g.ci, 4, () => {
          for (let i = 0; i < a; i++) {
            for (let j = 0; j < a; j++) f.get(xq).v128Load(i * XROW + j * CI).set(d[i * a + j]);
          }
          leftMultiply(f, BT, d, a, t, pool); // t = B^T d
          // Columns: V[i, j] = sum_l t[i, l] B^T[j, l], stored to plane alpha i + j.
          for (let i = 0; i < a; i++) {
            const row = t.slice(i * a, (i + 1) * a);
            for (let j = 0; j < a; j++) {
              f.get(vq);
              pushCombination(f, BT[j], row, pool);
              f.v128Store((i * a + j) * PLANE);
            }
          }
          f.addTo(xq, 16).addTo(vq, 16);
        });
      });
    });
  });
  mod.add(f);
}
