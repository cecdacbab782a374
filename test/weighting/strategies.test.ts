import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import {
  createStrategy,
  dwaWeights,
  famoLossWeights,
  rlwDraws,
  rlwWeights,
  softmaxVjp,
  strategyNames,
  type StrategyInput,
} from '../../src/weighting/index.js';

test('the registry has every strategy of issue 6 in the same slot as VLT', (t) => {
  t.deepEqual(strategyNames(), ['vlt', 'ew', 'dwa', 'uw', 'rlw', 'gradnorm', 'famo']);
  for (const name of strategyNames()) {
    const s = createStrategy(name);
    t.true(E.isRight(s), name);
    if (E.isRight(s)) t.is(s.right.name, name);
  }
});

test('each strategy validates its own parameters', (t) => {
  const bad = (name: string, params: Record<string, string | number>, pattern: RegExp): void => {
    const s = createStrategy(name, params);
    t.true(E.isLeft(s) && pattern.test(s.left.message), `${name} ${JSON.stringify(params)}: ${E.isLeft(s) ? s.left.message : 'accepted'}`);
  };
  bad('dwa', { k: 0 }, /k must be a positive integer/);
  bad('dwa', { temperature: '0' }, /temperature must be a positive number/);
  bad('dwa', { seed: 1 }, /unknown parameter for strategy dwa \(accepted: k, temperature\)/);
  bad('rlw', { seed: -1 }, /seed must be a non-negative integer/);
  bad('rlw', { seed: 1.5 }, /seed must be a non-negative integer/);
  bad('rlw', { k: 2 }, /unknown parameter for strategy rlw/);
  bad('famo', { 'w-lr': 0 }, /w-lr must be a positive number/);
  bad('famo', { gamma: -1 }, /gamma must be a non-negative number/);
  bad('uw', { 'uw-init': 'x' }, /uw-init must be a number in \[-10, 10\]/);
  bad('gradnorm', { alpha: -0.5 }, /alpha must be a number in \[0, 10\]/);
  bad('gradnorm', { k: 3 }, /unknown parameter for strategy gradnorm/);
  const ok = createStrategy('dwa', { k: '5', temperature: '3' });
  t.true(E.isRight(ok) && ok.right.params.k === 5 && ok.right.params.temperature === 3);
  const famo = createStrategy('famo', { 'w-lr': '0.1', gamma: '0' });
  t.true(E.isRight(famo) && famo.right.params['w-lr'] === 0.1 && famo.right.params.gamma === 0);
});

test('what each strategy reads and how often', (t) => {
  const shape = (name: string) => {
    const s = createStrategy(name);
    if (E.isLeft(s)) throw new Error(s.left.message);
    return { reads: s.right.reads, cadence: s.right.cadence._tag, inGraph: s.right.inGraph !== undefined };
  };
  t.deepEqual(shape('vlt'), { reads: 'valLoss', cadence: 'window', inGraph: false });
  t.deepEqual(shape('dwa'), { reads: 'trainLoss', cadence: 'window', inGraph: false });
  t.deepEqual(shape('rlw'), { reads: 'trainLoss', cadence: 'iteration', inGraph: false });
  t.deepEqual(shape('famo'), { reads: 'trainLoss', cadence: 'iteration', inGraph: false });
  t.deepEqual(shape('uw'), { reads: 'trainLoss', cadence: 'iteration', inGraph: true });
  t.deepEqual(shape('gradnorm'), { reads: 'trainLoss', cadence: 'iteration', inGraph: true });
});

test('DWA weights sum to M, favour the task whose loss fell least, and skip undefined ratios', (t) => {
  const w = dwaWeights([1, 1, 1], [0.5, 0.9, 1.2]);
  t.true(E.isRight(w));
  if (E.isRight(w)) {
    t.true(Math.abs(w.right.reduce((a, b) => a + b, 0) - 3) < 1e-12);
    t.true(w.right[0] < w.right[1] && w.right[1] < w.right[2]);
  }
  const same = dwaWeights([2, 4], [1, 2]);
  t.deepEqual(same, E.right([1, 1]));
  t.true(E.isLeft(dwaWeights([0, 1], [1, 1])));
  t.true(E.isLeft(dwaWeights([1, 1], [NaN, 1])));
  t.true(E.isLeft(dwaWeights([1], [1, 1])));
});

test('RLW: positive weights summing to M; the draws behave like N(0, 1) and depend only on (seed, iteration)', (t) => {
  let s1 = 0;
  let s2 = 0;
  let n = 0;
  for (let i = 1; i <= 2000; i++) {
    const z = rlwDraws(9, i, 5);
    for (const x of z) {
      s1 += x;
      s2 += x * x;
      n += 1;
    }
    const w = rlwWeights(9, i, 5);
    t.true(w.every((x) => x > 0));
    t.true(Math.abs(w.reduce((a, b) => a + b, 0) - 5) < 1e-12);
  }
  const mean = s1 / n;
  const variance = s2 / n - mean * mean;
  t.true(Math.abs(mean) < 0.05, `mean ${mean}`);
  t.true(Math.abs(variance - 1) < 0.06, `variance ${variance}`);
  t.deepEqual(rlwDraws(9, 17, 5), rlwDraws(9, 17, 5));
  t.notDeepEqual(rlwDraws(9, 17, 5), rlwDraws(9, 18, 5));
  t.notDeepEqual(rlwDraws(9, 17, 5), rlwDraws(10, 17, 5));
});

test("FAMO's logit gradient is the softmax Jacobian's transpose applied to delta (checked by finite differences)", (t) => {
  const w = [0.3, -0.2, 0.9];
  const delta = [0.5, -1.0, 0.25];
  const softmax = (x: number[]): number[] => {
    const e = x.map(Math.exp);
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  const z = softmax(w);
  const d = softmaxVjp(z, delta);
  const h = 1e-6;
  for (let i = 0; i < 3; i++) {
    const plus = softmax(w.map((x, j) => (j === i ? x + h : x)));
    const minus = softmax(w.map((x, j) => (j === i ? x - h : x)));
    const numeric = plus.reduce((a, p, j) => a + ((p - minus[j]) / (2 * h)) * delta[j], 0);
    t.true(Math.abs(numeric - d[i]) < 1e-8, `d[${i}] = ${d[i]}, numeric ${numeric}`);
  }
  // Weights on log-losses: lambda_j proportional to z_j / L_j, summing to M.
  const lambda = famoLossWeights([0.25, 0.25, 0.5], [1, 0.5, 2]);
  t.true(Math.abs(lambda.reduce((a, b) => a + b, 0) - 3) < 1e-12);
  t.true(Math.abs(lambda[1] / lambda[0] - 2) < 1e-6 && Math.abs(lambda[2] / lambda[0] - 1) < 1e-6);
});

test('an in-graph strategy without its weighting (a replay) skips every update and says why', (t) => {
  for (const name of ['uw', 'gradnorm']) {
    const s = createStrategy(name);
    if (E.isLeft(s)) throw new Error(s.left.message);
    const run = s.right.start(2);
    const input: StrategyInput = { _tag: 'Iteration', iteration: 1, losses: [1, 2] };
    const d = run.update(input, [1, 1]);
    t.is(d._tag, 'Skipped');
    t.deepEqual(d.weights, [1, 1]);
    if (d._tag === 'Skipped') t.regex(d.reason, new RegExp(`${name} is trained with the network`));
  }
});
