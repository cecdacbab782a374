import test from 'ava';
import { map } from 'rxjs';
import { windowedTrend } from '../../operators/windowedTrend.js';
import { marbles } from './marbles.js';

const v = (x: number): number[] => [x, 2 * x];

test('k = 2: first emission at iteration 4 (2k), then every 2, none before', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const losses = cold('abcdefgh|', { a: v(1), b: v(2), c: v(3), d: v(4), e: v(5), f: v(6), g: v(7), h: v(8) });
    const iterations = losses.pipe(
      windowedTrend(2),
      map((w) => w.iteration),
    );
    expectObservable(iterations).toBe('---x-y-z|', { x: 4, y: 6, z: 8 });
  });
});

test('k = 3: first emission at iteration 6, then at 9, none before', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const values: Record<string, number[]> = {};
    const letters = 'abcdefghij';
    for (let i = 0; i < letters.length; i++) values[letters[i]] = v(i + 1);
    const losses = cold('abcdefghij|', values);
    expectObservable(losses.pipe(windowedTrend(3), map((w) => w.iteration))).toBe('-----x--y-|', { x: 6, y: 9 });
  });
});

test('emits the previous and current window means and the trend', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    // k = 2: pre = mean(a, b) = [1, 0.5, 0.25], cur = mean(c, d) = [0.75, 0.5, 0.125] (exact in binary)
    const losses = cold('abcd|', {
      a: [1.5, 0.25, 0.375],
      b: [0.5, 0.75, 0.125],
      c: [0.5, 0.5, 0.1875],
      d: [1.0, 0.5, 0.0625],
    });
    expectObservable(losses.pipe(windowedTrend(2))).toBe('---w|', {
      w: { iteration: 4, k: 2, pre: [1, 0.5, 0.25], cur: [0.75, 0.5, 0.125], trend: [0.25 / 0.75, 0, 1] },
    });
  });
});

test('a loss vector of another length is an error naming the iteration', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const losses = cold('ab|', { a: [1, 2], b: [1] });
    expectObservable(losses.pipe(windowedTrend(2))).toBe(
      '-#',
      undefined,
      new RangeError('windowedTrend: iteration 2 has 1 losses, expected 2'),
    );
  });
});

test('two subscriptions keep separate histories', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const losses = cold('abcd|', { a: [1], b: [1], c: [2], d: [2] });
    const trend = losses.pipe(
      windowedTrend(1),
      map((w) => w.iteration),
    );
    // The second subscriber starts later but counts its own iterations from 1.
    expectObservable(trend).toBe('-bcd|', { b: 2, c: 3, d: 4 });
    expectObservable(trend, '--^').toBe('---bcd|', { b: 2, c: 3, d: 4 });
  });
});

test('k must be a positive integer', (t) => {
  t.throws(() => windowedTrend(0), { instanceOf: RangeError });
  t.throws(() => windowedTrend(1.5), { instanceOf: RangeError });
});
