/**
 * Paired differences of a strategy against a baseline (EW), with 95% confidence
 * intervals two ways:
 *
 * - over seeds: d_k = metric(strategy, seed k) - metric(baseline, seed k), a
 *   Student t interval mean(d) ± t_{0.975, n-1} sd(d) / sqrt(n). It measures
 *   the run-to-run noise (initialisation, data order). Needs n >= 2 seeds.
 * - paired bootstrap over the test images: B resamples (with replacement) of
 *   each seed's test images, the same resample for both strategies; the
 *   statistic is the seed-mean of d_k on the resample; the interval is the
 *   2.5th..97.5th percentile. It measures how much the finite test set alone
 *   could move the difference (Efron and Tibshirani; as in the paired bootstrap
 *   of Koehn 2004 for MT).
 *
 * Verdict: "better" when every available interval lies above 0, "worse" when
 * every one lies below, else "not distinguishable".
 *
 * Pure: per-image predicted labels in, figures out (metrics as the run's:
 * src/metrics accuracyPerTask, labelBased mA).
 */
import { accuracyPerTask, labelBased, meanDefined } from '../metrics/attributeMetrics.js';
import { Rng } from '../random.js';
import type { TaskSpec } from '../tasks.js';

/** One run's test predictions: predicted and true label per image and task, row-major [images, tasks]. */
export interface ImagePredictions {
  readonly ids: readonly string[];
  readonly predicted: ArrayLike<number>;
  readonly labels: ArrayLike<number>;
}

export type Metric = 'meanAccuracy' | 'mA';

export interface Interval {
  readonly low: number;
  readonly high: number;
}

export type Verdict = 'better' | 'worse' | 'not distinguishable';

export interface PairedDifference {
  readonly strategy: string;
  readonly baseline: string;
  readonly metric: Metric;
  /** Seeds paired (both runs finished). */
  readonly seeds: readonly number[];
  /** Mean over the paired seeds of metric(strategy) - metric(baseline) (fractions). */
  readonly mean: number;
  /** t interval over seeds; null with fewer than 2 seeds. */
  readonly seedInterval: Interval | null;
  /** Paired bootstrap over the test images; null without per-image predictions. */
  readonly bootstrapInterval: Interval | null;
  readonly bootstrapResamples: number;
  readonly verdict: Verdict;
}

/** t_{0.975, df} for df = 1..30; beyond, the normal 1.96 (within 2% of t from df 31). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08,
  2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export const tQuantile975 = (df: number): number => (df >= 1 && df <= 30 ? T975[df - 1] : 1.96);

/** Student t 95% interval of the mean of xs; null for fewer than 2 values. */
export const tInterval = (xs: readonly number[]): Interval | null => {
  const n = xs.length;
  if (n < 2) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const h = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  return { low: mean - h, high: mean + h };
};

/** A metric of predicted labels over a subset of the images (rows; repeats allowed). */
export const metricOf = (metric: Metric, tasks: readonly TaskSpec[], p: ImagePredictions, rows?: ArrayLike<number>): number => {
  const m = tasks.length;
  let pred: ArrayLike<number> = p.predicted;
  let labels: ArrayLike<number> = p.labels;
  if (rows !== undefined) {
    const a = new Int32Array(rows.length * m);
    const b = new Float32Array(rows.length * m);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      for (let j = 0; j < m; j++) {
        a[i * m + j] = p.predicted[r * m + j];
        b[i * m + j] = p.labels[r * m + j];
      }
    }
    pred = a;
    labels = b;
  }
  return metric === 'mA' ? labelBased(pred, labels, tasks).mA : meanDefined(accuracyPerTask(pred, labels, tasks).map((x) => x.accuracy));
};

const percentile = (sorted: Float64Array, q: number): number => {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
};

/**
 * The paired bootstrap interval of the seed-mean difference. pairs[k] holds
 * seed k's two runs, whose images must be the same in the same order.
 */
export const pairedBootstrap = (
  metric: Metric,
  tasks: readonly TaskSpec[],
  pairs: readonly { readonly strategy: ImagePredictions; readonly baseline: ImagePredictions }[],
  resamples: number,
  seed: number,
): Interval => {
  const rng = Rng.fromSeed(seed);
  const stats = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    for (const pair of pairs) {
      const n = pair.baseline.ids.length;
      const rows = new Int32Array(n);
      for (let i = 0; i < n; i++) rows[i] = Math.floor(rng.next() * n);
      sum += metricOf(metric, tasks, pair.strategy, rows) - metricOf(metric, tasks, pair.baseline, rows);
    }
    stats[b] = sum / pairs.length;
  }
  stats.sort();
  return { low: percentile(stats, 0.025), high: percentile(stats, 0.975) };
};

