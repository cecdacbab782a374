/**
 * Generator of `sumRows(x, out, R)` over a [R, C] view of an NHWC tensor (R = N*H*W rows of C
 * channels), specialised on C: out[c] += sum over r of x[r, c] (a bias gradient). Rows are
 * summed in blocks of 256 into fresh accumulators that are then added up, which keeps the
 * rounding error of long sums small.
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
