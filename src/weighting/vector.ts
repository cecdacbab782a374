/** Small pure helpers over plain number vectors (no I/O, no tensors). */

export type Vector = readonly number[];

export const ones = (n: number): number[] => new Array<number>(n).fill(1);

export const sum = (xs: Vector): number => {
  let s = 0;
  for (const x of xs) s += x;
  return s;
};

export const mean = (xs: Vector): number => sum(xs) / xs.length;

/** Column means of a list of equally long rows. */
export const columnMeans = (rows: readonly Vector[]): number[] => {
  if (rows.length === 0) throw new RangeError('columnMeans: no rows');
  const width = rows[0].length;
  const out = new Array<number>(width).fill(0);
  for (const row of rows) {
    if (row.length !== width) throw new RangeError(`columnMeans: row of length ${row.length}, expected ${width}`);
    for (let j = 0; j < width; j++) out[j] += row[j];
  }
  for (let j = 0; j < width; j++) out[j] /= rows.length;
  return out;
};

/** Divide every entry by the vector's mean. */
export const normaliseByMean = (xs: Vector): number[] => {
  const m = mean(xs);
  return xs.map((x) => x / m);
};

/** Numerically stable softmax scaled by a factor (LibMTL style: M * softmax(x / T)). */
export const scaledSoftmax = (xs: Vector, temperature: number, scale: number): number[] => {
  const zs = xs.map((x) => x / temperature);
  const top = Math.max(...zs);
  const es = zs.map((z) => Math.exp(z - top));
  const total = sum(es);
  return es.map((e) => (scale * e) / total);
};