export const verdictOf = (intervals: readonly (Interval | null)[]): Verdict => {
  const known = intervals.filter((x): x is Interval => x !== null);
  if (known.length === 0) return 'not distinguishable';
  if (known.every((x) => x.low > 0)) return 'better';
  if (known.every((x) => x.high < 0)) return 'worse';
  return 'not distinguishable';
};

/** Checks two runs' predictions cover the same images in the same order. */
export const sameImages = (a: ImagePredictions, b: ImagePredictions): boolean =>
  a.ids.length === b.ids.length && a.ids.every((id, i) => id === b.ids[i]);

/**
 * The paired difference of one strategy against the baseline on one metric.
 * @param runs per seed: the two runs' metric values and, when saved, predictions
 */
export const pairedDifference = (input: {
  readonly strategy: string;
  readonly baseline: string;
  readonly metric: Metric;
  readonly tasks: readonly TaskSpec[];
  readonly runs: readonly {
    readonly seed: number;
    readonly strategy: number;
    readonly baseline: number;
    readonly predictions?: { readonly strategy: ImagePredictions; readonly baseline: ImagePredictions };
  }[];
  readonly resamples?: number;
  readonly bootstrapSeed?: number;
}): PairedDifference => {
  const diffs = input.runs.map((r) => r.strategy - r.baseline);
  const mean = diffs.reduce((a, b) => a + b, 0) / Math.max(1, diffs.length);
  const seedInterval = tInterval(diffs);
  const resamples = input.resamples ?? 1000;
  const withPredictions = input.runs.every((r) => r.predictions !== undefined && sameImages(r.predictions.strategy, r.predictions.baseline));
  const bootstrapInterval =
    withPredictions && input.runs.length > 0
      ? pairedBootstrap(
          input.metric,
          input.tasks,
          input.runs.map((r) => r.predictions as { strategy: ImagePredictions; baseline: ImagePredictions }),
          resamples,
          input.bootstrapSeed ?? 0,
        )
      : null;
  return {
    strategy: input.strategy,
    baseline: input.baseline,
    metric: input.metric,
    seeds: input.runs.map((r) => r.seed),
    mean,
    seedInterval,
    bootstrapInterval,
    bootstrapResamples: bootstrapInterval === null ? 0 : resamples,
    verdict: verdictOf([seedInterval, bootstrapInterval]),
  };
};

const pp = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}`;
const ci = (x: Interval | null): string => (x === null ? '–' : `[${pp(x.low)}, ${pp(x.high)}]`);

/** The Markdown section: one row per strategy and metric, and a plain sentence for each. */
export const pairedMarkdown = (rows: readonly PairedDifference[]): string => {
  if (rows.length === 0) return '';
  const baseline = rows[0].baseline;
  const lines = [
    `### Paired differences vs ${baseline} (percentage points, 95% confidence intervals)`,
    '',
    `Over seeds: Student t on the per-seed differences (needs 2+ seeds). Bootstrap: ${rows.find((r) => r.bootstrapResamples > 0)?.bootstrapResamples ?? 0} paired resamples of the test images (the same images for both runs of a seed). Verdict: better / worse when every interval excludes 0 on that side.`,
    '',
    '| strategy | metric | seeds | Δ (pp) | 95% CI over seeds | 95% CI bootstrap | verdict |',
    '|---|---|---:|---:|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.strategy} | ${r.metric === 'mA' ? 'mA' : 'mean accuracy'} | ${r.seeds.length} | ${pp(r.mean)} | ${ci(r.seedInterval)} | ${ci(r.bootstrapInterval)} | ${r.verdict} |`);
  }
  lines.push('');
  for (const r of rows) {
    const word = r.verdict === 'not distinguishable' ? `not distinguishable from ${baseline}` : `${r.verdict} than ${baseline}`;
    lines.push(`${r.strategy.toUpperCase()} on ${r.metric === 'mA' ? 'mA' : 'mean accuracy'}: ${word} (Δ ${pp(r.mean)} pp over ${r.seeds.length} seed(s)).`);
  }
  return `${lines.join('\n')}\n`;
};
