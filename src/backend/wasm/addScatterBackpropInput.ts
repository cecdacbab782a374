/**
 * Generator of Conv2DBackpropInput by scattering (any stride, NHWC, no dilation): into a
 * zero-filled padded input gradient dxp[N, Hp, Wp, Ci],
 *
 *   dxp[n, oh*sh + kh, ow*sw*Ci + m] += sum over co of dy[n, oh, ow, co] * W[kh, m, co]
 *
 * with m = kw*Ci + ci. The filter is packed per kernel row kh and column tile [m0, m0 + w) as a
 * [CO, w] row-major block at float offset kh*CO*M + m0*CO. Register tiles are `rows` consecutive
 * output pixels times `vectors` f32x4 of m; each tile's reduction over CO stays in registers and
 * is then added into dxp (read-modify-write, in program order, so overlapping windows are fine).
 */
import type { ConvGeometry } from './addGatherConv.js';
import { FunctionBuilder, type ModuleBuilder, Op, ValType } from './emitter.js';
import { colWidth, columnPlan, type Cols, declareTile, rankOneUpdate, storeTile, zeroTile } from './tile.js';

export type ScatterGeometry = ConvGeometry;

export interface ScatterPlan {
  readonly rows: number;
  readonly vectors: number;
}

export const defaultScatterPlan = (): ScatterPlan => ({ rows: 4, vectors: 2 });

/** Packs W[KH, KW, Ci, CO] (flat, at float offset `src`) for the scatter kernel into `dst`. */
export function packScatterFilter(
  g: ScatterGeometry,
  plan: ScatterPlan,
  heap: Float32Array,
  src: number,
  dst: number,
): void {
  const M = g.KW * g.ci;
  let m0 = 0;
  for (const cp of columnPlan(M, plan.vectors)) {
    const w = colWidth(cp.cols);
    for (let t = 0; t < cp.count; t++, m0 += w) {
      for (let kh = 0; kh < g.KH; kh++) {
        let o = dst + kh * g.CO * M + m0 * g.CO;
        for (let co = 0; co < g.CO; co++) {
          for (let c = 0; c < w; c++) heap[o++] = heap[src + (kh * M + m0 + c) * g.CO + co];
        }
      }
    }
  }
}

/** Adds `scatter(dy, packedFilter, dxp, n)` (byte offsets; dxp zero-filled) to the module. */
export function addScatterBackpropInput(
  mod: ModuleBuilder,
  exportName: string,
  g: ScatterGeometry,
  plan: ScatterPlan = defaultScatterPlan(),
): void {
  const M = g.KW * g.ci;
  const XPIX = g.sw * g.ci * 4;
  const XROW = g.Wp * g.ci * 4;
  const XIMG = g.Hp * XROW;
  const DYPIX = g.CO * 4;
  const I = ValType.i32;

  const tileFns = new Map<string, number>();
  const tileFn = (rows: number, cols: Cols): number => {
    const key = `${rows}x${cols}`;
    const known = tileFns.get(key);
    if (known !== undefined) return known;
    const width = colWidth(cols);
    const f = new FunctionBuilder(null, [I, I, I]);
    const [dyptr, wptr, xptr] = [0, 1, 2];
    const tile = declareTile(f, rows, cols);
    const dq = f.local(I);
    const wq = f.local(I);
    const k = f.local(I);
    zeroTile(f, tile);
    f.get(dyptr).set(dq).get(wptr).set(wq).i32(g.CO).set(k);
    f.loop(() => {
      rankOneUpdate(f, tile, dq, (i) => i * DYPIX, wq, 0);
      f.addTo(dq, 4).addTo(wq, width * 4);
      f.get(k).i32(1).op(Op.i32Sub).tee(k).brIf(0);
    });
    storeTile(f, tile, xptr, (i) => i * XPIX, true);
    const index = mod.add(f);
    tileFns.set(key, index);
    return index;
  };

  const fullPix = Math.floor(g.OW / plan.rows);
  const remPix = g.OW - fullPix * plan.rows;
  const colPlan = columnPlan(M, plan.vectors);
  for (const cp of colPlan) {
    if (fullPix > 0) tileFn(plan.rows, cp.cols);
    if (remPix > 0) tileFn(remPix, cp.cols);
  }

  const f = new FunctionBuilder(exportName, [I, I, I, I]);
  const [dy, wp, dxp, nTotal] = [0, 1, 2, 3];
  const n = f.local(I);
  const oh = f.local(I);
  const kh = f.local(I);
  const m = f.local(I);
  const ow = f.local(I);
  const dyrow = f.local(I);
  const xrow = f.local(I);
  const wk = f.local(I);
  const dq = f.local(I);
  const xq = f.local(I);
  f.forLt(n, 0, { local: nTotal }, 1, () => {
    f.forLt(oh, 0, g.OH, 1, () => {
      f.get(n).i32(g.OH).op(Op.i32Mul).get(oh).op(Op.i32Add).i32(g.OW * DYPIX).op(Op.i32Mul);
      f.get(dy).op(Op.i32Add).set(dyrow);
      f.forLt(kh, 0, g.KH, 1, () => {
        // xrow = dxp + n*XIMG + (oh*sh + kh)*XROW ; wk = wp + kh*CO*M*4
        f.get(n).i32(XIMG).op(Op.i32Mul).get(oh).i32(g.sh).op(Op.i32Mul).get(kh).op(Op.i32Add);
        f.i32(XROW).op(Op.i32Mul).op(Op.i32Add).get(dxp).op(Op.i32Add).set(xrow);
        f.get(kh).i32(g.CO * M * 4).op(Op.i32Mul).get(wp).op(Op.i32Add).set(wk);
        let col = 0;
        for (const cp of colPlan) {
          const width = colWidth(cp.cols);
          f.forLt(m, col, col + cp.count * width, width, () => {
            f.get(dyrow).set(dq);
            f.get(xrow).get(m).i32(4).op(Op.i32Mul).op(Op.i32Add).set(xq);
            const wm = (): void => {
              f.get(wk).get(m).i32(g.CO * 4).op(Op.i32Mul).op(Op.i32Add);
            };
            if (fullPix > 0) {
              const fn = tileFn(plan.rows, cp.cols);
              f.forLt(ow, 0, fullPix, 1, () => {
                f.get(dq);
                wm();
                f.get(xq).call(fn);
                f.addTo(dq, plan.rows * DYPIX).addTo(xq, plan.rows * XPIX);
              });
            }
            if (remPix > 0) {
              f.get(dq);
              wm();
              f.get(xq).call(tileFn(remPix, cp.cols));
            }
          });
          col += cp.count * width;
        }
      });
    });
  });
  mod.add(f);
}
