/**
 * Generator of the Conv2DBackpropFilter kernel (NHWC, any kernel size and stride, no dilation).
 *
 * With the input zero-padded to xp[N, Hp, Wp, Ci], the filter gradient for one kernel row kh is
 * the matrix product
 *
 *   dW[kh][m, co] += sum over output pixels p = (n, oh, ow) of xp[n, oh*sh + kh, ow*sw, m] * dy[p, co]
 *
 * where m = kw * Ci + ci runs over KW*Ci consecutive floats of the padded input row (the window
 * of pixels ow*sw .. ow*sw + KW - 1). dW[kh] as a [KW*Ci, CO] matrix is exactly the filter layout
 * [KH, KW, Ci, CO]. Register tiles of rows (m) x vectors of CO accumulate over all pixels of a
 * chunk of images that fits in cache; shapes are baked in as constants.
 */
import { FunctionBuilder, ModuleBuilder, Op, ValType } from './emitter.js';
import { colWidth, columnPlan, type Cols, declareTile, loadTile, rankOneUpdate, storeTile } from './tile.js';

export interface BackpropFilterGeometry {
  readonly Hp: number;
  readonly Wp: number;
  readonly ci: number;
  readonly OH: number;
  readonly OW: number;
  readonly KH: number;
  readonly KW: number;
  readonly sh: number;
  readonly sw: number;
  readonly CO: number;
}

export interface BackpropFilterPlan {
  /** Rows (m) per register tile. */
  readonly rows: number;
  /** Vectors (of 4 output channels) per register tile. */
  readonly vectors: number;
  /** Images per cache chunk. */
  readonly chunk: number;
}

export function defaultBackpropFilterPlan(g: BackpropFilterGeometry): BackpropFilterPlan {
  const dyBytesPerImage = g.OH * g.OW * g.CO * 4;
  const chunk = Math.max(1, Math.floor((192 * 1024) / dyBytesPerImage));
  return { rows: 4, vectors: 2, chunk };
}

/**
 * Adds `bpf(xp, dy, dw, n)` (byte offsets; dw must hold zeros or a partial sum) to the module.
 */
export function addBackpropFilter(
  mod: ModuleBuilder,
  exportName: string,
  g: BackpropFilterGeometry,
  plan: BackpropFilterPlan = defaultBackpropFilterPlan(g),
): void {
  const M = g.KW * g.ci;
  const XPIX = g.sw * g.ci * 4;
  const XROW = g.Wp * g.ci * 4;
  const XROWSTEP = g.sh * XROW;
  const XIMG = g.Hp * XROW;
  const DYPIX = g.CO * 4;
  const DYIMG = g.OH * g.OW * DYPIX;

  // One function per tile shape: tile(xptr, dyptr, dwptr, nImg).
  const tileFns = new Map<string, number>();
  const tileFn = (rows: number, cols: Cols): number => {
    const key = `${rows}x${cols}`;
    const known = tileFns.get(key);
    if (known !== undefined) return known;
    const I = ValType.i32;
    const f = new FunctionBuilder(null, [I, I, I, I]);
    const [xptr, dyptr, dwptr, nImg] = [0, 1, 2, 3];
    const tile = declareTile(f, rows, cols);
    const xi = f.local(I);
    const xr = f.local(I);
    const xq = f.local(I);
    const dq = f.local(I);
    const oh = f.local(I);
    const ow = f.local(I);
    const n = f.local(I);
    loadTile(f, tile, dwptr, DYPIX);
    f.get(xptr).set(xi).get(dyptr).set(dq).get(nImg).set(n);
    f.loop(() => {
      f.get(xi).set(xr).i32(g.OH).set(oh);
      f.loop(() => {
        f.get(xr).set(xq).i32(g.OW).set(ow);
        f.loop(() => {
          rankOneUpdate(f, tile, xq, (i) => i * 4, dq, 0);
          f.addTo(xq, XPIX).addTo(dq, DYPIX);
          f.get(ow).i32(1).op(Op.i32Sub).tee(ow).brIf(0);
        });
        f.addTo(xr, XROWSTEP);
        f.get(oh).i32(1).op(Op.i32Sub).tee(oh).brIf(0);
      });
      f.addTo(xi, XIMG);
      f.get(n).i32(1).op(Op.i32Sub).tee(n).brIf(0);
    });
    storeTile(f, tile, dwptr, (i) => i * DYPIX, false);
    const index = mod.add(f);
    tileFns.set(key, index);
    return index;
  };

  const rowPlan: { start: number; count: number; rows: number }[] = [];
  const fullRows = Math.floor(M / plan.rows);
  if (fullRows > 0) rowPlan.push({ start: 0, count: fullRows, rows: plan.rows });
  if (M % plan.rows) rowPlan.push({ start: fullRows * plan.rows, count: 1, rows: M % plan.rows });
  const colPlan = columnPlan(g.CO, plan.vectors);
  // Pre-create the tile functions so the driver can call them by index.
  for (const r of rowPlan) for (const c of colPlan) tileFn(r.rows, c.cols);

  const I = ValType.i32;
  const f = new FunctionBuilder(exportName, [I, I, I, I]);
  const [xp, dy, dw, nTotal] = [0, 1, 2, 3];
  const n0 = f.local(I);
  const nImg = f.local(I);
  const ximg = f.local(I);
  const dyimg = f.local(I);
  const kh = f.local(I);
  const xk = f.local(I);
  const dwk = f.local(I);
  const m = f.local(I);
  const c = f.local(I);
  const xm = f.local(I);
  const dwm = f.local(I);
  f.forLt(n0, 0, { local: nTotal }, plan.chunk, () => {
    // nImg = min(chunk, nTotal - n0)
    f.get(nTotal).get(n0).op(Op.i32Sub).set(nImg);
    f.i32(plan.chunk).get(nImg).get(nImg).i32(plan.chunk).op(Op.i32GtS).op(Op.select).set(nImg);
    f.get(n0).i32(XIMG).op(Op.i32Mul).get(xp).op(Op.i32Add).set(ximg);
    f.get(n0).i32(DYIMG).op(Op.i32Mul).get(dy).op(Op.i32Add).set(dyimg);
    f.forLt(kh, 0, g.KH, 1, () => {
      f.get(kh).i32(XROW).op(Op.i32Mul).get(ximg).op(Op.i32Add).set(xk);
      f.get(kh).i32(M * DYPIX).op(Op.i32Mul).get(dw).op(Op.i32Add).set(dwk);
      for (const r of rowPlan) {
        f.forLt(m, r.start, r.start + r.count * r.rows, r.rows, () => {
          f.get(m).i32(4).op(Op.i32Mul).get(xk).op(Op.i32Add).set(xm);
          f.get(m).i32(DYPIX).op(Op.i32Mul).get(dwk).op(Op.i32Add).set(dwm);
          let col = 0;
          for (const cp of colPlan) {
            const width = colWidth(cp.cols);
            const fn = tileFn(r.rows, cp.cols);
            f.forLt(c, col, col + cp.count * width, width, () => {
              f.get(xm);
              f.get(c).i32(4).op(Op.i32Mul).get(dyimg).op(Op.i32Add);
              f.get(c).i32(4).op(Op.i32Mul).get(dwm).op(Op.i32Add);
              f.get(nImg).call(fn);
            });
            col += cp.count * width;
          }
        });
      }
    });
  });
  mod.add(f);
}
