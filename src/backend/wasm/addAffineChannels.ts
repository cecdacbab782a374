/**
 * Generator of `affineChannels(x, params, out, R)` over a [R, C] view of an NHWC tensor
 * (R = N*H*W rows of C channels), specialised on C: out[r, c] = (x[r, c] - m[c]) * a[c] + b[c]
 * with params = [m, a, b] (3*C floats): batch normalisation.
 */
import { FunctionBuilder, type ModuleBuilder, Op, SimdOp, ValType } from './emitter.js';

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
