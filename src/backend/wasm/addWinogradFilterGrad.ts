/**
 * Generator of the last step of the filter gradient by Winograd's F(2x2, 3x3): the 16 planes
 * dU[xi][ci][co] (the per-plane products of the transformed input and output gradient) become
 * dW = G^T dU G (the adjoint of the filter transform U = G g G^T, see addWinogradFilter.ts) with
 *
 *   G^T = [1 1/2 1/2 0; 0 1/2 -1/2 0; 0 1/2 1/2 1],
 *
 * stored as the filter gradient [3, 3, Ci, CO]. SIMD over 4 consecutive (ci, co) pairs.
 */
import { FunctionBuilder, type ModuleBuilder, SimdOp, ValType } from './emitter.js';

/** Adds `run(u, dw, count)` (byte offsets; count = Ci*CO/4 vectors, the whole filter). */
export function addWinogradFilterGrad(mod: ModuleBuilder, exportName: string, ci: number, CO: number): void {
  const I = ValType.i32;
  const V = ValType.v128;
  const f = new FunctionBuilder(exportName, [I, I, I]);
  const [u0, dw0, count] = [0, 1, 2];
  const k = f.local(I);
  const uq = f.local(I);
  const wq = f.local(I);
  const u = Array.from({ length: 16 }, () => f.local(V));
  const t = Array.from({ length: 12 }, () => f.local(V));
  const PLANE = ci * CO * 4;
  const half = f.local(V);
  f.f32x4Const(0.5).set(half);
  // a + (b + c) / 2, (b - c) / 2, (b + c) / 2 + d.
  const first = (a: number, b: number, c: number): void =>
    void f.get(b).get(c).simd(SimdOp.f32x4Add).get(half).simd(SimdOp.f32x4Mul).get(a).simd(SimdOp.f32x4Add);
  const middle = (b: number, c: number): void =>
    void f.get(b).get(c).simd(SimdOp.f32x4Sub).get(half).simd(SimdOp.f32x4Mul);
  const last = (b: number, c: number, d: number): void =>
    void f.get(b).get(c).simd(SimdOp.f32x4Add).get(half).simd(SimdOp.f32x4Mul).get(d).simd(SimdOp.f32x4Add);
  f.get(u0).set(uq).get(dw0).set(wq);
  f.forLt(k, 0, { local: count }, 1, () => {
    for (let x = 0; x < 16; x++) f.get(uq).v128Load(x * PLANE).set(u[x]);
    // Rows: t[kh, j] = (G^T dU)[kh, j].
    for (let j = 0; j < 4; j++) {
      first(u[j], u[4 + j], u[8 + j]);
      f.set(t[j]);
      middle(u[4 + j], u[8 + j]);
      f.set(t[4 + j]);
      last(u[4 + j], u[8 + j], u[12 + j]);
      f.set(t[8 + j]);
    }
    // Columns: dW[kh, .] = t[kh, .] G, stored at tap kh*3 + kw.
    for (let kh = 0; kh < 3; kh++) {
      const r = 4 * kh;
      const store = (kw: number, value: () => void): void => {
        f.get(wq);
        value();
        f.v128Store((kh * 3 + kw) * PLANE);
      };
      store(0, () => first(t[r], t[r + 1], t[r + 2]));
      store(1, () => middle(t[r + 1], t[r + 2]));
      store(2, () => last(t[r + 1], t[r + 2], t[r + 3]));
    }
    f.addTo(uq, 16).addTo(wq, 16);
  });
  mod.add(f);
}
