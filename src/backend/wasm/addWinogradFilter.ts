/**
 * Generator of the filter transform of Winograd's F(2x2, 3x3) convolution: each 3x3 filter
 * g[., ., ci, co] of W[3, 3, Ci, CO] becomes U = G g G^T with
 *
 *   G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1],
 *
 * stored as 16 planes U[xi][ci][co] (xi = 4i + j). `flip` transforms the filter rotated by 180
 * degrees (g[2 - kh, 2 - kw]), as the input gradient of a stride-1 convolution uses it. SIMD
 * over 4 consecutive (ci, co) pairs: CO a multiple of 4.
 */
import { FunctionBuilder, type ModuleBuilder, SimdOp, ValType } from './emitter.js';

/** Adds `run(w, u, count)` (byte offsets; count = Ci*CO/4 vectors, the whole filter). */
export function addWinogradFilter(mod: ModuleBuilder, exportName: string, ci: number, CO: number, flip: boolean): void {
  const I = ValType.i32;
  const V = ValType.v128;
  const f = new FunctionBuilder(exportName, [I, I, I]);
  const [w0, u0, count] = [0, 1, 2];
  const k = f.local(I);
  const wq = f.local(I);
  const uq = f.local(I);
  const gl = Array.from({ length: 9 }, () => f.local(V));
  const t = Array.from({ length: 12 }, () => f.local(V));
  const TAP = ci * CO * 4; // bytes between kernel taps
  const PLANE = TAP;
  const half = f.local(V);
  f.f32x4Const(0.5).set(half);
  // (a + b + c) / 2 and (a - b + c) / 2.
  const plus = (a: number, b: number, c: number): void =>
    void f.get(a).get(b).simd(SimdOp.f32x4Add).get(c).simd(SimdOp.f32x4Add).get(half).simd(SimdOp.f32x4Mul);
  const minus = (a: number, b: number, c: number): void =>
    void f.get(a).get(b).simd(SimdOp.f32x4Sub).get(c).simd(SimdOp.f32x4Add).get(half).simd(SimdOp.f32x4Mul);
  f.get(w0).set(wq).get(u0).set(uq);
  f.forLt(k, 0, { local: count }, 1, () => {
    for (let kh = 0; kh < 3; kh++) {
      for (let kw = 0; kw < 3; kw++) {
        const tap = flip ? (2 - kh) * 3 + (2 - kw) : kh * 3 + kw;
        f.get(wq).v128Load(tap * TAP).set(gl[kh * 3 + kw]);
      }
    }
    // Rows: t[i, kw] = (G g)[i, kw], i = 0..3.
    for (let kw = 0; kw < 3; kw++) {
      f.get(gl[kw]).set(t[kw]);
      plus(gl[kw], gl[3 + kw], gl[6 + kw]);
      f.set(t[3 + kw]);
      minus(gl[kw], gl[3 + kw], gl[6 + kw]);
      f.set(t[6 + kw]);
      f.get(gl[6 + kw]).set(t[9 + kw]);
    }
    // Columns: U[i, .] = t[i, .] G^T.
    for (let i = 0; i < 4; i++) {
      const r = 3 * i;
      const store = (j: number, value: () => void): void => {
        f.get(uq);
        value();
        f.v128Store((4 * i + j) * PLANE);
      };
      store(0, () => void f.get(t[r]));
      store(1, () => plus(t[r], t[r + 1], t[r + 2]));
      store(2, () => minus(t[r], t[r + 1], t[r + 2]));
      store(3, () => void f.get(t[r + 2]));
    }
    f.addTo(wq, 16).addTo(uq, 16);
  });
  mod.add(f);
}
