import test from 'ava';
import { pairBatches } from '../../operators/pairBatches.js';
import { marbles } from './marbles.js';

test('pairs the n-th train batch with the n-th val batch', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const train = cold('--a-----b-----c--|');
    const val = cold('----x-y----z-------w|');
    expectObservable(train.pipe(pairBatches(val))).toBe('----A---B-----C--|', {
      A: ['a', 'x'],
      B: ['b', 'y'],
      C: ['c', 'z'],
    });
  });
});

test('completes when the train stream ends first and nothing is left to pair', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const train = cold('-a-b|');
    const val = cold('--x--y--z--|');
    expectObservable(train.pipe(pairBatches(val))).toBe('--A--(B|)', { A: ['a', 'x'], B: ['b', 'y'] });
  });
});

test('completes when the val stream ends first: an unpaired train batch is never emitted', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const train = cold('-a-b-c-d-|');
    const val = cold('--x|');
    expectObservable(train.pipe(pairBatches(val))).toBe('--A|', { A: ['a', 'x'] });
  });
});

test('errors from either side pass through', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const train = cold('-a-b-|');
    const val = cold('--x-#', undefined, new Error('bad image'));
    expectObservable(train.pipe(pairBatches(val))).toBe('--A-#', { A: ['a', 'x'] }, new Error('bad image'));
  });
});
