/**
 * Generators of per-channel kernels over a [R, C] view of an NHWC tensor (R = N*H*W rows of C
 * channels), specialised on C:
 *
 * - `sumRows(x, out, R)`: out[c] += sum over r of x[r, c] (a bias gradient). Rows are summed in
 *   blocks of 256 into fresh accumulators that are then added up, which keeps the rounding
 *   error of long sums small.
 * - `addChannels(x, bias, out, R)`: out[r, c] = x[r, c] + bias[c] (a bias add).
 * - `affineChannels(x, params, out, R)`: out[r, c] = (x[r, c] - m[c]) * a[c] + b[c] with
 *   params = [m, a, b] (3*C floats): batch normalisation.
 *
 * and `sqrt(x, out, n)`, an element-wise square root over n floats.
 */
import { FunctionBuilder, type ModuleBuilder, Op, SimdOp, ValType } from './emitter.js';

const BLOCK = 256;
/** Channels (floats) summed together in registers: 8 vectors. */
const SUM_TILE = 32;

/** Adds `sumRows(x, out, R)` (byte offsets; adds into out) for `C` channels. */
export function addSumRows(mod: ModuleBuilder, exportName: string, C: number): void {
  const I = ValType.i32;
  const f = new FunctionBuilder(exportName, [I, I, I]);
  const [x, out, R] = [0, 1, 2];
  const r0 = f.local(I);
  const r = f.local(I);
  const end = f.local(I);
  const p = f.local(I);
  const ROW = C * 4;
  for (let c0 = 0; c0 < C; c0 += SUM_TILE) {
    const width = Math.min(SUM_TILE, C - c0);
    const vectors = Math.floor(width / 4);
    const scalars = width - vectors * 4;
    const outer = [
      ...Array.from({ length: vectors }, () => f.local(ValType.v128)),
      ...Array.from({ length: scalars }, () => f.local(ValType.f32)),
    ];
    const inner = [
      ...Array.from({ length: vectors }, () => f.local(ValType.v128)),
      ...Array.from({ length: scalars }, () => f.local(ValType.f32)),
    ];
    const isVec = (k: number): boolean => k < vectors;
    const offset = (k: number): number => (isVec(k) ? k * 16 : vectors * 16 + (k - vectors) * 4);
    const zero = (k: number): void => {
      if (isVec(k)) f.f32x4Const(0);
      else f.f32(0);
    };
    const add = (k: number): void => {
      if (isVec(k)) f.simd(SimdOp.f32x4Add);
      else f.op(Op.f32Add);
    };
    outer.forEach((acc, k) => {
      zero(k);
      f.set(acc);
    });
    f.forLt(r0, 0, { local: R }, BLOCK, () => {
      // end = min(r0 + BLOCK, R)
      f.get(r0).i32(BLOCK).op(Op.i32Add).set(end);
      f.get(R).get(end).get(end).get(R).op(Op.i32GtS).op(Op.select).set(end);
      inner.forEach((acc, k) => {
        zero(k);
        f.set(acc);
      });
      f.get(r0).i32(ROW).op(Op.i32Mul).get(x).op(Op.i32Add).i32(c0 * 4).op(Op.i32Add).set(p);
      f.forLt(r, { local: r0 }, { local: end }, 1, () => {
        inner.forEach((acc, k) => {
          f.get(acc).get(p);
          if (isVec(k)) f.v128Load(offset(k));
          else f.f32Load(offset(k));
          add(k);
          f.set(acc);
        });
        f.addTo(p, ROW);
      });
      outer.forEach((acc, k) => {
        f.get(acc).get(inner[k]);
        add(k);
        f.set(acc);
      });
    });
    outer.forEach((acc, k) => {
      f.get(out).get(out);
      if (isVec(k)) f.v128Load(c0 * 4 + offset(k)).get(acc).simd(SimdOp.f32x4Add).v128Store(c0 * 4 + offset(k));
      else f.f32Load(c0 * 4 + offset(k)).get(acc).op(Op.f32Add).f32Store(c0 * 4 + offset(k));
    });
  }
  mod.add(f);
}

