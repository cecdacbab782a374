import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { map } from 'rxjs';
import { adaptWeights } from '../../operators/adaptWeights.js';
import { adaptiveTraining } from '../../operators/adaptiveTraining.js';
import { feedWeights } from '../../operators/feedWeights.js';
import { trainStep } from '../../operators/trainStep.js';
import { weightSubject } from '../../operators/weightSubject.js';
import { weightUpdates } from '../../operators/weightUpdates.js';
import type { StepRequest } from '../../src/train/step.js';
import { columnMeans, createStrategy, vltWeights, type WeightingStrategy } from '../../src/weighting/index.js';
import { marbles } from './marbles.js';

const vlt = (k: number): WeightingStrategy => {
  const s = createStrategy('vlt', { k });
  if (E.isLeft(s)) throw new Error(s.left.message);
  return s.right;
};

// Validation losses for iterations 1..8 (two tasks), chosen so every update changes the weights.
const VAL = [
  [1.0, 0.9],
  [0.9, 0.9],
  [0.7, 0.85],
  [0.6, 0.86],
  [0.5, 0.7],
  [0.45, 0.6],
  [0.44, 0.5],
  [0.43, 0.45],
];

const fakeStep = ({ iteration, weights }: StepRequest<number, number>) => ({
  trainLoss: weights.map((w) => w * iteration),
  valLoss: VAL[iteration - 1],
});

const expectedVlt = (from: number, k: number): number[] => {
  const pre = columnMeans(VAL.slice(from - 2 * k, from - k));
  const cur = columnMeans(VAL.slice(from - k, from));
  const w = vltWeights(pre, cur);
  if (E.isLeft(w)) throw new Error('unexpected skip');
  return w.right;
};

test('feedback loop: iteration t uses the weights of the last update before t (k = 2)', (t) => {
  const w4 = expectedVlt(4, 2);
  const w6 = expectedVlt(6, 2);
  const w8 = expectedVlt(8, 2);
  t.notDeepEqual(w4, w6);
  marbles(t).run(({ cold, expectObservable }) => {
    const weights = weightSubject(2);
    const pairs = cold('-p-p-p-p-p-p-p-p|', { p: [0, 0] as const });
    const used = pairs.pipe(
      trainStep(fakeStep, weights, { now: () => 0 }),
      adaptWeights(vlt(2), weights, 2),
      map((record) => record.weights),
    );
    expectObservable(used).toBe('-a-b-c-d-e-f-g-h|', {
      a: [1, 1],
      b: [1, 1],
      c: [1, 1],
      d: [1, 1],
      e: w4,
      f: w4,
      g: w6,
      h: w6,
    });
  });
  t.notDeepEqual(w8, w6);
});

test('feedback loop with slow steps and k = 3', (t) => {
  const w6 = expectedVlt(6, 3);
  marbles(t).run(({ cold, hot, expectObservable }) => {
    const weights = weightSubject(2);
    const pairs = hot('-(pppppppp)|', { p: [0, 0] as const });
    const used = pairs.pipe(
      trainStep((req) => cold('--(r|)', { r: fakeStep(req) }), weights, { now: () => 0 }),
      adaptWeights(vlt(3), weights, 2),
      map((record) => [record.iteration, ...record.weights]),
    );
    expectObservable(used).toBe('---a-b-c-d-e-f-g-(h|)', {
      a: [1, 1, 1],
      b: [2, 1, 1],
      c: [3, 1, 1],
      d: [4, 1, 1],
      e: [5, 1, 1],
      f: [6, 1, 1],
      g: [7, ...w6],
      h: [8, ...w6],
    });
  });
});

test('records that close a window carry the decision', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const weights = weightSubject(2);
    const pairs = cold('pppp|', { p: [0, 0] as const });
    const decisions = pairs.pipe(
      trainStep(fakeStep, weights, { now: () => 0 }),
      adaptWeights(vlt(2), weights, 2),
      map((record) => record.decision?._tag ?? 'none'),
    );
    expectObservable(decisions).toBe('abcd|', { a: 'none', b: 'none', c: 'none', d: 'Updated' });
  });
});

