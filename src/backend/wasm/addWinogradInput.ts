/**
 * Generator of the input transform of Winograd's F(2x2, 3x3) convolution over a zero-padded
 * NHWC input: for each 2x2 output tile (ty, tx) of each image, the 4x4 input window d at
 * (2ty, 2tx) becomes V = B^T d B with
 *
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],
 *
 * stored as 16 planes V[xi][n][ty*TW + tx][c] (xi = 4i + j), so each plane is a [tiles, Ci]
 * matrix for the per-plane products (see kernels/winogradConv.ts). SIMD over 4 channels at a
 * time (Ci a multiple of 4). Shapes, including the batch (the plane stride), are baked in.
 */
import { FunctionBuilder, type ModuleBuilder, Op, SimdOp, ValType } from './emitter.js';

export interface WinogradInputGeometry {
  /** Padded input height and width (at least 2*TH + 2 and 2*TW + 2), channels. */
  readonly Hp: number;
  readonly Wp: number;
  readonly ci: number;
  /** Tile rows and columns per image. */
  readonly TH: number;
  readonly TW: number;
  /** Images in the whole batch (the planes are [N, TH*TW, ci]). */
  readonly N: number;
}

/** Adds `run(xp, v, count)` (byte offsets: xp at the first image, v at its tiles in plane 0). */
export function addWinogradInput(mod: ModuleBuilder, exportName: string, g: WinogradInputGeometry): void {
  const I = ValType.i32;
  const V = ValType.v128;
  const f = new FunctionBuilder(exportName, [I, I, I]);
  const [xp0, v0, count] = [0, 1, 2];
  const img = f.local(I);
  const ty = f.local(I);
  const tx = f.local(I);
  const c = f.local(I);
  const xrow = f.local(I); // first input row of the tile row
  const xq = f.local(I); // window corner, advanced over channels
  const vq = f.local(I); // output in plane 0, advanced over channels and tiles
  const d = Array.from({ length: 16 }, () => f.local(V));
  const t = Array.from({ length: 16 }, () => f.local(V));
  const CI = g.ci * 4;
  const XROW = g.Wp * CI;
  const XIMG = g.Hp * XROW;
  const PLANE = g.N * g.TH * g.TW * CI;
  const add = (a: number, b: number): void => void f.get(a).get(b).simd(SimdOp.f32x4Add);
  const sub = (a: number, b: number): void => void f.get(a).get(b).simd(SimdOp.f32x4Sub);
  f.get(v0).set(vq);
  f.forLt(img, 0, { local: count }, 1, () => {
    f.forLt(ty, 0, g.TH, 1, () => {
      // xrow = xp0 + img*XIMG + ty*2*XROW
      f.get(xp0).get(img).i32(XIMG).op(Op.i32Mul).op(Op.i32Add);
      f.get(ty).i32(2 * XROW).op(Op.i32Mul).op(Op.i32Add).set(xrow);
      f.forLt(tx, 0, g.TW, 1, () => {
        f.get(xrow).get(tx).i32(2 * CI).op(Op.i32Mul).op(Op.i32Add).set(xq);
        f.forLt(c, 0, g.ci, 4, () => {
          for (let i = 0; i < 4; i++) {
            for (let j = 0; j < 4; j++) f.get(xq).v128Load(i * XROW + j * CI).set(d[i * 4 + j]);
          }
          // Rows: t[., j] = B^T d[., j].
          for (let j = 0; j < 4; j++) {
            sub(d[j], d[8 + j]);
            f.set(t[j]);
            add(d[4 + j], d[8 + j]);
            f.set(t[4 + j]);
            sub(d[8 + j], d[4 + j]);
            f.set(t[8 + j]);
            sub(d[4 + j], d[12 + j]);
            f.set(t[12 + j]);
          }
          // Columns: V[i, .] = t[i, .] B, stored to plane 4i + j.
          for (let i = 0; i < 4; i++) {
            const r = 4 * i;
            const store = (j: number, op: () => void): void => {
              f.get(vq);
              op();
              f.v128Store((r + j) * PLANE);
            };
            store(0, () => sub(t[r], t[r + 2]));
            store(1, () => add(t[r + 1], t[r + 2]));
            store(2, () => sub(t[r + 2], t[r + 1]));
            store(3, () => sub(t[r + 1], t[r + 3]));
          }
          f.addTo(xq, 16).addTo(vq, 16);
        });
      });
    });
  });
  mod.add(f);
}
