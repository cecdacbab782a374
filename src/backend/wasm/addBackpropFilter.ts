/**
 * Generator of the Conv2DBackpropFilter kernel (NHWC, any kernel size and stride, no dilation).
 *
 * With the input zero-padded to xp[N, Hp, Wp, Ci], the filter gradient for one kernel row kh is
 * the matrix product
 *
 *   dW[kh][m, co] += sum over output pixels p = (n, oh, ow) of xp[n, oh*sh + kh, ow*sw*Ci + m] * dy[p, co]
 *
 * where m = kw * Ci + ci runs over KW*Ci consecutive floats of the padded input row (the window
 * of pixels ow*sw .. ow*sw + KW - 1). dW[kh] as a [KW*Ci, CO] matrix is exactly the filter layout
 * [KH, KW, Ci, CO].
 *
 * It runs as a packed GEMM over chunks of output rows (in n*OH + oh order): dy of the chunk is
 * packed once into column panels ([pixel][w] per output-channel tile of width w, at float
 * offset co0 * P for a chunk of P pixels), and for each kernel row and m tile the input windows
 * are packed into a [pixel][rows] panel, so the register-tile sweeps read memory sequentially.
 * Shapes are baked in as constants.
 */
import type { ConvGeometry } from './addGatherConv.js';
import { FunctionBuilder, type ModuleBuilder, Op, ValType } from './emitter.js';
import { colWidth, columnPlan, type Cols, declareTile, loadTile, rankOneUpdate, storeTile, zeroTile } from './tile.js';

export type BackpropFilterGeometry = ConvGeometry;

export interface BackpropFilterPlan {
  /**
   * 'packed' GEMM, or 'direct' register-tile sweeps over the unpacked tensors (better for skinny
   * products such as a first layer with few channels, where packing does not pay).
   */
  readonly mode: 'packed' | 'direct';
  /** Rows (m) per register tile. */
  readonly rows: number;
  /** Vectors (of 4 output channels) per register tile. */
  readonly vectors: number;
  /** Output rows (n*OH + oh) per chunk. */
  readonly chunkRows: number;
}

export function defaultBackpropFilterPlan(g: BackpropFilterGeometry): BackpropFilterPlan {
  const direct = g.CO <= 16;
  const chunkPixels = direct ? Math.max(g.OW, Math.floor((192 * 1024) / (g.CO * 4))) : 512;
  const M = g.KW * g.ci;
  // Small products: rows that divide KW*Ci avoid a thin remainder tile (e.g. 3x3 on RGB: M = 9).
  const rows = M % 4 !== 0 && M % 3 === 0 && M <= 24 ? 3 : 4;
  return { mode: direct ? 'direct' : 'packed', rows, vectors: 2, chunkRows: Math.max(1, Math.round(chunkPixels / g.OW)) };
}

/** Scratch floats `run` needs: the packed dy chunk, then the packed input panel. */
export function backpropFilterScratch(g: BackpropFilterGeometry, plan: BackpropFilterPlan): number {
  if (plan.mode === 'direct') return 4;
  const pixels = plan.chunkRows * g.OW;
  return pixels * g.CO + pixels * plan.rows + 4;
}

/** Emits copying `count` floats from `src` to `dst` (byte-offset locals) with vector moves. */
function copyFloats(f: FunctionBuilder, src: number, dst: number, count: number): void {
  let k = 0;
  for (; k + 4 <= count; k += 4) f.get(dst).get(src).v128Load(k * 4).v128Store(k * 4);
  for (; k < count; k++) f.get(dst).get(src).f32Load(k * 4).f32Store(k * 4);
}

/**
 * Adds `run(xp, dy, dw, rowsTotal, scratch, fresh)` (byte offsets; rowsTotal = N*OH; scratch of
 * `backpropFilterScratch` floats) to the module. It adds the gradient into dw (zero-filled or a
 * partial sum), or with `fresh` = 1 in the packed mode writes it (dw need not be initialised;
 * the direct mode ignores `fresh` and always adds).
 */
