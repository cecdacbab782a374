/**
 * Generator of MaxPoolGrad (NHWC, any window, stride and padding; no dilation).
 *
 * For every pooling window the gradient dy goes to the first position (row-major within the
 * window, skipping positions outside the input) holding the strictly greatest input value, the
 * same rule as the tfjs `cpu` backend; windows with no such position (all -Infinity or NaN)
 * pass nothing. Overlapping windows accumulate. Channels are processed four at a time with a
 * scalar tail; dx must be zero-filled by the caller.
 */
import { FunctionBuilder, type ModuleBuilder, Op, SimdOp, ValType } from './emitter.js';

export interface PoolGeometry {
  readonly H: number;
  readonly W: number;
  readonly C: number;
  readonly OH: number;
  readonly OW: number;
  readonly FH: number;
  readonly FW: number;
  readonly sh: number;
  readonly sw: number;
  readonly padTop: number;
  readonly padLeft: number;
}

/** Adds `maxPoolGrad(x, dy, dx, n)` (byte offsets) to the module. */
export function addMaxPoolGrad(mod: ModuleBuilder, exportName: string, g: PoolGeometry): void {
  const I = ValType.i32;
  const V = ValType.v128;
  const F = ValType.f32;
  const PIX = g.C * 4;
  const ROW = g.W * PIX;
  const f = new FunctionBuilder(exportName, [I, I, I, I]);
  const [x, dy, dx, nTotal] = [0, 1, 2, 3];
  const n = f.local(I);
  const oh = f.local(I);
  const ow = f.local(I);
  const ih0 = f.local(I);
  const iw0 = f.local(I);
  const khs = f.local(I);
  const khe = f.local(I);
  const kws = f.local(I);
  const kwe = f.local(I);
  const corner = f.local(I); // byte offset of window position (0, 0) relative to x / dx
  const dyp = f.local(I);
  const c = f.local(I);
  const kh = f.local(I);
  const kw = f.local(I);
  const off = f.local(I);
  const best = f.local(V);
  const bidx = f.local(V);
  const v = f.local(V);
  const mask = f.local(V);
  const grad = f.local(V);
  const bestS = f.local(F);
  const bidxS = f.local(I);
  const vS = f.local(F);
  const gradS = f.local(F);
  const vecEnd = g.C - (g.C % 4);

  /** Loops over the clipped window; `body(k)` sees `off` = byte offset of (kh, kw) plus c*4. */
  const window = (body: () => void): void => {
    f.forLt(kh, { local: khs }, { local: khe }, 1, () => {
      f.forLt(kw, { local: kws }, { local: kwe }, 1, () => {
        f.get(corner).get(kh).i32(ROW).op(Op.i32Mul).op(Op.i32Add);
        f.get(kw).i32(PIX).op(Op.i32Mul).op(Op.i32Add);
        f.get(c).i32(4).op(Op.i32Mul).op(Op.i32Add).set(off);
        body();
      });
    });
  };
  const kIndex = (): void => {
    f.get(kh).i32(g.FW).op(Op.i32Mul).get(kw).op(Op.i32Add);
  };
  /** Pushes max(lo, hi-clipped) style bounds: local = a < b ? b : a. */
  const maxInto = (local: number, a: () => void, b: () => void): void => {
    b();
    a();
    b();
    a();
    f.op(Op.i32GtS).op(Op.select).set(local);
  };

  f.forLt(n, 0, { local: nTotal }, 1, () => {
    f.forLt(oh, 0, g.OH, 1, () => {
      f.forLt(ow, 0, g.OW, 1, () => {
        f.get(oh).i32(g.sh).op(Op.i32Mul).i32(g.padTop).op(Op.i32Sub).set(ih0);
        f.get(ow).i32(g.sw).op(Op.i32Mul).i32(g.padLeft).op(Op.i32Sub).set(iw0);
        // khs = max(0, -ih0): select(-ih0, 0, -ih0 > 0)
        maxInto(khs, () => f.i32(0), () => f.i32(0).get(ih0).op(Op.i32Sub));
        // khe = min(FH, H - ih0): select(H - ih0, FH, FH > H - ih0)
        f.i32(g.H).get(ih0).op(Op.i32Sub).i32(g.FH);
        f.i32(g.FH).i32(g.H).get(ih0).op(Op.i32Sub).op(Op.i32GtS).op(Op.select).set(khe);
        maxInto(kws, () => f.i32(0), () => f.i32(0).get(iw0).op(Op.i32Sub));
        f.i32(g.W).get(iw0).op(Op.i32Sub).i32(g.FW);
        f.i32(g.FW).i32(g.W).get(iw0).op(Op.i32Sub).op(Op.i32GtS).op(Op.select).set(kwe);
        // corner = ((n*H + ih0)*W + iw0) * PIX ; dyp = dy + ((n*OH + oh)*OW + ow) * PIX
        f.get(n).i32(g.H).op(Op.i32Mul).get(ih0).op(Op.i32Add).i32(g.W).op(Op.i32Mul);
        f.get(iw0).op(Op.i32Add).i32(PIX).op(Op.i32Mul).set(corner);
        f.get(n).i32(g.OH).op(Op.i32Mul).get(oh).op(Op.i32Add).i32(g.OW).op(Op.i32Mul);
        f.get(ow).op(Op.i32Add).i32(PIX).op(Op.i32Mul).get(dy).op(Op.i32Add).set(dyp);
        if (vecEnd > 0) {
          f.forLt(c, 0, vecEnd, 4, () => {
            f.f32x4Const(-Infinity).set(best).i32x4Const(-1).set(bidx);
            window(() => {
              f.get(x).get(off).op(Op.i32Add).v128Load().tee(v).get(best).simd(SimdOp.f32x4Gt).set(mask);
              f.get(v).get(best).get(mask).simd(SimdOp.v128Bitselect).set(best);
              kIndex();
              f.simd(SimdOp.i32x4Splat).get(bidx).get(mask).simd(SimdOp.v128Bitselect).set(bidx);
            });
            f.get(dyp).get(c).i32(4).op(Op.i32Mul).op(Op.i32Add).v128Load().set(grad);
            window(() => {
              f.get(dx).get(off).op(Op.i32Add);
              f.get(dx).get(off).op(Op.i32Add).v128Load();
              f.get(grad);
              kIndex();
              f.simd(SimdOp.i32x4Splat).get(bidx).simd(SimdOp.i32x4Eq).simd(SimdOp.v128And);
              f.simd(SimdOp.f32x4Add).v128Store();
            });
          });
        }
        if (vecEnd < g.C) {
          f.forLt(c, vecEnd, g.C, 1, () => {
            f.f32(-Infinity).set(bestS).i32(-1).set(bidxS);
            window(() => {
              f.get(x).get(off).op(Op.i32Add).f32Load().tee(vS).get(bestS).op(Op.f32Gt);
              f.if(() => {
                f.get(vS).set(bestS);
                kIndex();
                f.set(bidxS);
              });
            });
            f.get(dyp).get(c).i32(4).op(Op.i32Mul).op(Op.i32Add).f32Load().set(gradS);
            window(() => {
              kIndex();
              f.get(bidxS).op(Op.i32Eq);
              f.if(() => {
                f.get(dx).get(off).op(Op.i32Add);
                f.get(dx).get(off).op(Op.i32Add).f32Load().get(gradS).op(Op.f32Add);
                f.f32Store();
              });
            });
          });
        }
      });
    });
  });
  mod.add(f);
}

