import test from 'ava';
import { trainStep } from '../../operators/trainStep.js';
import { weightSubject } from '../../operators/weightSubject.js';
import type { StepRequest } from '../../src/train/step.js';
import { marbles } from './marbles.js';

/** A pure deterministic fake step: losses are functions of the batch values and the weights. */
const fakeStep = ({ train, val, weights }: StepRequest<number, number>) => ({
  trainLoss: weights.map((w, j) => train * (j + 1) * w),
  valLoss: weights.map((_, j) => val / (j + 1)),
});

test('runs one step per pair and emits plain-number records', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const pairs = cold('-a--b|', { a: [1, 10] as const, b: [2, 20] as const });
    const out = pairs.pipe(trainStep(fakeStep, weightSubject(2), { now: () => 0 }));
    expectObservable(out).toBe('-x--y|', {
      x: { iteration: 1, trainLoss: [1, 2], valLoss: [10, 5], weights: [1, 1], seconds: 0 },
      y: { iteration: 2, trainLoss: [2, 4], valLoss: [20, 10], weights: [1, 1], seconds: 0 },
    });
  });
});

test('iterations run one at a time: a slow step queues the next pair', (t) => {
  marbles(t).run(({ cold, hot, expectObservable }) => {
    const pairs = hot('-a-b-c---|', { a: [1, 1] as const, b: [2, 2] as const, c: [3, 3] as const });
    let clock = 0;
    const out = pairs.pipe(
      trainStep(
        (req: StepRequest<number, number>) => cold('---(r|)', { r: fakeStep(req) }),
        weightSubject(1),
        { now: () => clock++ },
      ),
    );
    // Each step takes 3 frames and starts when the previous one has finished.
    expectObservable(out.pipe()).toBe('----x--y--(z|)', {
      x: { iteration: 1, trainLoss: [1], valLoss: [1], weights: [1], seconds: 0.001 },
      y: { iteration: 2, trainLoss: [2], valLoss: [2], weights: [1], seconds: 0.001 },
      z: { iteration: 3, trainLoss: [3], valLoss: [3], weights: [1], seconds: 0.001 },
    });
  });
});

test('reads the weights in force when the iteration starts', (t) => {
  marbles(t).run(({ cold, hot, expectObservable }) => {
    const weights = weightSubject(2);
    const pairs = cold('-a---b|', { a: [1, 1] as const, b: [1, 1] as const });
    // Feed new weights between the two iterations through scheduled work, not direct next().
    hot('---w', { w: [3, 0.5] }).subscribe(weights);
    const out = pairs.pipe(trainStep(fakeStep, weights, { now: () => 0 }));
    expectObservable(out).toBe('-x---y|', {
      x: { iteration: 1, trainLoss: [1, 2], valLoss: [1, 0.5], weights: [1, 1], seconds: 0 },
      y: { iteration: 2, trainLoss: [3, 1], valLoss: [1, 0.5], weights: [3, 0.5], seconds: 0 },
    });
  });
});

test('a failing step errors the stream', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const pairs = cold('-a|', { a: [1, 1] as const });
    const out = pairs.pipe(
      trainStep(
        () => {
          throw new Error('NaN loss');
        },
        weightSubject(1),
      ),
    );
    expectObservable(out).toBe('-#', undefined, new Error('NaN loss'));
  });
});

test('firstIteration numbers a resumed run', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const pairs = cold('a|', { a: [1, 1] as const });
    expectObservable(pairs.pipe(trainStep(fakeStep, weightSubject(1), { firstIteration: 41, now: () => 0 }))).toBe('a|', {
      a: { iteration: 41, trainLoss: [1], valLoss: [1], weights: [1], seconds: 0 },
    });
  });
});

test('a step returning a promise is awaited', async (t) => {
  const { firstValueFrom, of } = await import('rxjs');
  const record = await firstValueFrom(
    of([2, 4] as const).pipe(trainStep(async (req: StepRequest<number, number>) => fakeStep(req), weightSubject(1))),
  );
  t.deepEqual(record.trainLoss, [2]);
  t.deepEqual(record.valLoss, [4]);
  t.true(record.seconds >= 0);
});

test('a step that applies its own weights reports them in the record', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    const pairs = cold('a|', { a: [1, 1] as const });
    const own = (req: StepRequest<number, number>) => ({ ...fakeStep(req), weights: [0.25, 1.75] });
    expectObservable(pairs.pipe(trainStep(own, weightSubject(2), { now: () => 0 }))).toBe('a|', {
      a: { iteration: 1, trainLoss: [1, 2], valLoss: [1, 0.5], weights: [0.25, 1.75], seconds: 0 },
    });
  });
});
