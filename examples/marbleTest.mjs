// (b) Marble-testing a custom weight-update rule with awmtl/testing and
// rxjs/testing's TestScheduler: the operator's emissions (when and what) must
// equal the decisions of a plain loop over the same strategy.
import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';
import { weightUpdates } from 'awmtl/operators';
import { createStrategy, registerStrategy } from 'awmtl/weighting';
import { expectedMarble, lossSeries, seriesMarble } from 'awmtl/testing';

// The rule under test: the task whose validation loss fell least over the last window gets weight 2, the others share the rest.
registerStrategy({
  name: 'laggard',
  summary: 'double weight for the slowest-falling task',
  paramsHelp: { k: 'window length' },
  create: (params) => ({
    _tag: 'Right',
    right: {
      name: 'laggard',
      reads: 'valLoss',
      cadence: { _tag: 'window', k: Number(params.k ?? 2) },
      params,
      start: (tasks) => ({
        update: (input) => {
          const falls = input.cur.map((c, j) => (input.pre[j] - c) / input.pre[j]);
          const slowest = falls.indexOf(Math.min(...falls));
          const rest = (tasks - 2) / (tasks - 1);
          return { _tag: 'Updated', iteration: input.iteration, weights: falls.map((_, j) => (j === slowest ? 2 : rest)) };
        },
      }),
    },
  }),
});

const strategy = createStrategy('laggard', { k: 2 });
assert.equal(strategy._tag, 'Right');
// Task 0 falls fast, task 1 slowly, task 2 not at all.
const series = lossSeries({ tasks: 3, iterations: 8, loss: (j, t) => [1 / t, 1 / Math.sqrt(t), 1][j] });

const scheduler = new TestScheduler((actual, expected) => assert.deepStrictEqual(actual, expected));
scheduler.run(({ cold, expectObservable }) => {
  const input = seriesMarble(series);
  const want = expectedMarble(strategy.right, series);
  assert.equal(want.marble, '---a-b-c|'); // decisions at iterations 4, 6 and 8 (every k from 2k)
  expectObservable(cold(input.marble, input.values).pipe(weightUpdates(strategy.right, 3))).toBe(want.marble, want.values);
});
// And the rule itself: the flat task is the laggard.
const want = expectedMarble(strategy.right, series);
assert.deepEqual(want.values.a.weights, [0.5, 0.5, 2]);
console.log('marble test of "laggard": 3 decisions at the expected frames, weights [0.5, 0.5, 2]');