test('two subscriptions to the same pipeline never share a weight history', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const pairs = cold('pppppp|', { p: [0, 0] as const });
    // One pipeline, subscribed twice: the second subscriber starts later and sees its own history.
    const used = pairs.pipe(
      adaptiveTraining(fakeStep, vlt(2), 2, { now: () => 0 }),
      map((r) => r.weights),
    );
    const w4 = expectedVlt(4, 2);
    const firstUse = { a: [1, 1], b: w4 };
    expectObservable(used).toBe('aaaabb|', firstUse);
    expectObservable(used, '---^').toBe('---aaaabb|', firstUse);
  });
});

test('weightUpdates + feedWeights feed the subject only on updates', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const weights = weightSubject(2);
    const records = cold('abcdef|', {
      a: { trainLoss: [1, 1], valLoss: [1, 1] },
      b: { trainLoss: [1, 1], valLoss: [1, 1] },
      c: { trainLoss: [1, 1], valLoss: [1, 1] },
      d: { trainLoss: [1, 1], valLoss: [1, 1] },
      e: { trainLoss: [1, 1], valLoss: [0.5, 1] },
      f: { trainLoss: [1, 1], valLoss: [0.5, 0.5] },
    });
    const tags = records.pipe(
      weightUpdates(vlt(2), 2),
      feedWeights(weights),
      map((d) => d._tag),
    );
    expectObservable(tags).toBe('---s-u|', { s: 'Skipped', u: 'Updated' });
    expectObservable(weights).toBe('a----b', { a: [1, 1], b: expectedFromWindows([1, 1], [0.5, 0.75]) });
  });
});

const expectedFromWindows = (pre: number[], cur: number[]): number[] => {
  const w = vltWeights(pre, cur);
  if (E.isLeft(w)) throw new Error('skip');
  return w.right;
};

test('weightSubject starts at all ones or the given weights', (t) => {
  t.deepEqual(weightSubject(3).getValue(), [1, 1, 1]);
  t.deepEqual(weightSubject(2, [0.5, 1.5]).getValue(), [0.5, 1.5]);
  t.throws(() => weightSubject(2, [1]), { instanceOf: RangeError });
});

test('a resumed loop replays its history and continues exactly like an uninterrupted one', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const full = cold('pppppppp|', { p: [0, 0] as const }).pipe(adaptiveTraining(fakeStep, vlt(2), 2, { now: () => 0 }));
    // The same run interrupted after iteration 5: its first 5 records become the history.
    const history = [1, 2, 3, 4, 5].map((iteration) => {
      const weights = iteration <= 4 ? [1, 1] : expectedVlt(4, 2);
      return { iteration, weights, seconds: 0, ...fakeStep({ iteration, train: 0, val: 0, weights }) };
    });
    const resumed = cold('ppp|', { p: [0, 0] as const }).pipe(
      adaptiveTraining(fakeStep, vlt(2), 2, { now: () => 0, history, firstIteration: 6 }),
    );
    const pick = map((r: { iteration: number; weights: readonly number[] }) => [r.iteration, ...r.weights]);
    const w4 = expectedVlt(4, 2);
    const w6 = expectedVlt(6, 2);
    expectObservable(full.pipe(pick)).toBe('abcdefgh|', {
      a: [1, 1, 1], b: [2, 1, 1], c: [3, 1, 1], d: [4, 1, 1], e: [5, ...w4], f: [6, ...w4], g: [7, ...w6], h: [8, ...w6],
    });
    expectObservable(resumed.pipe(pick)).toBe('fgh|', { f: [6, ...w4], g: [7, ...w6], h: [8, ...w6] });
  });
});
