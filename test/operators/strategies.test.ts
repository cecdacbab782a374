/**
 * Marble specs of the loss-only strategies (EW, DWA, RLW, FAMO) through
 * weightUpdates: the series they read, their cadence, and exact weights against
 * formulas transcribed here by hand from REFERENCE §2 (not from the sources).
 */
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { adaptiveTraining } from '../../operators/adaptiveTraining.js';
import { weightUpdates } from '../../operators/weightUpdates.js';
import type { StepRequest } from '../../src/train/step.js';
import { deriveSeed, Rng, streamTag } from '../../src/random.js';
import { createStrategy, type WeightDecision, type WeightingStrategy } from '../../src/weighting/index.js';
import { marbles } from './marbles.js';

const strategy = (name: string, params = {}): WeightingStrategy => {
  const s = createStrategy(name, params);
  if (E.isLeft(s)) throw new Error(s.left.message);
  return s.right;
};

const updated = (iteration: number, weights: number[]): WeightDecision => ({ _tag: 'Updated', iteration, weights });

// Train losses of iterations 1..6 for two tasks; the validation losses are different on purpose.
const TRAIN = [
  [1.0, 2.0],
  [0.8, 2.0],
  [0.5, 1.9],
  [0.3, 1.9],
  [0.3, 1.0],
  [0.2, 0.8],
];
const steps = Object.fromEntries(TRAIN.map((l, i) => [String.fromCharCode(97 + i), { trainLoss: l, valLoss: [9, 9 + i] }]));

test('DWA at k = 2: M softmax((cur / pre) / 2) of the train-loss window means at t = 4 and 6', (t) => {
  // t = 4: pre = mean(it 1, 2) = [0.9, 2.0], cur = mean(it 3, 4) = [0.4, 1.9]
  //        r = [0.4 / 0.9, 0.95]; lambda_j = 2 e^{r_j/2} / (e^{r_1/2} + e^{r_2/2})
  const r4 = [0.4 / 0.9, 1.9 / 2.0];
  // t = 6: pre = [0.4, 1.9], cur = [0.25, 0.9]
  const r6 = [0.25 / 0.4, 0.9 / 1.9];
  const dwa = (r: number[]): number[] => {
    const e = r.map((x) => Math.exp(x / 2));
    return e.map((x) => (2 * x) / (e[0] + e[1]));
  };
  // A hand value: with r4, lambda_1 = 2 / (1 + e^{(r_2 - r_1)/2}).
  t.true(Math.abs(dwa(r4)[0] - 2 / (1 + Math.exp((1.9 / 2 - 0.4 / 0.9) / 2))) < 1e-15);
  marbles(t).run(({ cold, expectObservable }) => {
    const in$ = cold('abcdef|', steps);
    expectObservable(in$.pipe(weightUpdates(strategy('dwa', { k: 2 }), 2))).toBe('---x-y|', {
      x: updated(4, dwa(r4)),
      y: updated(6, dwa(r6)),
    });
  });
});

test('DWA with T = 1 and k = 3 updates first at t = 6; a zero previous mean skips and keeps the weights', (t) => {
  const losses = [[1, 1], [1, 1], [1, 1], [2, 1], [2, 1], [2, 1], [0, 1], [0, 1], [0, 1], [1, 1], [1, 1], [1, 1]];
  const m = Object.fromEntries(losses.map((l, i) => [String.fromCharCode(97 + i), { trainLoss: l, valLoss: [1, 1] }]));
  // t = 6: r = [2, 1], lambda = 2 softmax(r) = 2 [e^2, e] / (e^2 + e)
  const w6 = [(2 * Math.E ** 2) / (Math.E ** 2 + Math.E), (2 * Math.E) / (Math.E ** 2 + Math.E)];
  // t = 9: r = [0 / 2, 1] -> lambda = 2 [1, e] / (1 + e); t = 12: pre_1 = 0 -> skipped
  const w9 = [2 / (1 + Math.E), (2 * Math.E) / (1 + Math.E)];
  marbles(t).run(({ cold, expectObservable }) => {
    expectObservable(cold('abcdefghijkl|', m).pipe(weightUpdates(strategy('dwa', { k: 3, temperature: 1 }), 2))).toBe('-----x--y--z|', {
      x: updated(6, w6),
      y: updated(9, w9),
      z: { _tag: 'Skipped', iteration: 12, weights: w9, reason: 'previous mean loss of task 0 is 0 (must be a positive finite number)' },
    });
  });
});

