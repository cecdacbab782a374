import test from 'ava';
import { pullBatches } from '../../operators/pullBatches.js';
import { marbles } from './marbles.js';

test('makes one batch per demand, only when asked, one at a time', (t) => {
  marbles(t).run(({ hot, cold, expectObservable, expectSubscriptions }) => {
    const demand = hot('--d-------d--d----|');
    const batch = cold('--(b|)');
    const out = demand.pipe(pullBatches(() => batch));
    expectObservable(out).toBe('----b-------b--b--|');
    // Each batch source is subscribed only when its demand arrives.
    expectSubscriptions(batch.subscriptions).toBe(['--^-!', '----------^-!', '-------------^-!']);
  });
});

test('nothing is produced before the first demand', (t) => {
  let made = 0;
  marbles(t).run(({ hot, expectObservable }) => {
    const demand = hot('-----|');
    expectObservable(
      demand.pipe(
        pullBatches(() => {
          made += 1;
          return [made];
        }),
      ),
    ).toBe('-----|');
  });
  t.is(made, 0);
});

test('a slow batch delays the next one: demands queue, batches do not pile up', (t) => {
  marbles(t).run(({ hot, cold, expectObservable }) => {
    const demand = hot('-(ddd)----|');
    let n = 0;
    const out = demand.pipe(pullBatches(() => cold('---(x|)', { x: ++n })));
    expectObservable(out).toBe('----a--b--(c|)', { a: 1, b: 2, c: 3 });
  });
});
