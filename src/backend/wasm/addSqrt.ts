/** Generator of `sqrt(x, out, n)`, an element-wise square root over n floats. */
import { FunctionBuilder, type ModuleBuilder, Op, SimdOp, ValType } from './emitter.js';

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
