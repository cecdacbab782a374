/**
 * Generator of the output-gradient transform of Winograd's F(2x2, 3x3) convolution, for the
 * filter gradient: each 2x2 tile y of dy becomes the 4x4 dM = A y A^T (the adjoint of the output
 * transform Y = A^T M A, see addWinogradOutput.ts) with
 *
 *   A = [1 0; 1 1; 1 -1; 0 -1],
 *
 * stored as 16 planes dM[xi][n][tile][co] (xi = 4i + j). dy must cover whole tiles (the caller
 * pads odd sizes with zeros). SIMD over 4 output channels at a time (CO a multiple of 4).
 */
import { FunctionBuilder, type ModuleBuilder, Op, SimdOp, ValType } from './emitter.js';

export interface WinogradGradOutputGeometry {
  /** Tile rows and columns per image (dy is [N, 2*TH, 2*TW, CO]). */
  readonly TH: number;
  readonly TW: number;
  readonly CO: number;
  /** Images in the whole batch (the planes are [N, TH*TW, CO]). */
  readonly N: number;
}

/** Adds `run(dy, m, count)` (byte offsets: dy at the first image, m at its tiles in plane 0). */
export function addWinogradGradOutput(mod: ModuleBuilder, exportName: string, g: WinogradGradOutputGeometry): void {
  const I = ValType.i32;
  const V = ValType.v128;
  const f = new FunctionBuilder(exportName, [I, I, I]);
  const [dy0, m0, count] = [0, 1, 2];
  const row = f.local(I); // tile row over all images
  const tx = f.local(I);
  const c = f.local(I);
  const yrow = f.local(I);
  const yq = f.local(I);
  const mq = f.local(I);
  const y = Array.from({ length: 4 }, () => f.local(V));
  const r = Array.from({ length: 8 }, () => f.local(V));
  const CO = g.CO * 4;
  const YROW = 2 * g.TW * CO;
  const PLANE = g.N * g.TH * g.TW * CO;
  f.get(m0).set(mq);
  f.get(dy0).set(yrow);
  // Images are stacked rows of tiles: count*TH tile rows, each 2 dy rows.
  f.get(count).i32(g.TH).op(Op.i32Mul).set(count);
  f.forLt(row, 0, { local: count }, 1, () => {
    f.forLt(tx, 0, g.TW, 1, () => {
      f.get(yrow).get(tx).i32(2 * CO).op(Op.i32Mul).op(Op.i32Add).set(yq);
      f.forLt(c, 0, g.CO, 4, () => {
        // y[a*2 + b] = dy[2ty + a, 2tx + b]
        for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) f.get(yq).v128Load(a * YROW + b * CO).set(y[a * 2 + b]);
        // Rows: r[i][b] = (A y)[i, b].
        for (let b = 0; b < 2; b++) {
          f.get(y[b]).set(r[b]);
          f.get(y[b]).get(y[2 + b]).simd(SimdOp.f32x4Add).set(r[2 + b]);
          f.get(y[b]).get(y[2 + b]).simd(SimdOp.f32x4Sub).set(r[4 + b]);
          f.f32x4Const(0).get(y[2 + b]).simd(SimdOp.f32x4Sub).set(r[6 + b]);
        }
        // Columns: dM[i, .] = r[i, .] A^T.
        for (let i = 0; i < 4; i++) {
          const [p, q] = [r[2 * i], r[2 * i + 1]];
          const store = (j: number, value: () => void): void => {
            f.get(mq);
            value();
            f.v128Store((4 * i + j) * PLANE);
          };
          store(0, () => void f.get(p));
          store(1, () => void f.get(p).get(q).simd(SimdOp.f32x4Add));
          store(2, () => void f.get(p).get(q).simd(SimdOp.f32x4Sub));
          store(3, () => void f.f32x4Const(0).get(q).simd(SimdOp.f32x4Sub));
        }
        f.addTo(yq, 16).addTo(mq, 16);
      });
    });
    f.addTo(yrow, 2 * YROW);
  });
  mod.add(f);
}
