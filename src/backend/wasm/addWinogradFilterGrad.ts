/**
 * Generator of the last step of the filter gradient by Winograd's F(m x m, 3x3) (m = 2, 3 or 4,
 * winogradMatrices.ts): the alpha^2 planes dU[xi][ci][co] (the per-plane products of the
 * transformed input and output gradient) become dW = G^T dU G (the adjoint of the filter
 * transform U = G g G^T, see addWinogradFilter.ts), stored as the filter gradient
 * [3, 3, Ci, CO]. SIMD over 4 consecutive (ci, co) pairs.
 */
import { FunctionBuilder, type ModuleBuilder, ValType } from './emitter.js';
import { constantPool, leftMultiply, pushCombination, transposeRows } from './pushCombination.js';
import { winogradMatrices, type WinogradTile } from './winogradMatrices.js';

/** Adds `run(u, dw, count)` (byte offsets; count = Ci*CO/4 vectors, the whole filter). */
export function addWinogradFilterGrad(mod: ModuleBuilder, exportName: string, ci: number, CO: number, tile: WinogradTile = 2): void {
  const I = ValType.i32;
  const V = ValType.v128;
  const { alpha: a, G } = winogradMatrices(tile);
  const GT = transposeRows(G); // 3 x alpha
  const f = new FunctionBuilder(exportName, [I, I, I]);
  const [u0, dw0, count] = [0, 1, 2];
  const k = f.local(I);
  const uq = f.local(I);
  const wq = f.local(I);
  const u = Array.from({ length: a * a }, () => f.local(V));
  const t = Array.from({ length: 3 * a }, () => f.local(V));
  const pool = constantPool(f, GT);
  const PLANE = ci * CO * 4;
  f.get(u0).set(uq).get(dw0).set(wq);
  f.forLt(k, 0, { local: count }, 1, () => {
    for (let x = 0; x < a * a; x++) f.get(uq).v128Load(x * PLANE).set(u[x]);
    leftMultiply(f, GT, u, a, t, pool); // t = G^T dU
    // Columns: dW[kh, kw] = sum_j t[kh, j] G^T[kw, j], stored at tap kh*3 + kw.
    for (let kh = 0; kh < 3; kh++) {
      const row = t.slice(kh * a, (kh + 1) * a);
      for (let kw = 0; kw < 3; kw++) {
        f.get(wq);
        pushCombination(f, GT[kw], row, pool);
        f.v128Store((kh * 3 + kw) * PLANE);
      }
    }
    f.addTo(uq, 16).addTo(wq, 16);
  });
  mod.add(f);
}
