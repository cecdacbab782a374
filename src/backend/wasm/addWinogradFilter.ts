/**
 * Generator of the filter transform of Winograd's F(m x m, 3x3) convolution (m = 2, 3 or 4,
 * winogradMatrices.ts): each 3x3 filter g[., ., ci, co] of W[3, 3, Ci, CO] becomes
 * U = G g G^T, stored as alpha^2 planes U[xi][ci][co] (alpha = m + 2, xi = alpha i + j). `flip`
 * transforms the filter rotated by 180 degrees (g[2 - kh, 2 - kw]), as the input gradient of a
 * stride-1 convolution uses it. SIMD over 4 consecutive (ci, co) pairs: CO a multiple of 4.
 */
import { FunctionBuilder, type ModuleBuilder, ValType } from './emitter.js';
import { constantPool, leftMultiply, pushCombination } from './pushCombination.js';
import { winogradMatrices, type WinogradTile } from './winogradMatrices.js';

/** Adds `run(w, u, count)` (byte offsets; count = Ci*CO/4 vectors, the whole filter). */
export function addWinogradFilter(mod: ModuleBuilder, exportName: string, ci: number, CO: number, flip: boolean, tile: WinogradTile = 2): void {
  const I = ValType.i32;
  const V = ValType.v128;
  const { alpha: a, G } = winogradMatrices(tile);
  const f = new FunctionBuilder(exportName, [I, I, I]);
  const [w0, u0, count] = [0, 1, 2];
  const k = f.local(I);
  const wq = f.local(I);
  const uq = f.local(I);
  const gl = Array.from({ length: 9 }, () => f.local(V));
  const t = Array.from({ length: 3 * a }, () => f.local(V));
  const pool = constantPool(f, G);
  const TAP = ci * CO * 4; // bytes between kernel taps
  const PLANE = TAP;
  f.get(w0).set(wq).get(u0).set(uq);
  f.forLt(k, 0, { local: count }, 1, () => {
    for (let kh = 0; kh < 3; kh++) {
      for (let kw = 0; kw < 3; kw++) {
        const tap = flip ? (2 - kh) * 3 + (2 - kw) : kh * 3 + kw;
        f.get(wq).v128Load(tap * TAP).set(gl[kh * 3 + kw]);
      }
    }
    leftMultiply(f, G, gl, 3, t, pool); // t = G g
    // Columns: U[i, j] = sum_kw t[i, kw] G[j, kw].
    for (let i = 0; i < a; i++) {
      const row = t.slice(3 * i, 3 * i + 3);
      for (let j = 0; j < a; j++) {
        f.get(uq);
        pushCombination(f, G[j], row, pool);
        f.v128Store((a * i + j) * PLANE);
      }
    }
    f.addTo(wq, 16).addTo(uq, 16);
  });
  mod.add(f);
}
