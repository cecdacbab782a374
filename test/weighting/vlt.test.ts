import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { createStrategy, describeSkip, floorWeights, lossTrend, mean, vltWeights } from '../../src/weighting/index.js';

const close = (actual: readonly number[], expected: readonly number[], tolerance = 1e-12): boolean =>
  actual.length === expected.length && actual.every((a, i) => Math.abs(a - expected[i]) <= tolerance * Math.max(1, Math.abs(expected[i])));

test('worked example of REFERENCE §1: pre [1, 0.5, 0.2], cur [0.8, 0.5, 0.1] gives [2, 0, 1]', (t) => {
  const result = vltWeights([1, 0.5, 0.2], [0.8, 0.5, 0.1]);
  t.true(E.isRight(result));
  if (E.isRight(result)) t.true(close(result.right, [2, 0, 1]), JSON.stringify(result.right));
});

test('trend is |cur - pre| / cur', (t) => {
  t.true(close(lossTrend([1, 0.5, 0.2], [0.8, 0.5, 0.1]), [0.25, 0, 1]));
});

test('weights have mean 1 and follow the formula step by step', (t) => {
  const pre = [0.9, 0.7, 0.4, 0.3];
  const cur = [0.6, 0.65, 0.35, 0.1];
  const trend = cur.map((c, j) => Math.abs(c - pre[j]) / c);
  const nt = trend.map((x) => x / mean(trend));
  const nl = cur.map((x) => x / mean(cur));
  const w = nl.map((x, j) => x * nt[j]);
  const expected = w.map((x) => x / mean(w));
  const result = vltWeights(pre, cur);
  t.true(E.isRight(result) && close(result.right, expected));
  t.true(E.isRight(result) && Math.abs(mean(result.right) - 1) < 1e-12);
});

test('a zero current mean skips the update with its reason', (t) => {
  const result = vltWeights([1, 1], [0.5, 0]);
  t.deepEqual(result, E.left({ _tag: 'NonPositiveLoss', task: 1, value: 0 }));
  if (E.isLeft(result)) t.is(describeSkip(result.left), 'current mean loss of task 1 is 0 (must be > 0)');
});

test('a negative or non-finite current mean skips the update', (t) => {
  t.true(E.isLeft(vltWeights([1, 1], [-0.5, 1])));
  t.true(E.isLeft(vltWeights([1, 1], [NaN, 1])));
  t.true(E.isLeft(vltWeights([1, 1], [Infinity, 1])));
});

test('all-flat trends (mean trend 0) skip the update', (t) => {
  const result = vltWeights([0.3, 0.2], [0.3, 0.2]);
  t.deepEqual(result, E.left({ _tag: 'DegenerateTrend', meanTrend: 0 }));
  if (E.isLeft(result)) t.regex(describeSkip(result.left), /mean trend is 0/);
});

test('a non-finite previous mean gives a non-finite mean trend and skips', (t) => {
  const result = vltWeights([Infinity, 1], [0.5, 0.5]);
  t.true(E.isLeft(result) && result.left._tag === 'DegenerateTrend');
});

test('a task with an exactly flat trend gets weight 0, as in the reference', (t) => {
  const result = vltWeights([1, 0.4, 0.3], [0.5, 0.4, 0.2]);
  t.true(E.isRight(result) && result.right[1] === 0);
});

test('the minimum weight floors every weight and keeps the mean at 1', (t) => {
  const result = vltWeights([1, 0.5, 0.2], [0.8, 0.5, 0.1], { minWeight: 0.2 });
  t.true(E.isRight(result));
  if (E.isRight(result)) {
    t.true(Math.min(...result.right) >= 0.2 - 1e-12);
    t.true(Math.abs(mean(result.right) - 1) < 1e-12);
    // The floored task sits exactly at the floor; the others keep their ratio 2:1.
    t.true(Math.abs(result.right[1] - 0.2) < 1e-12);
    t.true(Math.abs(result.right[0] / result.right[2] - 2) < 1e-12);
  }
});

test('floorWeights leaves weights already above the floor untouched', (t) => {
  t.true(close(floorWeights([1.5, 0.5, 1], 0.3), [1.5, 0.5, 1]));
  t.true(close(floorWeights([3, 0, 0], 1), [1, 1, 1]));
});

test('strategy parameters are validated by the strategy', (t) => {
  t.true(E.isRight(createStrategy('vlt', { k: '3' })));
  const badK = createStrategy('vlt', { k: '0' });
  t.true(E.isLeft(badK) && /k must be a positive integer/.test(badK.left.message));
  const badMin = createStrategy('vlt', { k: 2, 'min-weight': 1.5 });
  t.true(E.isLeft(badMin) && badMin.left.param === 'min-weight');
  const unknown = createStrategy('vlt', { kk: 2 });
  t.true(E.isLeft(unknown) && /unknown parameter/.test(unknown.left.message));
  const noSuch = createStrategy('nope');
  t.true(E.isLeft(noSuch) && /known: vlt, ew/.test(noSuch.left.message));
});
