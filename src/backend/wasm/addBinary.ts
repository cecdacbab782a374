/**
 * Generator of element-wise binary kernels (add, sub, mul, div) over float32, SIMD with a scalar
 * tail, in the three layouts a training step uses:
 *
 * - `same`:    out[i] = a[i] op b[i]                         (n floats)
 * - `scalar`:  out[i] = a[i] op s  or  s op b[i]              (s one float; `swap` for the second)
 * - `channel`: out[r, c] = a[r, c] op b[c]  or  b[c] op a[r, c] (R rows of C floats; batch-norm
 *              and its gradient broadcast [1, 1, 1, C] against [N, H, W, C])
 *
 * `run(a, b, out, n)`: byte offsets; n = floats of the large operand (`same`, `scalar`) or rows R
 * (`channel`). The shipped binary kernels of tfjs-backend-wasm 4.22 run about 3.5 ns per float here
 * (scalar code with broadcasting index arithmetic); these run at memory speed.
 */
import { FunctionBuilder, type ModuleBuilder, Op, SimdOp, ValType } from './emitter.js';

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';
export type BinaryLayout = 'same' | 'scalar' | 'channel';

const SIMD: Record<BinaryOp, SimdOp> = { add: SimdOp.f32x4Add, sub: SimdOp.f32x4Sub, mul: SimdOp.f32x4Mul, div: SimdOp.f32x4Div };
const SCALAR: Record<BinaryOp, Op> = { add: Op.f32Add, sub: Op.f32Sub, mul: Op.f32Mul, div: Op.f32Div };

/**
 * Adds `run(a, b, out, n)` for `op` in `layout`. `swap`: the broadcast operand (scalar or per
 * channel, at `b`) is the left operand of `op`. `C`: channels, for `channel` only.
 */
export function addBinary(mod: ModuleBuilder, exportName: string, op: BinaryOp, layout: BinaryLayout, swap: boolean, C = 0): void {
  const I = ValType.i32;
  const f = new FunctionBuilder(exportName, [I, I, I, I]);
  const [a, b, out, n] = [0, 1, 2, 3];
  const i = f.local(I);
  const vecEnd = f.local(I);
  const end = f.local(I);
  const sv = f.local(ValType.v128);
  const ss = f.local(ValType.f32);
  /** Pushes the two operands in op order (x = the large operand's value already on the stack). */
  const apply = (vector: boolean, pushOther: () => void, large: () => void): void => {
    if (swap) {
      pushOther();
      large();
    } else {
      large();
      pushOther();
    }
    if (vector) f.simd(SIMD[op]);
    else f.op(SCALAR[op]);
  };
  if (layout === 'channel') {
    const r = f.local(I);
    const pa = f.local(I);
    const po = f.local(I);
    const vecC = C - (C % 4);
    f.get(a).set(pa).get(out).set(po);
    f.forLt(r, 0, { local: n }, 1, () => {
      for (let k = 0; k < vecC; k += 4) {
        f.get(po);
        apply(true, () => f.get(b).v128Load(k * 4), () => f.get(pa).v128Load(k * 4));
        f.v128Store(k * 4);
      }
      for (let k = vecC; k < C; k++) {
        f.get(po);
        apply(false, () => f.get(b).f32Load(k * 4), () => f.get(pa).f32Load(k * 4));
        f.f32Store(k * 4);
      }
      f.addTo(pa, C * 4).addTo(po, C * 4);
    });
    mod.add(f);
    return;
  }
  f.get(n).i32(-4).op(Op.i32And).i32(2).op(Op.i32Shl).set(vecEnd);
  f.get(n).i32(2).op(Op.i32Shl).set(end);
  if (layout === 'scalar') {
    f.get(b).f32Load(0).tee(ss).simd(SimdOp.f32x4Splat).set(sv);
  }
  const other = (vector: boolean): (() => void) =>
    layout === 'scalar'
      ? () => f.get(vector ? sv : ss)
      : () => {
          f.get(b).get(i).op(Op.i32Add);
          if (vector) f.v128Load();
          else f.f32Load();
        };
  const large = (vector: boolean) => (): void => {
    f.get(a).get(i).op(Op.i32Add);
    if (vector) f.v128Load();
    else f.f32Load();
  };
  f.forLt(i, 0, { local: vecEnd }, 16, () => {
    f.get(out).get(i).op(Op.i32Add);
    apply(true, other(true), large(true));
    f.v128Store();
  });
  f.forLt(i, { local: vecEnd }, { local: end }, 4, () => {
    f.get(out).get(i).op(Op.i32Add);
    apply(false, other(false), large(false));
    f.f32Store();
  });
  mod.add(f);
}
