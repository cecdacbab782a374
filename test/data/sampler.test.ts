import test from 'ava';
import { epochSampler, flipMask, replacementSampler, valSampler } from '../../src/data/sampler.js';

test('an epoch visits every sample exactly once; the last batch may be short', (t) => {
  const s = epochSampler(10, 4, 1);
  t.is(s.batchesPerEpoch, 3);
  const seen = [...s.indices(1), ...s.indices(2), ...s.indices(3)];
  t.is(s.indices(3).length, 2);
  t.deepEqual(seen.slice().sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  t.is(s.epochOf(3), 0);
  t.is(s.epochOf(4), 1);
});

test('each epoch is reshuffled, and a seed reproduces the order', (t) => {
  const a = epochSampler(50, 50, 7);
  const b = epochSampler(50, 50, 7);
  t.deepEqual(Array.from(a.indices(1)), Array.from(b.indices(1)));
  t.notDeepEqual(Array.from(a.indices(1)), Array.from(a.indices(2)));
  t.notDeepEqual(Array.from(a.indices(1)), Array.from(epochSampler(50, 50, 8).indices(1)));
});

test('batches are a pure function of the iteration (resume and prefetch safe)', (t) => {
  const a = epochSampler(100, 8, 3);
  const forward = [5, 6, 30, 31].map((i) => Array.from(a.indices(i)));
  const b = epochSampler(100, 8, 3);
  const backward = [31, 30, 6, 5].map((i) => Array.from(b.indices(i))).reverse();
  t.deepEqual(backward, forward);
});

test('replacement draws stay in range and differ per iteration', (t) => {
  const s = replacementSampler(20, 16, 5);
  const x = Array.from(s.indices(1));
  t.true(x.every((i) => i >= 0 && i < 20));
  t.notDeepEqual(x, Array.from(s.indices(2)));
  // With replacement a batch of 16 from 20 almost surely repeats some sample; over many draws certainly.
  let repeats = 0;
  for (let it = 1; it <= 20; it++) {
    const ids = Array.from(s.indices(it));
    if (new Set(ids).size < ids.length) repeats += 1;
  }
  t.true(repeats > 10);
});

test('valSampler picks the draw mode', (t) => {
  const r = valSampler(30, 10, 1, 'reshuffle');
  const seen = new Set([...r.indices(1), ...r.indices(2), ...r.indices(3)]);
  t.is(seen.size, 30);
});

test('flip masks are seeded coin flips', (t) => {
  t.deepEqual(flipMask(1, 5, 64), flipMask(1, 5, 64));
  t.notDeepEqual(flipMask(1, 5, 64), flipMask(1, 6, 64));
  let ones = 0;
  for (let it = 1; it <= 100; it++) ones += flipMask(9, it, 100).reduce((a, b) => a + b, 0);
  t.true(Math.abs(ones / 10_000 - 0.5) < 0.02);
});
