/**
 * The transform matrices of Winograd's minimal filtering F(m, 3) (Lavin and Gray, "Fast
 * Algorithms for Convolutional Neural Networks", 2016), for output tiles of m = 2, 3 or 4: with
 * alpha = m + 2 interpolation points (0, 1, -1, 2, -2 as needed, and infinity),
 *
 *   y = A^T [(G g) . (B^T d)]
 *
 * is the correlation y[i] = sum_k g[k] d[i + k] of a 3-tap filter g with an alpha-sample input d,
 * and the 2-D tile is Y = A^T [(G g G^T) . (B^T d B)] A. A^T and G follow from the points (G's
 * rows scaled by 1 / prod_l (p_j - p_l)); B^T is then the one matrix that makes the identity
 * hold, solved here in double precision and snapped to the small rationals it consists of.
 * Pure math, no tfjs: the generators (addWinogradInput.ts, addWinogradFilter.ts,
 * addWinogradOutput.ts) emit these coefficients as SIMD code.
 */

/** An output tile size Winograd is generated for. */
export type WinogradTile = 2 | 3 | 4;

export interface WinogradMatrices {
  readonly m: WinogradTile;
  /** Input tile size m + 2: alpha * alpha planes. */
  readonly alpha: number;
  /** B^T, alpha x alpha. */
  readonly BT: readonly (readonly number[])[];
  /** G, alpha x 3. */
  readonly G: readonly (readonly number[])[];
  /** A^T, m x alpha. */
  readonly AT: readonly (readonly number[])[];
}

const POINTS = [0, 1, -1, 2, -2];

/** Snaps x to a nearby p / q with q in 1..48 (the matrices' entries), else returns x. */
const snap = (x: number): number => {
  for (let q = 1; q <= 48; q++) {
    const p = Math.round(x * q);
    if (Math.abs(x - p / q) < 1e-9) return p / q + 0; // + 0: no -0
  }
  return x;
};

/** Solves the square system a x = b by Gaussian elimination with partial pivoting (a, b copied). */
const solve = (a: readonly (readonly number[])[], b: readonly number[]): number[] => {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c || m[r][c] === 0) continue;
      const k = m[r][c] / m[c][c];
      for (let j = c; j <= n; j++) m[r][j] -= k * m[c][j];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
};

const cache = new Map<WinogradTile, WinogradMatrices>();

/** The matrices of F(m, 3). */
export function winogradMatrices(m: WinogradTile): WinogradMatrices {
  const hit = cache.get(m);
  if (hit !== undefined) return hit;
  const r = 3;
  const alpha = m + r - 1;
  const pts = POINTS.slice(0, alpha - 1);
  const AT = Array.from({ length: m }, (_, i) => [...pts.map((p) => p ** i), i === m - 1 ? 1 : 0]);
  const G = [
    ...pts.map((p, j) => {
      const f = pts.reduce((acc, q, l) => (l === j ? acc : acc * (p - q)), 1);
      return Array.from({ length: r }, (_, k) => snap(p ** k / f));
    }),
    Array.from({ length: r }, (_, k) => (k === r - 1 ? 1 : 0)),
  ];
  // For each input sample l, B^T[., l] solves sum_j AT[i][j] G[j][k] x_j = [l == i + k] over
  // all (i, k): m * 3 equations in alpha unknowns, consistent; the normal equations are square.
  const rows: number[][] = [];
  for (let i = 0; i < m; i++) for (let k = 0; k < r; k++) rows.push(Array.from({ length: alpha }, (_, j) => AT[i][j] * G[j][k]));
  const normal = Array.from({ length: alpha }, (_, a) => Array.from({ length: alpha }, (_, b) => rows.reduce((s, row) => s + row[a] * row[b], 0)));
  const BT = Array.from({ length: alpha }, () => new Array<number>(alpha).fill(0));
  for (let l = 0; l < alpha; l++) {
    const rhs: number[] = [];
    for (let i = 0; i < m; i++) for (let k = 0; k < r; k++) rhs.push(l === i + k ? 1 : 0);
    const x = solve(normal, Array.from({ length: alpha }, (_, a) => rows.reduce((s, row, e) => s + row[a] * rhs[e], 0)));
    for (let j = 0; j < alpha; j++) BT[j][l] = snap(x[j]);
  }
  const result: WinogradMatrices = { m, alpha, BT, G, AT };
  cache.set(m, result);
  return result;
}

/** Multiplies of F(m x m, 3x3) per channel pair and image for an OH x OW output: whole tiles * alpha^2. */
export const tileMultiplies = (OH: number, OW: number, m: WinogradTile): number => Math.ceil(OH / m) * Math.ceil(OW / m) * (m + 2) ** 2;

/**
 * The output tile (2, 3 or 4) with the fewest multiplies for an OH x OW output, counting whole
 * tiles (an output that is not a multiple of m computes the overhang too), and that count
 * (`tileMultiplies`); ties go to the smaller tile (cheaper transforms, smaller errors).
 */
export function bestWinogradTile(OH: number, OW: number, tiles: readonly WinogradTile[] = [2, 3, 4]): { readonly m: WinogradTile; readonly multiplies: number } {
  let best: { m: WinogradTile; multiplies: number } | undefined;
  for (const m of tiles) {
    const multiplies = tileMultiplies(OH, OW, m);
    if (best === undefined || multiplies < best.multiplies) best = { m, multiplies };
  }
  if (best === undefined) throw new Error('bestWinogradTile: no tile size given');
  return best;
}