test('EW reads the train losses at its reporting cadence and always answers ones', (t) => {
  marbles(t).run(({ cold, expectObservable }) => {
    expectObservable(cold('abcdef|', steps).pipe(weightUpdates(strategy('ew', { k: 2 }), 2))).toBe('---x-y|', {
      x: updated(4, [1, 1]),
      y: updated(6, [1, 1]),
    });
  });
});

/** z ~ N(0, 1) by Box-Muller from the counter-based stream of (seed, iteration), transcribed independently. */
const normals = (seed: number, iteration: number, m: number): number[] => {
  const rng = Rng.fromSeed(deriveSeed(seed, streamTag('rlw'), iteration));
  const out: number[] = [];
  for (let j = 0; j < m; j++) {
    let u = 0;
    while (u === 0) u = rng.next();
    const v = rng.next();
    out.push(Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  }
  return out;
};

test('RLW decides every iteration: after iteration t, M softmax(z) with z drawn from (seed, t + 1)', (t) => {
  const expected = (i: number): number[] => {
    const e = normals(11, i + 1, 2).map(Math.exp);
    return e.map((x) => (2 * x) / (e[0] + e[1]));
  };
  marbles(t).run(({ cold, expectObservable }) => {
    expectObservable(cold('a-b-c|', steps).pipe(weightUpdates(strategy('rlw', { seed: 11 }), 2))).toBe('a-b-c|', {
      a: updated(1, expected(1)),
      b: updated(2, expected(2)),
      c: updated(3, expected(3)),
    });
  });
});

test('RLW weights do not depend on the losses, and another seed gives other weights', (t) => {
  const other = { a: { trainLoss: [5, 0.1], valLoss: [0, 0] }, b: { trainLoss: [0.2, 7], valLoss: [1, 1] } };
  const first: WeightDecision[] = [];
  const second: WeightDecision[] = [];
  const third: WeightDecision[] = [];
  marbles(t).run(({ cold }) => {
    cold('ab|', steps).pipe(weightUpdates(strategy('rlw', { seed: 3 }), 2)).subscribe((d) => first.push(d));
    cold('ab|', other).pipe(weightUpdates(strategy('rlw', { seed: 3 }), 2)).subscribe((d) => second.push(d));
    cold('ab|', steps).pipe(weightUpdates(strategy('rlw', { seed: 4 }), 2)).subscribe((d) => third.push(d));
  });
  t.is(first.length, 2);
  t.deepEqual(second, first);
  t.notDeepEqual(third.map((d) => d.weights), first.map((d) => d.weights));
});

/** FAMO by hand for two tasks: Adam (torch) on w with d_i = z_i (delta_i - z . delta), weights on log-losses at the latest losses. */
const famoOracle = (losses: number[][], lr: number, gamma: number): number[][] => {
  const eps = 1e-8;
  let w = [0, 0];
  let m = [0, 0];
  let v = [0, 0];
  const out: number[][] = [];
  for (let t = 0; t < losses.length; t++) {
    if (t > 0) {
      const e = w.map(Math.exp);
      const z = e.map((x) => x / (e[0] + e[1]));
      const delta = [0, 1].map((j) => Math.log(losses[t - 1][j] + eps) - Math.log(losses[t][j] + eps));
      const zd = z[0] * delta[0] + z[1] * delta[1];
      const g = [0, 1].map((j) => z[j] * (delta[j] - zd) + gamma * w[j]);
      m = [0, 1].map((j) => 0.9 * m[j] + 0.1 * g[j]);
      v = [0, 1].map((j) => 0.999 * v[j] + 0.001 * g[j] * g[j]);
      w = [0, 1].map((j) => w[j] - (lr * (m[j] / (1 - 0.9 ** t))) / (Math.sqrt(v[j] / (1 - 0.999 ** t)) + 1e-8));
    }
    const e = w.map(Math.exp);
    const z = e.map((x) => x / (e[0] + e[1]));
    const q = [0, 1].map((j) => z[j] / (losses[t][j] + eps));
    out.push(q.map((x) => (2 * x) / (q[0] + q[1])));
  }
  return out;
};

test('FAMO: one decision per iteration from consecutive train losses, as transcribed by hand', (t) => {
  const want = famoOracle(TRAIN, 0.025, 1e-3);
  // First decision: w = 0, so lambda_j = 2 (1 / L_j) / (1 / L_1 + 1 / L_2) at iteration 1's losses [1, 2].
  t.true(Math.abs(want[0][0] - 4 / 3) < 1e-8 && Math.abs(want[0][1] - 2 / 3) < 1e-8);
  marbles(t).run(({ cold, expectObservable }) => {
    expectObservable(cold('abcdef|', steps).pipe(weightUpdates(strategy('famo'), 2))).toBe('abcdef|', {
      a: updated(1, want[0]),
      b: updated(2, want[1]),
      c: updated(3, want[2]),
      d: updated(4, want[3]),
      e: updated(5, want[4]),
      f: updated(6, want[5]),
    });
  });
});

test('FAMO: the first Adam step moves each logit by about -w_lr sign(d)', (t) => {
  // Task 1 improves (1.0 -> 0.5), task 2 does not (2 -> 2): delta = [log 2, 0], z = [1/2, 1/2],
  // d = [log2/4, -log2/4]; w = -lr d / |d| = [-lr, +lr]; then lambda at losses [0.5, 2].
  const lr = 0.1;
  const w = [-lr, lr];
  const z = w.map((x) => Math.exp(x) / (Math.exp(w[0]) + Math.exp(w[1])));
  const q = [z[0] / 0.5, z[1] / 2];
  const lambda = q.map((x) => (2 * x) / (q[0] + q[1]));
  const input = { a: { trainLoss: [1, 2], valLoss: [0, 0] }, b: { trainLoss: [0.5, 2], valLoss: [0, 0] } };
  const got: WeightDecision[] = [];
  marbles(t).run(({ cold }) => {
    cold('ab|', input).pipe(weightUpdates(strategy('famo', { 'w-lr': lr, gamma: 0 }), 2)).subscribe((d) => got.push(d));
  });
  t.is(got.length, 2);
  got[1].weights.forEach((x, j) => t.true(Math.abs(x - lambda[j]) < 1e-6, `lambda[${j}] = ${x}, expected ${lambda[j]}`));
});

test('FAMO skips an iteration with a zero loss, keeps the weights and restarts its differences after it', (t) => {
  const input = {
    a: { trainLoss: [1, 2], valLoss: [0, 0] },
    b: { trainLoss: [0, 2], valLoss: [0, 0] },
    c: { trainLoss: [0.5, 1], valLoss: [0, 0] },
  };
  // After the skip there is no previous loss: c is decided like a first iteration (w still 0).
  const first = famoOracle([[1, 2]], 0.025, 1e-3)[0];
  const restart = famoOracle([[0.5, 1]], 0.025, 1e-3)[0];
  marbles(t).run(({ cold, expectObservable }) => {
    expectObservable(cold('abc|', input).pipe(weightUpdates(strategy('famo'), 2))).toBe('abc|', {
      a: updated(1, first),
      b: { _tag: 'Skipped', iteration: 2, weights: first, reason: 'train loss of task 0 is 0 (must be a positive finite number)' },
      c: updated(3, restart),
    });
  });
});

test('in the training loop, RLW iteration t + 1 uses the weights drawn after iteration t (iteration 1 uses ones)', (t) => {
  const fake = (_: StepRequest<number, number>) => ({ trainLoss: [1, 1], valLoss: [1, 1] });
  const expected = (i: number): number[] => {
    const e = normals(5, i, 2).map(Math.exp);
    return e.map((x) => (2 * x) / (e[0] + e[1]));
  };
  marbles(t).run(({ cold, expectObservable }) => {
    const pairs = cold('a-b-c|', { a: [1, 1] as const, b: [2, 2] as const, c: [3, 3] as const });
    const used = pairs.pipe(adaptiveTraining(fake, strategy('rlw', { seed: 5 }), 2, { now: () => 0 }));
    expectObservable(used).toBe('a-b-c|', {
      a: { iteration: 1, trainLoss: [1, 1], valLoss: [1, 1], weights: [1, 1], seconds: 0, decision: updated(1, expected(2)) },
      b: { iteration: 2, trainLoss: [1, 1], valLoss: [1, 1], weights: expected(2), seconds: 0, decision: updated(2, expected(3)) },
      c: { iteration: 3, trainLoss: [1, 1], valLoss: [1, 1], weights: expected(3), seconds: 0, decision: updated(3, expected(4)) },
    });
  });
});
