import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { checkSchedule, learningRateAt, type LearningRateSchedule } from '../../src/train/schedule.js';

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));

test('constant: the base rate at every iteration', (t) => {
  for (const it of [1, 50, 100]) t.is(learningRateAt({ name: 'constant' }, 1e-3, it, 100), 1e-3);
});

test('cosine: base at the first iteration, base * final at the last, half-way in the middle, monotone', (t) => {
  const s: LearningRateSchedule = { name: 'cosine', warmup: 0, finalFraction: 0.01 };
  t.true(close(learningRateAt(s, 1, 1, 101), 1));
  t.true(close(learningRateAt(s, 1, 101, 101), 0.01));
  t.true(close(learningRateAt(s, 1, 51, 101), 0.505));
  let prev = Infinity;
  for (let it = 1; it <= 101; it++) {
    const lr = learningRateAt(s, 1, it, 101);
    t.true(lr <= prev, `iteration ${it}`);
    prev = lr;
  }
});

test('cosine with warm-up: linear to the base over the warm-up, then the cosine from the base', (t) => {
  const s: LearningRateSchedule = { name: 'cosine', warmup: 10, finalFraction: 0 };
  t.true(close(learningRateAt(s, 2, 1, 110), 0.2));
  t.true(close(learningRateAt(s, 2, 5, 110), 1));
  t.true(close(learningRateAt(s, 2, 10, 110), 2));
  t.true(close(learningRateAt(s, 2, 11, 110), 2));
  t.true(close(learningRateAt(s, 2, 110, 110), 0));
});

test('step: multiplied by gamma every `every` iterations', (t) => {
  const s: LearningRateSchedule = { name: 'step', every: 10, gamma: 0.5 };
  t.is(learningRateAt(s, 1, 10, 100), 1);
  t.is(learningRateAt(s, 1, 11, 100), 0.5);
  t.is(learningRateAt(s, 1, 31, 100), 0.125);
});

test('bad schedules are refused with the field path', (t) => {
  const cases: [LearningRateSchedule, RegExp][] = [
    [{ name: 'cosine', warmup: 100, finalFraction: 0 }, /lrSchedule\.warmup/],
    [{ name: 'cosine', warmup: 0, finalFraction: 2 }, /lrSchedule\.finalFraction/],
    [{ name: 'step', every: 0, gamma: 0.1 }, /lrSchedule\.every/],
    [{ name: 'step', every: 5, gamma: 0 }, /lrSchedule\.gamma/],
    [{ name: 'linear' } as unknown as LearningRateSchedule, /lrSchedule\.name.*constant, cosine, step/],
  ];
  for (const [s, re] of cases) {
    const r = checkSchedule(s, 100);
    t.true(E.isLeft(r), JSON.stringify(s));
    if (E.isLeft(r)) t.regex(`${r.left.field}: ${r.left.message}`, re);
  }
  t.true(E.isRight(checkSchedule({ name: 'cosine', warmup: 99, finalFraction: 0 }, 100)));
});