/** Whether the windows tile the input exactly (no overlap, no gaps, no padding). */
export const tilesExactly = (g: PoolGeometry): boolean =>
  g.FH === g.sh && g.FW === g.sw && g.padTop === 0 && g.padLeft === 0 && g.OH * g.sh === g.H && g.OW * g.sw === g.W;

/**
 * Adds `maxPoolGrad(x, dy, dx, n)` for windows that tile the input exactly (`tilesExactly`, e.g.
 * 2x2 stride 2 on even sizes): every dx element belongs to one window, so dx is written once,
 * without zero-filling or accumulating. Same rule as `addMaxPoolGrad`. Needs C % 4 == 0.
 */
export function addMaxPoolGradExact(mod: ModuleBuilder, exportName: string, g: PoolGeometry): void {
  const I = ValType.i32;
  const V = ValType.v128;
  const PIX = g.C * 4;
  const ROW = g.W * PIX;
  const f = new FunctionBuilder(exportName, [I, I, I, I]);
  const [x, dy, dx, nTotal] = [0, 1, 2, 3];
  const rows = f.local(I);
  const ow = f.local(I);
  const c = f.local(I);
  const xw = f.local(I); // window corner plus channel offset (bytes from x / dx)
  const dyp = f.local(I);
  const best = f.local(V);
  const bidx = f.local(V);
  const v = f.local(V);
  const mask = f.local(V);
  const grad = f.local(V);
  const offsets = Array.from({ length: g.FH * g.FW }, (_, k) => Math.floor(k / g.FW) * ROW + (k % g.FW) * PIX);
  f.get(dy).set(dyp);
  f.i32(0).set(xw);
  // Output rows over all images; an output row covers sh whole input rows.
  f.get(nTotal).i32(g.OH).op(Op.i32Mul).set(rows);
  f.block(() => {
    f.loop(() => {
      f.get(rows).op(Op.i32Eqz).brIf(1);
      f.i32(g.OW).set(ow);
      f.loop(() => {
        f.forLt(c, 0, PIX, 16, () => {
          f.f32x4Const(-Infinity).set(best).i32x4Const(-1).set(bidx);
          offsets.forEach((o, k) => {
            f.get(x).get(xw).op(Op.i32Add).get(c).op(Op.i32Add).v128Load(o).tee(v);
            f.get(best).simd(SimdOp.f32x4Gt).set(mask);
            f.get(v).get(best).get(mask).simd(SimdOp.v128Bitselect).set(best);
            f.i32x4Const(k).get(bidx).get(mask).simd(SimdOp.v128Bitselect).set(bidx);
          });
          f.get(dyp).get(c).op(Op.i32Add).v128Load().set(grad);
          offsets.forEach((o, k) => {
            f.get(dx).get(xw).op(Op.i32Add).get(c).op(Op.i32Add);
            f.get(grad).i32x4Const(k).get(bidx).simd(SimdOp.i32x4Eq).simd(SimdOp.v128And);
            f.v128Store(o);
          });
        });
        f.addTo(xw, g.sw * PIX).addTo(dyp, PIX);
        f.get(ow).i32(1).op(Op.i32Sub).tee(ow).brIf(0);
      });
      f.addTo(xw, (g.sh - 1) * ROW);
      f.addTo(rows, -1).br(0);
    });
  });
  mod.add(f);
}