export function addBackpropFilter(
  mod: ModuleBuilder,
  exportName: string,
  g: BackpropFilterGeometry,
  plan: BackpropFilterPlan = defaultBackpropFilterPlan(g),
): void {
  if (plan.mode === 'direct') {
    addDirect(mod, exportName, g, plan);
    return;
  }
  const I = ValType.i32;
  const M = g.KW * g.ci;
  const XPIX = g.sw * g.ci * 4;
  const XROW = g.Wp * g.ci * 4;
  const XIMG = g.Hp * XROW;
  const DYPIX = g.CO * 4;
  const DYROW = g.OW * DYPIX;
  const maxPixels = plan.chunkRows * g.OW;

  // tile(aptr, bptr, dwptr, pixels, fresh): acc (rows x cols) = (fresh ? 0 : dw) + A-panel^T *
  // B-panel over `pixels`. Not reading dw when it is known to be zero matters on small maps with
  // large filters: there a tile's reduction is short and its dw lines (an 8 MB gradient for
  // 3x3x512x512) come from memory, a stall at the start of every tile.
  const tileFns = new Map<string, number>();
  const tileFn = (rows: number, cols: Cols): number => {
    const key = `${rows}x${cols}`;
    const known = tileFns.get(key);
    if (known !== undefined) return known;
    const f = new FunctionBuilder(null, [I, I, I, I, I]);
    const [aptr, bptr, dwptr, pixels, fresh] = [0, 1, 2, 3, 4];
    const tile = declareTile(f, rows, cols);
    f.get(fresh).if(
      () => zeroTile(f, tile),
      () => loadTile(f, tile, dwptr, DYPIX),
    );
    f.loop(() => {
      rankOneUpdate(f, tile, aptr, (i) => i * 4, bptr, 0);
      f.addTo(aptr, rows * 4).addTo(bptr, colWidth(cols) * 4);
      f.get(pixels).i32(1).op(Op.i32Sub).tee(pixels).brIf(0);
    });
    storeTile(f, tile, dwptr, (i) => i * DYPIX, false);
    const index = mod.add(f);
    tileFns.set(key, index);
    return index;
  };

  const { rowTiles, colTiles } = tilesOf(M, g.CO, plan);
  for (const r of rowTiles) for (const c of colTiles) tileFn(r.rows, c.cols);

  const f = new FunctionBuilder(exportName, [I, I, I, I, I, I]);
  const [xp, dy, dw, rowsTotal, scratch, fresh] = [0, 1, 2, 3, 4, 5];
  const first = f.local(I); // this chunk writes dw instead of adding to it
  const row0 = f.local(I);
  const nRows = f.local(I);
  const pixels = f.local(I);
  const bPack = f.local(I);
  const aPack = f.local(I);
  const src = f.local(I);
  const dst = f.local(I);
  const p = f.local(I);
  const row = f.local(I);
  const ow = f.local(I);
  const kh = f.local(I);
  const xrow = f.local(I);
  f.get(scratch).set(bPack);
  f.get(scratch).i32(maxPixels * g.CO * 4).op(Op.i32Add).set(aPack);
  f.forLt(row0, 0, { local: rowsTotal }, plan.chunkRows, () => {
    f.get(fresh).get(row0).op(Op.i32Eqz).op(Op.i32And).set(first);
    // nRows = min(chunkRows, rowsTotal - row0); pixels = nRows * OW
    f.get(rowsTotal).get(row0).op(Op.i32Sub).set(nRows);
    f.i32(plan.chunkRows).get(nRows).get(nRows).i32(plan.chunkRows).op(Op.i32GtS).op(Op.select).set(nRows);
    f.get(nRows).i32(g.OW).op(Op.i32Mul).set(pixels);
    // Pack dy: the chunk's pixels are contiguous in dy; tile t goes to bPack + start*pixels*4.
    for (const c of colTiles) {
      const w = colWidth(c.cols);
      f.get(row0).i32(DYROW).op(Op.i32Mul).get(dy).op(Op.i32Add).i32(c.start * 4).op(Op.i32Add).set(src);
      f.get(pixels).i32(c.start * 4).op(Op.i32Mul).get(bPack).op(Op.i32Add).set(dst);
      f.forLt(p, 0, { local: pixels }, 1, () => {
        copyFloats(f, src, dst, w);
        f.addTo(src, DYPIX).addTo(dst, w * 4);
      });
    }
    f.forLt(kh, 0, g.KH, 1, () => {
      for (const r of rowTiles) {
        // Pack the input windows of this kernel row and m tile: [pixel][rows].
        f.get(aPack).set(dst);
        f.get(row0).set(row);
        f.block(() => {
          f.loop(() => {
            f.get(row).get(row0).get(nRows).op(Op.i32Add).op(Op.i32GeS).brIf(1);
            // xrow = xp + (row / OH)*XIMG + ((row % OH)*sh + kh)*XROW + m0*4
            f.get(row).i32(g.OH).op(Op.i32DivU).i32(XIMG).op(Op.i32Mul);
            f.get(row).i32(g.OH).op(Op.i32RemU).i32(g.sh).op(Op.i32Mul).get(kh).op(Op.i32Add);
            f.i32(XROW).op(Op.i32Mul).op(Op.i32Add).get(xp).op(Op.i32Add).i32(r.start * 4).op(Op.i32Add);
            f.set(xrow);
            f.get(xrow).set(src);
            f.forLt(ow, 0, g.OW, 1, () => {
              copyFloats(f, src, dst, r.rows);
              f.addTo(src, XPIX).addTo(dst, r.rows * 4);
            });
            f.addTo(row, 1).br(0);
          });
        });
        for (const c of colTiles) {
          f.get(aPack);
          f.get(pixels).i32(c.start * 4).op(Op.i32Mul).get(bPack).op(Op.i32Add);
          f.get(kh).i32(M * DYPIX).op(Op.i32Mul).get(dw).op(Op.i32Add).i32((r.start * g.CO + c.start) * 4).op(Op.i32Add);
          f.get(pixels).get(first).call(tileFn(r.rows, c.cols));
        }
      }
    });
  });
  mod.add(f);
}

