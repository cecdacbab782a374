/**
 * Generator of a direct ("gather") 2-D convolution over a zero-padded NHWC input:
 *
 *   out[n, oh, ow, co] = sum over kh, m of xp[n, oh*sh + kh, ow*sw*Ci + m] * P[kh*M + m, co]
 *
 * where m = kw*Ci + ci runs over the KW*Ci consecutive floats of an input row window and P is
 * the filter packed in panels: for each column tile [co0, co0 + w), a [KH*M, w] row-major block
 * stored at float offset co0 * KH * M (so panels need no table). Register tiles are `rows`
 * consecutive output pixels of one output row times `vectors` f32x4 of output channels; the
 * whole reduction stays in registers. Output pixel and row strides are parameters so a caller
 * can write interleaved phases. Shapes are baked in as constants.
 */
import { FunctionBuilder, type ModuleBuilder, Op, SimdOp, ValType } from './emitter.js';
import { colWidth, columnPlan, type Cols, declareTile, rankOneUpdate, storeTile, type Tile, zeroTile } from './tile.js';

/** The geometry every generated convolution kernel is specialised on. */
export interface ConvGeometry {
  /** Padded input height and width, channels. */
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

export interface GatherGeometry extends ConvGeometry {
  /** Output strides in floats: pixel, row, image (defaults: dense [N, OH, OW, CO]). */
  readonly outPixel?: number;
  readonly outRow?: number;
  readonly outImage?: number;
}

/** What happens to each output before it is stored: + bias[co], then an activation. */
export interface Epilogue {
  readonly bias: boolean;
  readonly activation: 'linear' | 'relu' | 'relu6';
}

export const NO_EPILOGUE: Epilogue = { bias: false, activation: 'linear' };

export interface GatherPlan {
  readonly rows: number;
  readonly vectors: number;
  /** Reduction steps per loop iteration (reduced to a divisor of KW*Ci). */
  readonly unroll: number;
  /** Images per cache chunk. */
  readonly chunk: number;
  /**
   * Register tiles over the output pixels of all rows in raster order (one input pointer per
   * tile row) instead of within one output row: full tiles when OW is not a multiple of `rows`,
   * as in the 6x6 and 3x3 maps of a ResNet's last stages. Needs the dense output layout.
   */
  readonly flat?: boolean;
}

export function defaultGatherPlan(g: GatherGeometry): GatherPlan {
  const inBytesPerImage = g.Hp * g.Wp * g.ci * 4;
  const chunk = Math.max(1, Math.floor((256 * 1024) / inBytesPerImage));
  const dense = g.outPixel === undefined && g.outRow === undefined && g.outImage === undefined;
  return { rows: 4, vectors: 2, unroll: 1, chunk, ...(dense && g.OW % 4 !== 0 ? { flat: true } : {}) };
}

/** The largest divisor of `n` that is at most `max`. */
export function largestDivisor(n: number, max: number): number {
  for (let d = Math.max(1, Math.min(n, Math.floor(max))); d > 1; d--) if (n % d === 0) return d;
  return 1;
}

/** Float offset of the packed panel holding output channel tile starting at `co0`. */
export const panelOffset = (g: GatherGeometry, co0: number): number => co0 * g.KH * g.KW * g.ci;

/** Column tiles of the packed filter (start, width), in storage order. */
export function panelColumns(g: GatherGeometry, plan: GatherPlan): { start: number; width: number }[] {
  const out: { start: number; width: number }[] = [];
  let start = 0;
  for (const cp of columnPlan(g.CO, plan.vectors)) {
    const width = colWidth(cp.cols);
    for (let k = 0; k < cp.count; k++) {
      out.push({ start, width });
      start += width;
    }
  }
  return out;
}

/** Row offsets of a filter W[KH, KW, Ci, CO] at float index `w`, for a forward convolution. */
export function forwardRows(g: GatherGeometry, w: number): Int32Array {
  const rows = new Int32Array(g.KH * g.KW * g.ci);
  for (let r = 0; r < rows.length; r++) rows[r] = w + r * g.CO;
  return rows;
}

/**
 * Adds `run(xp, packedFilter, out, n, bias)` (byte offsets; bias is read only with an epilogue
 * that has one) to the module.
 */
export function addGatherConv(
  mod: ModuleBuilder,
  exportName: string,
  g: GatherGeometry,
  plan: GatherPlan = defaultGatherPlan(g),
  epilogue: Epilogue = NO_EPILOGUE,
): void {
  const M = g.KW * g.ci;
  const K = g.KH * M;
  const XPIX = g.sw * g.ci * 4;
  const XROW = g.Wp * g.ci * 4;
  const XROWSTEP = g.sh * XROW;
  const XIMG = g.Hp * XROW;
  const OPIX = (g.outPixel ?? g.CO) * 4;
  const OROW = (g.outRow ?? g.OW * g.CO) * 4;
  const OIMG = (g.outImage ?? g.OH * g.OW * g.CO) * 4;
  const I = ValType.i32;
  const unroll = largestDivisor(M, plan.unroll);

  // tile(xptr, wptr, optr): `rows` pixels x one column tile, full reduction.
  const tileFns = new Map<string, number>();
  const tileFn = (rows: number, cols: Cols): number => {
    const key = `${rows}x${cols}`;
    const known = tileFns.get(key);
    if (known !== undefined) return known;
    const width = colWidth(cols);
    const f = new FunctionBuilder(null, [I, I, I, I]);
    const [xptr, wptr, optr, bptr] = [0, 1, 2, 3];
    const tile = declareTile(f, rows, cols);
    const xq = f.local(I);
    const wq = f.local(I);
    const kh = f.local(I);
    const m = f.local(I);
    zeroTile(f, tile);
    f.get(xptr).set(xq).get(wptr).set(wq);
    f.i32(g.KH).set(kh);
    f.loop(() => {
      f.i32(M / unroll).set(m);
      f.loop(() => {
        for (let u = 0; u < unroll; u++) rankOneUpdate(f, tile, xq, (i) => i * XPIX + u * 4, wq, u * width * 4);
        f.addTo(xq, 4 * unroll).addTo(wq, width * 4 * unroll);
        f.get(m).i32(1).op(Op.i32Sub).tee(m).brIf(0);
      });
      f.addTo(xq, XROW - M * 4);
      f.get(kh).i32(1).op(Op.i32Sub).tee(kh).brIf(0);
    });
    applyEpilogue(f, tile, bptr, epilogue);
    storeTile(f, tile, optr, (i) => i * OPIX, false);
    const index = mod.add(f);
    tileFns.set(key, index);
    return index;
  };

  if (plan.flat) {
    addFlatDriver(mod, exportName, g, plan, epilogue, unroll);
    return;
  }
  const fullPix = Math.floor(g.OW / plan.rows);
  const remPix = g.OW - fullPix * plan.rows;
  const colPlan = columnPlan(g.CO, plan.vectors);
  for (const cp of colPlan) {
    if (fullPix > 0) tileFn(plan.rows, cp.cols);
    if (remPix > 0) tileFn(remPix, cp.cols);
  }

  const f = new FunctionBuilder(exportName, [I, I, I, I, I]);
  const [xp, wp, out, nTotal, bias] = [0, 1, 2, 3, 4];
  const bc = f.local(I);
  const n0 = f.local(I);
  const nEnd = f.local(I);
  const n = f.local(I);
  const c = f.local(I);
  const wc = f.local(I);
  const oh = f.local(I);
  const ow = f.local(I);
  const xrow = f.local(I);
  const orow = f.local(I);
  f.forLt(n0, 0, { local: nTotal }, plan.chunk, () => {
    // nEnd = min(n0 + chunk, nTotal)
    f.get(n0).i32(plan.chunk).op(Op.i32Add).set(nEnd);
    f.get(nTotal).get(nEnd).get(nEnd).get(nTotal).op(Op.i32GtS).op(Op.select).set(nEnd);
    let col = 0;
    for (const cp of colPlan) {
      const width = colWidth(cp.cols);
      f.forLt(c, col, col + cp.count * width, width, () => {
        f.get(c).i32(K * 4).op(Op.i32Mul).get(wp).op(Op.i32Add).set(wc);
        f.get(c).i32(4).op(Op.i32Mul).get(bias).op(Op.i32Add).set(bc);
        f.forLt(n, { local: n0 }, { local: nEnd }, 1, () => {
          f.forLt(oh, 0, g.OH, 1, () => {
            // xrow = xp + n*XIMG + oh*XROWSTEP; orow = out + n*OIMG + oh*OROW + c*4
            f.get(n).i32(XIMG).op(Op.i32Mul).get(oh).i32(XROWSTEP).op(Op.i32Mul).op(Op.i32Add);
            f.get(xp).op(Op.i32Add).set(xrow);
            f.get(n).i32(OIMG).op(Op.i32Mul).get(oh).i32(OROW).op(Op.i32Mul).op(Op.i32Add);
            f.get(c).i32(4).op(Op.i32Mul).op(Op.i32Add).get(out).op(Op.i32Add).set(orow);
            if (fullPix > 0) {
              const fn = tileFn(plan.rows, cp.cols);
              f.forLt(ow, 0, fullPix, 1, () => {
                f.get(xrow).get(wc).get(orow).get(bc).call(fn);
                f.addTo(xrow, plan.rows * XPIX).addTo(orow, plan.rows * OPIX);
              });
            }
            if (remPix > 0) f.get(xrow).get(wc).get(orow).get(bc).call(tileFn(remPix, cp.cols));
          });
        });
      });
      col += cp.count * width;
    }
  });
  mod.add(f);
}

/**
 * The flat plan: tiles of `rows` consecutive output pixels in raster order over (n, oh, ow),
 * each tile row with its own input pointer; the dense output makes the tile's outputs
 * consecutive. `run(xp, packedFilter, out, n, bias)` as for the row plan.
 */
function addFlatDriver(mod: ModuleBuilder, exportName: string, g: GatherGeometry, plan: GatherPlan, epilogue: Epilogue, unroll: number): void {
  const M = g.KW * g.ci;
  const K = g.KH * M;
  const XPIX = g.sw * g.ci * 4;
  const XROW = g.Wp * g.ci * 4;
  const XROWSTEP = g.sh * XROW;
  const XIMG = g.Hp * XROW;
  const OPIX = g.CO * 4;
  const PIMG = g.OH * g.OW;
  const I = ValType.i32;

  const tileFns = new Map<string, number>();
  const tileFn = (rows: number, cols: Cols): number => {
    const key = `${rows}x${cols}`;
    const known = tileFns.get(key);
    if (known !== undefined) return known;
    const width = colWidth(cols);
    const f = new FunctionBuilder(null, [...Array.from({ length: rows }, () => I), I, I, I]);
    const [wptr, optr, bptr] = [rows, rows + 1, rows + 2];
    const tile = declareTile(f, rows, cols);
    const xq = Array.from({ length: rows }, () => f.local(I));
    const wq = f.local(I);
    const kh = f.local(I);
    const m = f.local(I);
    zeroTile(f, tile);
    xq.forEach((q, i) => f.get(i).set(q));
    f.get(wptr).set(wq);
    f.i32(g.KH).set(kh);
    f.loop(() => {
      f.i32(M / unroll).set(m);
      f.loop(() => {
        for (let u = 0; u < unroll; u++) rankOneUpdate(f, tile, xq, () => u * 4, wq, u * width * 4);
        for (const q of xq) f.addTo(q, 4 * unroll);
        f.addTo(wq, width * 4 * unroll);
        f.get(m).i32(1).op(Op.i32Sub).tee(m).brIf(0);
      });
      for (const q of xq) f.addTo(q, XROW - M * 4);
      f.get(kh).i32(1).op(Op.i32Sub).tee(kh).brIf(0);
    });
    applyEpilogue(f, tile, bptr, epilogue);
    storeTile(f, tile, optr, (i) => i * OPIX, false);
    const index = mod.add(f);
    tileFns.set(key, index);
    return index;
  };

  const colPlan = columnPlan(g.CO, plan.vectors);
  for (const cp of colPlan) {
    tileFn(plan.rows, cp.cols);
    for (let r = 1; r < plan.rows; r++) tileFn(r, cp.cols);
  }

  const f = new FunctionBuilder(exportName, [I, I, I, I, I]);
  const [xp, wp, out, nTotal, bias] = [0, 1, 2, 3, 4];
  const bc = f.local(I);
  const wc = f.local(I);
  const c = f.local(I);
  const p = f.local(I);
  const pEnd = f.local(I);
  const pFull = f.local(I);
  const q = f.local(I);
  const rest = f.local(I);
  const ptrs = Array.from({ length: plan.rows }, () => f.local(I));
  // x address of flattened output pixel q: xp + n*XIMG + oh*XROWSTEP + ow*XPIX.
  const address = (target: number): void => {
    f.get(q).i32(PIMG).op(Op.i32DivU).i32(XIMG).op(Op.i32Mul);
    f.get(q).i32(PIMG).op(Op.i32RemU).set(rest);
    f.get(rest).i32(g.OW).op(Op.i32DivU).i32(XROWSTEP).op(Op.i32Mul).op(Op.i32Add);
    f.get(rest).i32(g.OW).op(Op.i32RemU).i32(XPIX).op(Op.i32Mul).op(Op.i32Add);
    f.get(xp).op(Op.i32Add).set(target);
  };
  // Pixels in chunks of images that stay in cache across the column tiles.
  const chunkPix = plan.chunk * PIMG;
  const p0 = f.local(I);
  f.get(nTotal).i32(PIMG).op(Op.i32Mul).set(pEnd);
  f.forLt(p0, 0, { local: pEnd }, chunkPix, () => {
    // pFull = min(p0 + chunkPix, pEnd)
    f.get(p0).i32(chunkPix).op(Op.i32Add).set(pFull);
    f.get(pEnd).get(pFull).get(pFull).get(pEnd).op(Op.i32GtS).op(Op.select).set(pFull);
    let col = 0;
    for (const cp of colPlan) {
      const width = colWidth(cp.cols);
      f.forLt(c, col, col + cp.count * width, width, () => {
        f.get(c).i32(K * 4).op(Op.i32Mul).get(wp).op(Op.i32Add).set(wc);
        f.get(c).i32(4).op(Op.i32Mul).get(bias).op(Op.i32Add).set(bc);
        f.get(p0).set(p);
        f.block(() => {
          f.loop(() => {
            f.get(p).get(pFull).op(Op.i32GeS).brIf(1);
            ptrs.forEach((ptr, i) => {
              f.get(p).i32(i).op(Op.i32Add).set(q);
              address(ptr);
            });
            const call = (rows: number): void => {
              for (let i = 0; i < rows; i++) f.get(ptrs[i]);
              f.get(wc);
              f.get(p).i32(OPIX).op(Op.i32Mul).get(out).op(Op.i32Add).get(c).i32(4).op(Op.i32Mul).op(Op.i32Add);
              f.get(bc).call(tileFn(rows, cp.cols));
            };
            // A full tile, or the last pixels of the chunk.
            f.get(pFull).get(p).op(Op.i32Sub).i32(plan.rows).op(Op.i32GeS);
            f.if(
              () => call(plan.rows),
              () => {
                for (let r = plan.rows - 1; r >= 1; r--) {
                  f.get(pFull).get(p).op(Op.i32Sub).i32(r).op(Op.i32Eq);
                  f.if(() => call(r));
                }
              },
            );
            f.addTo(p, plan.rows).br(0);
          });
        });
      });
      col += cp.count * width;
    }
  });
  mod.add(f);
}

/** acc[i][j] = activation(acc[i][j] + bias[j]) with bias read at `bptr` (+ j*16). */
function applyEpilogue(f: FunctionBuilder, tile: Tile, bptr: number, e: Epilogue): void {
  if (!e.bias && e.activation === 'linear') return;
  const scalar = tile.cols === 'scalar';
  if (e.bias) {
    tile.b.forEach((b, j) => {
      f.get(bptr);
      if (scalar) f.f32Load(0);
      else f.v128Load(j * 16);
      f.set(b);
    });
  }
  for (const row of tile.acc) {
    row.forEach((acc, j) => {
      f.get(acc);
      if (e.bias) {
        f.get(tile.b[j]);
        if (scalar) f.op(Op.f32Add);
        else f.simd(SimdOp.f32x4Add);
      }
      if (e.activation !== 'linear') {
        if (scalar) f.f32(0).op(Op.f32Max);
        else f.f32x4Const(0).simd(SimdOp.f32x4Max);
      }
      if (e.activation === 'relu6') {
        if (scalar) f.f32(6).op(Op.f32Min);
        else f.f32x4Const(6).simd(SimdOp.f32x4Min);
      }
      f.set(acc);
    });
  }
}
