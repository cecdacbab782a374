/**
 * Register-tile building blocks shared by the generated convolution kernels.
 *
 * A tile is `rows` x `cols` accumulators. `cols` counts f32x4 vectors (4 floats each), or is the
 * string 'scalar' for a single float column (used for channel counts that are not a multiple
 * of 4). The product step is `acc[i][j] += splat(a_i) * b_j`, where the a_i are single floats at
 * constant offsets from one pointer and the b_j consecutive vectors (or one float) at another.
 */
import { type FunctionBuilder, Op, SimdOp, ValType } from './emitter.js';
import { wasmKernelVariant } from './variant.js';

export type Cols = number | 'scalar';

export interface Tile {
  readonly rows: number;
  readonly cols: Cols;
  /** acc[i][j] local indices. */
  readonly acc: number[][];
  /** Scratch locals for the b operands. */
  readonly b: number[];
  /** Scratch local for the broadcast a operand. */
  readonly a: number;
}

export const colWidth = (cols: Cols): number => (cols === 'scalar' ? 1 : cols * 4);
const colCount = (cols: Cols): number => (cols === 'scalar' ? 1 : cols);

export function declareTile(f: FunctionBuilder, rows: number, cols: Cols): Tile {
  const t = cols === 'scalar' ? ValType.f32 : ValType.v128;
  const n = colCount(cols);
  const acc = Array.from({ length: rows }, () => Array.from({ length: n }, () => f.local(t)));
  const b = Array.from({ length: n }, () => f.local(t));
  return { rows, cols, acc, b, a: f.local(t) };
}

/** acc = 0. */
export function zeroTile(f: FunctionBuilder, tile: Tile): void {
  for (const row of tile.acc) {
    for (const acc of row) {
      if (tile.cols === 'scalar') f.f32(0);
      else f.f32x4Const(0);
      f.set(acc);
    }
  }
}

/** acc[i][j] = memory[ptr + i * rowStride + j * 16]. */
export function loadTile(f: FunctionBuilder, tile: Tile, ptr: number, rowStride: number): void {
  tile.acc.forEach((row, i) =>
    row.forEach((acc, j) => {
      f.get(ptr);
      if (tile.cols === 'scalar') f.f32Load(i * rowStride);
      else f.v128Load(i * rowStride + j * 16);
      f.set(acc);
    }),
  );
}

/** memory[ptr + rowOffset(i) + j * 16] = acc[i][j], or `+=` when `accumulate`. */
export function storeTile(
  f: FunctionBuilder,
  tile: Tile,
  ptr: number,
  rowOffset: (i: number) => number,
  accumulate: boolean,
): void {
  tile.acc.forEach((row, i) =>
    row.forEach((acc, j) => {
      const offset = rowOffset(i) + (tile.cols === 'scalar' ? 0 : j * 16);
      f.get(ptr);
      if (accumulate) {
        f.get(ptr);
        if (tile.cols === 'scalar') f.f32Load(offset).get(acc).op(Op.f32Add);
        else f.v128Load(offset).get(acc).simd(SimdOp.f32x4Add);
      } else {
        f.get(acc);
      }
      if (tile.cols === 'scalar') f.f32Store(offset);
      else f.v128Store(offset);
    }),
  );
}

/**
 * One rank-1 update: b_j = memory[bPtr + bOffset + j*16]; for each row i,
 * a = splat(memory[aPtr + aOffset(i)]) (or memory[aPtr[i] + aOffset(i)] with one pointer per row); acc[i][j] += a * b_j (one `relaxed_madd` in the
 * relaxed-SIMD variant, see variant.ts).
 */
export function rankOneUpdate(
  f: FunctionBuilder,
  tile: Tile,
  aPtr: number | readonly number[],
  aOffset: (i: number) => number,
  bPtr: number,
  bOffset: number,
): void {
  const scalar = tile.cols === 'scalar';
  const fused = !scalar && wasmKernelVariant() === 'relaxed-simd';
  tile.b.forEach((b, j) => {
    f.get(bPtr);
    if (scalar) f.f32Load(bOffset);
    else f.v128Load(bOffset + j * 16);
    f.set(b);
  });
  for (let i = 0; i < tile.rows; i++) {
    f.get(typeof aPtr === 'number' ? aPtr : aPtr[i]);
    if (scalar) f.f32Load(aOffset(i));
    else f.v128Load32Splat(aOffset(i));
    f.set(tile.a);
    tile.b.forEach((b, j) => {
      const acc = tile.acc[i][j];
      if (fused) {
        f.get(tile.a).get(b).get(acc).simd(SimdOp.f32x4RelaxedMadd);
      } else {
        f.get(acc).get(tile.a).get(b);
        if (scalar) f.op(Op.f32Mul, Op.f32Add);
        else f.simd(SimdOp.f32x4Mul).simd(SimdOp.f32x4Add);
      }
      f.set(acc);
    });
  }
}

/** Splits `total` into full tiles of `size` and one remainder (if any): [[start, len], ...] runs. */
export function tileRuns(total: number, size: number): { full: number; remainder: number } {
  const full = Math.floor(total / size);
  return { full, remainder: total - full * size };
}

/** Column plan for `channels` floats: full vector tiles, then a vector remainder, then scalars. */
export function columnPlan(channels: number, vectorsPerTile: number): { count: number; cols: Cols }[] {
  const plan: { count: number; cols: Cols }[] = [];
  const width = vectorsPerTile * 4;
  const full = Math.floor(channels / width);
  if (full > 0) plan.push({ count: full, cols: vectorsPerTile });
  let rest = channels - full * width;
  const vecs = Math.floor(rest / 4);
  if (vecs > 0) plan.push({ count: 1, cols: vecs });
  rest -= vecs * 4;
  if (rest > 0) plan.push({ count: rest, cols: 'scalar' });
  return plan;
}
