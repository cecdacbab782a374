/**
 * Generator of the output transform of Winograd's F(2x2, 3x3) convolution: the 16 product
 * planes M[xi][n][tile][co] (xi = 4i + j, see addWinogradInput.ts) of each 2x2 tile become
 * Y = A^T m A with
 *
 *   A^T = [1 1 1 0; 0 1 -1 -1],
 *
 * then + bias[co] and an activation (the forward convolution's epilogue), stored as the NHWC
 * output [N, OH, OW, CO]. Tiles that hang over an odd output height or width store only their
 * inside pixels. SIMD over 4 output channels at a time (CO a multiple of 4).
 */
import type { Epilogue } from './addGatherConv.js';
import { FunctionBuilder, type ModuleBuilder, Op, SimdOp, ValType } from './emitter.js';

export interface WinogradOutputGeometry {
  readonly OH: number;
  readonly OW: number;
  readonly CO: number;
  /** Tile rows and columns per image: ceil(OH / 2), ceil(OW / 2). */
  readonly TH: number;
  readonly TW: number;
  /** Images in the whole batch (the planes are [N, TH*TW, CO]). */
  readonly N: number;
}

/**
 * Adds `run(m, out, count, bias)` (byte offsets: m at the first image's tiles in plane 0, out at
 * its output; bias read only with an epilogue that has one).
 */
export function addWinogradOutput(mod: ModuleBuilder, exportName: string, g: WinogradOutputGeometry, e: Epilogue): void {
  const I = ValType.i32;
  const V = ValType.v128;
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
  const down = f.local(I); // whether the tile's second row is inside
  const right = f.local(I); // whether its second column is inside
  const m = Array.from({ length: 16 }, () => f.local(V));
  const s = Array.from({ length: 8 }, () => f.local(V));
  const bv = f.local(V);
  const CO = g.CO * 4;
  const OROW = g.OW * CO;
  const OIMG = g.OH * OROW;
  const PLANE = g.N * g.TH * g.TW * CO;
  const oddH = g.OH % 2 === 1;
  const oddW = g.OW % 2 === 1;
  const finish = (): void => {
    if (e.bias) f.get(bv).simd(SimdOp.f32x4Add);
    if (e.activation !== 'linear') f.f32x4Const(0).simd(SimdOp.f32x4Max);
    if (e.activation === 'relu6') f.f32x4Const(6).simd(SimdOp.f32x4Min);
  };
  // y = a + b + c  or  y = a - b - c, from locals.
  const sum3 = (a: number, b: number, cc: number): void =>
    void f.get(a).get(b).simd(SimdOp.f32x4Add).get(cc).simd(SimdOp.f32x4Add);
  const dif3 = (a: number, b: number, cc: number): void =>
    void f.get(a).get(b).simd(SimdOp.f32x4Sub).get(cc).simd(SimdOp.f32x4Sub);
  const store = (offset: number, value: () => void, guard: number | null): void => {
    const body = (): void => {
      f.get(oq);
      value();
      finish();
      f.v128Store(offset);
    };
    if (guard === null) body();
    else f.get(guard).if(body);
  };
  f.get(m0).set(mq);
  f.forLt(img, 0, { local: count }, 1, () => {
    f.forLt(ty, 0, g.TH, 1, () => {
      f.get(out0).get(img).i32(OIMG).op(Op.i32Mul).op(Op.i32Add);
      f.get(ty).i32(2 * OROW).op(Op.i32Mul).op(Op.i32Add).set(orow);
      if (oddH) f.get(ty).i32(g.TH - 1).op(Op.i32LtS).set(down);
      f.forLt(tx, 0, g.TW, 1, () => {
        f.get(orow).get(tx).i32(2 * CO).op(Op.i32Mul).op(Op.i32Add).set(oq);
        if (oddW) f.get(tx).i32(g.TW - 1).op(Op.i32LtS).set(right);
        f.get(bias).set(bq);
        f.forLt(c, 0, g.CO, 4, () => {
          for (let k = 0; k < 16; k++) f.get(mq).v128Load(k * PLANE).set(m[k]);
          if (e.bias) f.get(bq).v128Load().set(bv);
          // Rows: s[0, j] = m0j + m1j + m2j, s[1, j] = m1j - m2j - m3j.
          for (let j = 0; j < 4; j++) {
            sum3(m[j], m[4 + j], m[8 + j]);
            f.set(s[j]);
            dif3(m[4 + j], m[8 + j], m[12 + j]);
            f.set(s[4 + j]);
          }
          for (let i = 0; i < 2; i++) {
            const r = 4 * i;
            const rowGuard = i === 1 && oddH ? down : null;
            store(i * OROW, () => sum3(s[r], s[r + 1], s[r + 2]), rowGuard);
            const colValue = (): void => dif3(s[r + 1], s[r + 2], s[r + 3]);
            if (oddW && rowGuard !== null) {
              f.get(down).get(right).op(Op.i32And).if(() => {
                store(i * OROW + CO, colValue, null);
              });
            } else store(i * OROW + CO, colValue, oddW ? right : null);
          }
          f.addTo(mq, 16).addTo(oq, 16).addTo(bq, 16);
        });
      });
    });
  });
  mod.add(f);
}