/**
 * The unpacked variant: each register tile sweeps the output rows of a chunk reading x and dy in
 * place (strided), for every kernel row, m tile and output-channel tile. Same signature as the
 * packed kernel (the scratch is unused).
 */
function addDirect(mod: ModuleBuilder, exportName: string, g: BackpropFilterGeometry, plan: BackpropFilterPlan): void {
  const I = ValType.i32;
  const M = g.KW * g.ci;
  const XPIX = g.sw * g.ci * 4;
  const XROW = g.Wp * g.ci * 4;
  const XIMG = g.Hp * XROW;
  const DYPIX = g.CO * 4;
  const DYROW = g.OW * DYPIX;

  // tile(xk, dyptr, dwptr, row0, nRows): xk = xp + kh*XROW + m0*4; rows row0 .. row0+nRows-1.
  const tileFns = new Map<string, number>();
  const tileFn = (rows: number, cols: Cols): number => {
    const key = `${rows}x${cols}`;
    const known = tileFns.get(key);
    if (known !== undefined) return known;
    const f = new FunctionBuilder(null, [I, I, I, I, I]);
    const [xk, dyptr, dwptr, row0, nRows] = [0, 1, 2, 3, 4];
    const tile = declareTile(f, rows, cols);
    const row = f.local(I);
    const xq = f.local(I);
    const ow = f.local(I);
    loadTile(f, tile, dwptr, DYPIX);
    f.get(row0).set(row);
    f.loop(() => {
      // xq = xk + (row / OH)*XIMG + (row % OH)*sh*XROW
      f.get(row).i32(g.OH).op(Op.i32DivU).i32(XIMG).op(Op.i32Mul);
      f.get(row).i32(g.OH).op(Op.i32RemU).i32(g.sh * XROW).op(Op.i32Mul).op(Op.i32Add);
      f.get(xk).op(Op.i32Add).set(xq);
      f.i32(g.OW).set(ow);
      f.loop(() => {
        rankOneUpdate(f, tile, xq, (i) => i * 4, dyptr, 0);
        f.addTo(xq, XPIX).addTo(dyptr, DYPIX);
        f.get(ow).i32(1).op(Op.i32Sub).tee(ow).brIf(0);
      });
      f.addTo(row, 1);
      f.get(nRows).i32(1).op(Op.i32Sub).tee(nRows).brIf(0);
    });
    storeTile(f, tile, dwptr, (i) => i * DYPIX, false);
    const index = mod.add(f);
    tileFns.set(key, index);
    return index;
  };

  const { rowTiles, colTiles } = tilesOf(M, g.CO, plan);
  for (const r of rowTiles) for (const c of colTiles) tileFn(r.rows, c.cols);

  const f = new FunctionBuilder(exportName, [I, I, I, I, I, I]);
  const [xp, dy, dw, rowsTotal] = [0, 1, 2, 3];
  const row0 = f.local(I);
  const nRows = f.local(I);
  const kh = f.local(I);
  f.forLt(row0, 0, { local: rowsTotal }, plan.chunkRows, () => {
    f.get(rowsTotal).get(row0).op(Op.i32Sub).set(nRows);
    f.i32(plan.chunkRows).get(nRows).get(nRows).i32(plan.chunkRows).op(Op.i32GtS).op(Op.select).set(nRows);
    f.forLt(kh, 0, g.KH, 1, () => {
      for (const r of rowTiles) {
        for (const c of colTiles) {
          f.get(kh).i32(XROW).op(Op.i32Mul).get(xp).op(Op.i32Add).i32(r.start * 4).op(Op.i32Add);
          f.get(row0).i32(DYROW).op(Op.i32Mul).get(dy).op(Op.i32Add).i32(c.start * 4).op(Op.i32Add);
          f.get(kh).i32(M * DYPIX).op(Op.i32Mul).get(dw).op(Op.i32Add).i32((r.start * g.CO + c.start) * 4).op(Op.i32Add);
          f.get(row0).get(nRows).call(tileFn(r.rows, c.cols));
        }
      }
    });
  });
  mod.add(f);
}

/** The output tiles of the [M, CO] product: rows in steps of plan.rows, columns as the column plan packs them. */
function tilesOf(
  M: number,
  CO: number,
  plan: BackpropFilterPlan,
): { rowTiles: { start: number; rows: number }[]; colTiles: { start: number; cols: Cols }[] } {
  const rowTiles: { start: number; rows: number }[] = [];
  for (let m0 = 0; m0 < M; m0 += plan.rows) rowTiles.push({ start: m0, rows: Math.min(plan.rows, M - m0) });
  const colTiles: { start: number; cols: Cols }[] = [];
  let start = 0;
  for (const cp of columnPlan(CO, plan.vectors)) {
    for (let k = 0; k < cp.count; k++, start += colWidth(cp.cols)) colTiles.push({ start, cols: cp.cols });
  }
  return { rowTiles, colTiles };
}
