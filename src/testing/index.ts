/**
 * `awmtl/testing`: what a user needs to marble-test their own weight-update
 * logic, with no TensorFlow.js involved.
 *
 * - {@link fakeStep}: a deterministic step with the training-step contract
 *   (src/train/step.ts): each task's loss falls as the weight it was trained with
 *   accumulates, so a weighting rule visibly feeds back into the losses.
 * - {@link lossSeries}: per-iteration step results from a formula.
 * - {@link seriesMarble} / {@link expectedMarble}: the marble and values of a
 *   series fed one value per frame, and of the weight decisions a strategy must
 *   emit for it, computed by a plain loop over the strategy (no RxJS), for
 *   `expectObservable(...).toBe(marble, values)`.
 *
 * The pattern (rxjs/testing's TestScheduler, run mode):
 *
 * ```js
 * import { TestScheduler } from 'rxjs/testing';
 * import { weightUpdates } from 'awmtl/operators';
 * import { createStrategy } from 'awmtl/weighting';
 * import { lossSeries, seriesMarble, expectedMarble } from 'awmtl/testing';
 *
 * const strategy = createStrategy('vlt', { k: 2 }).right;
 * const series = lossSeries({ tasks: 3, iterations: 8, loss: (j, t) => (j + 1) / t });
 * new TestScheduler((a, b) => assert.deepStrictEqual(a, b)).run(({ cold, expectObservable }) => {
 *   const input = seriesMarble(series);
 *   const want = expectedMarble(strategy, series);
 *   expectObservable(cold(input.marble, input.values).pipe(weightUpdates(strategy, 3))).toBe(want.marble, want.values);
 * });
 * ```
 */
import type { StepRequest, StepResult } from '../train/step.js';
import type { WeightDecision, WeightingStrategy } from '../weighting/strategy.js';
import { columnMeans, ones, type Vector } from '../weighting/vector.js';
import { lossTrend } from '../weighting/vlt.js';

export interface FakeStepOptions {
  /** Each task's loss before any training (its length is the number of tasks). */
  readonly initial: Vector;
  /** How fast each task learns per unit of weight (default 0.05 for every task). */
  readonly rates?: Vector;
  /** The validation loss is the train loss times this (default 1.1: a small generalisation gap). */
  readonly gap?: number;
}

/**
 * A deterministic step: task j's loss is initial_j / (1 + rate_j * W_j), W_j the
 * sum of the weights applied to j by earlier iterations. Its state lives in the
 * returned function: make one per run.
 */
export const fakeStep = (options: FakeStepOptions): (<T, V>(request: StepRequest<T, V>) => StepResult) => {
  const m = options.initial.length;
  const rates = options.rates ?? new Array<number>(m).fill(0.05);
  const gap = options.gap ?? 1.1;
  const applied = new Array<number>(m).fill(0);
  return (request) => {
    const trainLoss = options.initial.map((l, j) => l / (1 + rates[j] * applied[j]));
    request.weights.forEach((w, j) => (applied[j] += w));
    return { trainLoss, valLoss: trainLoss.map((l) => l * gap) };
  };
};

/** Step results for iterations 1..n: loss(task, iteration) for both series (val scaled by `gap`, default 1). */
export const lossSeries = (spec: {
  readonly tasks: number;
  readonly iterations: number;
  readonly loss: (task: number, iteration: number) => number;
  readonly gap?: number;
}): StepResult[] =>
  Array.from({ length: spec.iterations }, (_, i) => {
    const trainLoss = Array.from({ length: spec.tasks }, (_, j) => spec.loss(j, i + 1));
    return { trainLoss, valLoss: trainLoss.map((l) => l * (spec.gap ?? 1)) };
  });

/** The decisions a strategy makes over a series, by a plain loop (the reference the operators must match). */
export const expectedDecisions = (strategy: WeightingStrategy, series: readonly Pick<StepResult, 'trainLoss' | 'valLoss'>[]): WeightDecision[] => {
  if (series.length === 0) return [];
  const m = series[0][strategy.reads].length;
  const run = strategy.start(m);
  let current: Vector = ones(m);
  const out: WeightDecision[] = [];
  const decide = (input: Parameters<typeof run.update>[0]): void => {
    const d = run.update(input, current);
    current = d.weights;
    out.push(d);
  };
  const cadence = strategy.cadence;
  if (cadence._tag === 'iteration') {
    series.forEach((s, i) => decide({ _tag: 'Iteration', iteration: i + 1, losses: s[strategy.reads] }));
    return out;
  }
  const k = cadence.k;
  for (let t = 2 * k; t <= series.length; t += k) {
    const pre = columnMeans(series.slice(t - 2 * k, t - k).map((s) => s[strategy.reads]));
    const cur = columnMeans(series.slice(t - k, t).map((s) => s[strategy.reads]));
    decide({ _tag: 'Window', iteration: t, k, pre, cur, trend: lossTrend(pre, cur) });
  }
  return out;
};

const SYMBOLS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A series as a cold marble, one value per frame, then completion: `{ marble: 'abcd|', values }`. */
export const seriesMarble = <T>(series: readonly T[]): { marble: string; values: Record<string, T> } => {
  if (series.length > SYMBOLS.length) throw new RangeError(`seriesMarble: at most ${SYMBOLS.length} values, got ${series.length}`);
  const values: Record<string, T> = {};
  series.forEach((v, i) => (values[SYMBOLS[i]] = v));
  return { marble: `${SYMBOLS.slice(0, series.length)}|`, values };
};

/** The marble and values of the decisions `weightUpdates(strategy)` emits for `seriesMarble(series)`. */
export const expectedMarble = (
  strategy: WeightingStrategy,
  series: readonly Pick<StepResult, 'trainLoss' | 'valLoss'>[],
): { marble: string; values: Record<string, WeightDecision> } => {
  const decisions = expectedDecisions(strategy, series);
  const frames = new Array<string>(series.length).fill('-');
  const values: Record<string, WeightDecision> = {};
  decisions.forEach((d, i) => {
    const symbol = SYMBOLS[i % SYMBOLS.length];
    frames[d.iteration - 1] = symbol;
    values[symbol] = d;
  });
  return { marble: `${frames.join('')}|`, values };
};
