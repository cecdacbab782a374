/**
 * Generator of the fused Adam update over n floats (one pass instead of tfjs's chain of ~12
 * element-wise ops per variable, each a full pass over the parameters):
 *
 *   m' = m * b1 + g * (1 - b1)
 *   v' = v * b2 + g^2 * (1 - b2)
 *   x' = x + (m' / c1) / (sqrt(v' / c2) + eps) * (-lr)     with c1 = 1 - b1^t, c2 = 1 - b2^t
 *
 * in the order and with the roundings of tfjs's AdamOptimizer (each step rounded to f32, the
 * divisions kept as divisions), so the result agrees with the composed ops to the last bits or
 * nearly. `run(x, g, m, v, xOut, mOut, vOut, n, params)`: byte offsets; params points at 7 floats
 * [b1, 1 - b1, b2, 1 - b2, c1, c2, eps] followed by -lr. Four floats per SIMD step, then a
 * scalar tail.
 */
import { FunctionBuilder, type ModuleBuilder, Op, SimdOp, ValType } from './emitter.js';

/** Floats of the params block `run` reads. */
export const ADAM_PARAMS = 8;

export function addAdamUpdate(mod: ModuleBuilder, exportName: string): void {
  const I = ValType.i32;
  const f = new FunctionBuilder(exportName, [I, I, I, I, I, I, I, I, I]);
  const [x, g, m, v, xo, mo, vo, n, params] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const i = f.local(I);
  const vecEnd = f.local(I);
  const body = (vector: boolean): void => {
    const T = vector ? ValType.v128 : ValType.f32;
    const [P, gv, mv, vv] = [Array.from({ length: ADAM_PARAMS }, () => f.local(T)), f.local(T), f.local(T), f.local(T)];
    // Broadcast the parameters once.
    P.forEach((p, k) => {
      f.get(params);
      if (vector) f.v128Load32Splat(k * 4);
      else f.f32Load(k * 4);
      f.set(p);
    });
    const load = (base: number): void => {
      f.get(base).get(i).op(Op.i32Add);
      if (vector) f.v128Load(0);
      else f.f32Load(0);
    };
    const op = (s: SimdOp, o: Op): void => {
      if (vector) f.simd(s);
      else f.op(o);
    };
    const store = (base: number, value: number): void => {
      f.get(base).get(i).op(Op.i32Add).get(value);
      if (vector) f.v128Store(0);
      else f.f32Store(0);
    };
    const step = vector ? 16 : 4;
    const loopBody = (): void => {
      load(g);
      f.set(gv);
      // m' = m * b1 + g * (1 - b1)
      load(m);
      f.get(P[0]);
      op(SimdOp.f32x4Mul, Op.f32Mul);
      f.get(gv).get(P[1]);
      op(SimdOp.f32x4Mul, Op.f32Mul);
      op(SimdOp.f32x4Add, Op.f32Add);
      f.set(mv);
      // v' = v * b2 + (g * g) * (1 - b2)
      load(v);
      f.get(P[2]);
      op(SimdOp.f32x4Mul, Op.f32Mul);
      f.get(gv).get(gv);
      op(SimdOp.f32x4Mul, Op.f32Mul);
      f.get(P[3]);
      op(SimdOp.f32x4Mul, Op.f32Mul);
      op(SimdOp.f32x4Add, Op.f32Add);
      f.set(vv);
      store(mo, mv);
      store(vo, vv);
      // x' = x + (m' / c1) / (sqrt(v' / c2) + eps) * (-lr)
      f.get(xo).get(i).op(Op.i32Add);
      load(x);
      f.get(mv).get(P[4]);
      op(SimdOp.f32x4Div, Op.f32Div);
      f.get(vv).get(P[5]);
      op(SimdOp.f32x4Div, Op.f32Div);
      op(SimdOp.f32x4Sqrt, Op.f32Sqrt);
      f.get(P[6]);
      op(SimdOp.f32x4Add, Op.f32Add);
      op(SimdOp.f32x4Div, Op.f32Div);
      f.get(P[7]);
      op(SimdOp.f32x4Mul, Op.f32Mul);
      op(SimdOp.f32x4Add, Op.f32Add);
      if (vector) f.v128Store(0);
      else f.f32Store(0);
      f.addTo(i, step);
    };
    const end = vector ? vecEnd : n;
    f.block(() => {
      f.loop(() => {
        f.get(i).get(end).op(Op.i32GeU).brIf(1);
        loopBody();
        f.br(0);
      });
    });
  };
  // Byte counts: n floats = 4n bytes; whole vectors up to (n & ~3) * 4.
  f.get(n).i32(2).op(Op.i32Shl).set(n);
  f.get(n).i32(~15).op(Op.i32And).set(vecEnd);
  f.i32(0).set(i);
  body(true);
  body(false);
  mod.add(f);
}
