/**
 * Generator of `addChannels(x, bias, out, R)` over a [R, C] view of an NHWC tensor (R = N*H*W
 * rows of C channels), specialised on C: out[r, c] = x[r, c] + bias[c] (a bias add).
 */
import { FunctionBuilder, type ModuleBuilder, Op, SimdOp, ValType } from './emitter.js';

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