/** Adds `addChannels(x, bias, out, R)` (byte offsets; out may equal x) for `C` channels. */
export function addAddChannels(mod: ModuleBuilder, exportName: string, C: number): void {
  const I = ValType.i32;
  const f = new FunctionBuilder(exportName, [I, I, I, I]);
  const [x, bias, out, R] = [0, 1, 2, 3];
  const r = f.local(I);
  const px = f.local(I);
  const po = f.local(I);
  const c = f.local(I);
  const vecEnd = C - (C % 4);
  const unrolled = vecEnd <= 128;
  f.get(x).set(px).get(out).set(po);
  f.forLt(r, 0, { local: R }, 1, () => {
    if (unrolled) {
      for (let k = 0; k < vecEnd; k += 4) {
        f.get(po).get(px).v128Load(k * 4).get(bias).v128Load(k * 4).simd(SimdOp.f32x4Add).v128Store(k * 4);
      }
    } else {
      f.forLt(c, 0, vecEnd * 4, 16, () => {
        f.get(po).get(c).op(Op.i32Add);
        f.get(px).get(c).op(Op.i32Add).v128Load();
        f.get(bias).get(c).op(Op.i32Add).v128Load();
        f.simd(SimdOp.f32x4Add).v128Store();
      });
    }
    for (let k = vecEnd; k < C; k++) {
      f.get(po).get(px).f32Load(k * 4).get(bias).f32Load(k * 4).op(Op.f32Add).f32Store(k * 4);
    }
    f.addTo(px, C * 4).addTo(po, C * 4);
  });
  mod.add(f);
}

/** Adds `affineChannels(x, params, out, R)` (byte offsets; params = m, a, b: 3*C floats). */
export function addAffineChannels(mod: ModuleBuilder, exportName: string, C: number): void {
  const I = ValType.i32;
  const f = new FunctionBuilder(exportName, [I, I, I, I]);
  const [x, params, out, R] = [0, 1, 2, 3];
  const r = f.local(I);
  const px = f.local(I);
  const po = f.local(I);
  const c = f.local(I);
  const vecEnd = C - (C % 4);
  const M = 0;
  const A = C * 4;
  const B = 2 * C * 4;
  f.get(x).set(px).get(out).set(po);
  f.forLt(r, 0, { local: R }, 1, () => {
    f.forLt(c, 0, vecEnd * 4, 16, () => {
      f.get(po).get(c).op(Op.i32Add);
      f.get(px).get(c).op(Op.i32Add).v128Load();
      f.get(params).get(c).op(Op.i32Add).v128Load(M).simd(SimdOp.f32x4Sub);
      f.get(params).get(c).op(Op.i32Add).v128Load(A).simd(SimdOp.f32x4Mul);
      f.get(params).get(c).op(Op.i32Add).v128Load(B).simd(SimdOp.f32x4Add);
      f.v128Store();
    });
    for (let k = vecEnd; k < C; k++) {
      f.get(po);
      f.get(px).f32Load(k * 4).get(params).f32Load(M + k * 4).op(Op.f32Sub);
      f.get(params).f32Load(A + k * 4).op(Op.f32Mul).get(params).f32Load(B + k * 4).op(Op.f32Add);
      f.f32Store(k * 4);
    }
    f.addTo(px, C * 4).addTo(po, C * 4);
  });
  mod.add(f);
}

/** Adds `sqrt(x, out, n)` (byte offsets, n floats). */
export function addSqrt(mod: ModuleBuilder, exportName: string): void {
  const I = ValType.i32;
  const f = new FunctionBuilder(exportName, [I, I, I]);
  const [x, out, n] = [0, 1, 2];
  const i = f.local(I);
  const vecEnd = f.local(I);
  const end = f.local(I);
  f.get(n).i32(-4).op(Op.i32And).i32(4).op(Op.i32Mul).set(vecEnd);
  f.get(n).i32(4).op(Op.i32Mul).set(end);
  f.forLt(i, 0, { local: vecEnd }, 16, () => {
    f.get(out).get(i).op(Op.i32Add).get(x).get(i).op(Op.i32Add).v128Load().simd(SimdOp.f32x4Sqrt).v128Store();
  });
  f.forLt(i, { local: vecEnd }, { local: end }, 4, () => {
    f.get(out).get(i).op(Op.i32Add).get(x).get(i).op(Op.i32Add).f32Load().op(Op.f32Sqrt).f32Store();
  });
  mod.add(f);
}
