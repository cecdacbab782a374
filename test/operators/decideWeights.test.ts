import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { decideWeights } from '../../operators/decideWeights.js';
import { createStrategy, type StrategyInput, type WeightingStrategy } from '../../src/weighting/index.js';
import { marbles } from './marbles.js';

const strategy = (name: string, params = {}): WeightingStrategy => {
  const s = createStrategy(name, params);
  if (E.isLeft(s)) throw new Error(s.left.message);
  return s.right;
};

const window = (iteration: number, pre: number[], cur: number[]): StrategyInput => ({
  _tag: 'Window',
  iteration,
  k: 2,
  pre,
  cur,
  trend: cur.map((c, j) => Math.abs(c - pre[j]) / c),
});

test('VLT gives the exact weights of the worked example', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const input = cold('-a|', { a: window(4, [1, 0.5, 0.2], [0.8, 0.5, 0.1]) });
    const out = input.pipe(decideWeights(strategy('vlt', { k: 2 }), 3));
    expectObservable(out).toBe('-u|', { u: { _tag: 'Updated', iteration: 4, weights: [2, 0, 1] } });
  });
});

test('a skipped update keeps the weights in force and says why', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const input = cold('-a-b-c|', {
      a: window(4, [1, 0.5, 0.2], [0.8, 0.5, 0.1]),
      b: window(6, [0.8, 0.5, 0.1], [0.8, 0.5, 0]),
      c: window(8, [0.3, 0.2, 0.1], [0.3, 0.2, 0.1]),
    });
    expectObservable(input.pipe(decideWeights(strategy('vlt', { k: 2 }), 3))).toBe('-u-s-z|', {
      u: { _tag: 'Updated', iteration: 4, weights: [2, 0, 1] },
      s: { _tag: 'Skipped', iteration: 6, reason: 'current mean loss of task 2 is 0 (must be > 0)', weights: [2, 0, 1] },
      z: { _tag: 'Skipped', iteration: 8, reason: 'mean trend is 0 (all tasks flat)', weights: [2, 0, 1] },
    });
  });
});

test('a skip before any update keeps all ones', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const input = cold('a|', { a: window(4, [1, 1], [1, 1]) });
    expectObservable(input.pipe(decideWeights(strategy('vlt', { k: 2 }), 2))).toBe('s|', {
      s: { _tag: 'Skipped', iteration: 4, reason: 'mean trend is 0 (all tasks flat)', weights: [1, 1] },
    });
  });
});

test('EW always answers all ones', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const input = cold('ab|', { a: window(4, [1, 0.5], [0.8, 0.5]), b: window(6, [0.8, 0.5], [0.1, 0.4]) });
    expectObservable(input.pipe(decideWeights(strategy('ew', { k: 2 }), 2))).toBe('xy|', {
      x: { _tag: 'Updated', iteration: 4, weights: [1, 1] },
      y: { _tag: 'Updated', iteration: 6, weights: [1, 1] },
    });
  });
});
