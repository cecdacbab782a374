import { defer, filter, map, type Observable, type OperatorFunction } from 'rxjs';
import { columnMeans, lossTrend, type Vector, type WindowStats } from '../src/weighting/index.js';

/**
 * Window means and trend of a per-iteration loss series (VLT, docs/REFERENCE.md §1).
 *
 * ```
 * k = 2
 * losses: --a--b--c--d--e--f--|        one vector per iteration t = 1..6
 *         windowedTrend(2)
 * out:    -----------W4----W6-|        at t >= 2k with t % k == 0
 * ```
 * W4 = { iteration: 4, pre: mean(a, b), cur: mean(c, d), trend: |cur - pre| / cur },
 * W6 = { iteration: 6, pre: mean(c, d), cur: mean(e, f), ... }.
 *
 * Iterations are counted from 1 per subscription; state lives in the
 * subscription, so two subscribers never share a history. A vector whose
 * length differs from the first one is an error.
 *
 * @example
 * ```ts
 * steps$.pipe(map((s) => s.valLoss), windowedTrend(100))
 * ```
 * @param k Window length in iterations (a positive integer).
 * @return An operator from loss vectors to {@link WindowStats}.
 */
export const windowedTrend = (k: number): OperatorFunction<Vector, WindowStats> => {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`windowedTrend: k must be a positive integer, got ${k}`);
  return (losses$: Observable<Vector>) =>
    defer(() => {
      let iteration = 0;
      let width = -1;
      let window: Vector[] = [];
      let previous: number[] | undefined;
      let latest: number[] | undefined;
      return losses$.pipe(
        map((loss) => {
          iteration += 1;
          if (width < 0) width = loss.length;
          if (loss.length !== width) {
            throw new RangeError(`windowedTrend: iteration ${iteration} has ${loss.length} losses, expected ${width}`);
          }
          window.push(loss);
          if (window.length < k) return undefined;
          previous = latest;
          latest = columnMeans(window);
          window = [];
          if (previous === undefined) return undefined;
          const stats: WindowStats = { iteration, k, pre: previous, cur: latest, trend: lossTrend(previous, latest) };
          return stats;
        }),
        filter((stats): stats is WindowStats => stats !== undefined),
      );
    });
};
