/**
 * Emission of small linear combinations of SIMD locals, sum_k c_k x_k, as the Winograd
 * transforms need (winogradMatrices.ts): coefficients of +-1 become adds and subtracts, others a
 * multiply by a splatted constant. The constants are splatted once, at the start of the
 * function (`constantPool`), so that a combination inside a branch never reads an unset local.
 */
import { type FunctionBuilder, SimdOp, ValType } from './emitter.js';

/** Locals holding splatted constants, by value. */
export type ConstantPool = ReadonlyMap<number, number>;

interface Plan {
  readonly first: readonly [number, number];
  readonly rest: readonly (readonly [number, number])[];
}

/** The order of the terms [coefficient, index] of a row: a +1 term first when there is one (no multiply). */
const planOf = (row: readonly number[]): Plan => {
  const terms = row.map((c, i) => [c, i] as const).filter(([c]) => c !== 0);
  if (terms.length === 0) throw new Error('pushCombination: a row of zeros');
  const lead = Math.max(0, terms.findIndex(([c]) => c === 1));
  return { first: terms[lead], rest: terms.filter((_, i) => i !== lead) };
};

/** Splats, at the current point of `f` (its start), every constant the rows' combinations multiply by. */
export function constantPool(f: FunctionBuilder, rows: readonly (readonly number[])[]): ConstantPool {
  const values = new Set<number>();
  for (const row of rows) {
    const { first, rest } = planOf(row);
    if (first[0] !== 1) values.add(first[0]);
    for (const [c] of rest) if (Math.abs(c) !== 1) values.add(Math.abs(c));
  }
  const pool = new Map<number, number>();
  for (const v of values) {
    const local = f.local(ValType.v128);
    f.f32x4Const(v).set(local);
    pool.set(v, local);
  }
  return pool;
}

/** Pushes sum_k row[k] * x[k] (x: v128 locals) onto the stack. */
export function pushCombination(f: FunctionBuilder, row: readonly number[], x: readonly number[], pool: ConstantPool): void {
  const constant = (v: number): number => {
    const local = pool.get(v);
    if (local === undefined) throw new Error(`pushCombination: ${v} is not in the constant pool`);
    return local;
  };
  const { first, rest } = planOf(row);
  f.get(x[first[1]]);
  if (first[0] !== 1) f.get(constant(first[0])).simd(SimdOp.f32x4Mul);
  for (const [c, i] of rest) {
    f.get(x[i]);
    if (Math.abs(c) !== 1) f.get(constant(Math.abs(c))).simd(SimdOp.f32x4Mul);
    f.simd(c > 0 ? SimdOp.f32x4Add : SimdOp.f32x4Sub);
  }
}

/** The transpose of a matrix given by rows. */
export const transposeRows = (m: readonly (readonly number[])[]): number[][] =>
  m[0].map((_, j) => m.map((row) => row[j]));

/**
 * The first pass of a two-sided transform, L X: out[i][j] = sum_l L[i][l] x[l][j], with x and
 * out row-major v128 locals of `cols` columns (x has L's column count of rows).
 */
export function leftMultiply(f: FunctionBuilder, L: readonly (readonly number[])[], x: readonly number[], cols: number, out: readonly number[], pool: ConstantPool): void {
  for (let j = 0; j < cols; j++) {
    const column = Array.from({ length: L[0].length }, (_, l) => x[l * cols + j]);
    for (let i = 0; i < L.length; i++) {
      pushCombination(f, L[i], column, pool);
      f.set(out[i * cols + j]);
    }
  }
}
