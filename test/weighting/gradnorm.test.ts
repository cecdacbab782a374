import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import * as E from 'fp-ts/lib/Either.js';
import { buildModel } from '../../src/model/index.js';
import { Rng } from '../../src/random.js';
import { createGradNorm, inverseTrainingRates, type GradNormWeighting } from '../../src/weighting/gradnorm.js';
import { withInGraphWeighting } from '../../src/train/withInGraphWeighting.js';
import { createTrainer, SGD_DEFAULTS, type CombineContext } from '../../src/train/index.js';
import { createStrategy } from '../../src/weighting/index.js';
import { SIZE, syntheticBatch, syntheticTasks as tasks } from '../train/_synthetic.js';

test.before(async () => {
  await tf.setBackend('cpu');
});

/**
 * Two tasks on fixed features F [4, 2] with L_j = c_j . (sum of F's rows) * scale_j: dL_j/dF has every row
 * equal to scale_j c_j, so g_j = ||dL_j/dF|| = 2 scale_j |c_j| (4 rows).
 */
const linearContext = (scale: readonly number[]) => {
  const features = tf.tensor2d([0.5, 1, 0.2, 0.3, 0.1, 0.4, 0.3, 0.2], [4, 2]);
  const c = tf.tensor2d([3, 4, 1, 0], [2, 2]); // c_0 = (3, 4), |c_0| = 5; c_1 = (1, 0), |c_1| = 1
  const s = tf.tensor1d(scale as number[]);
  const lossesOfFeatures = (f: tf.Tensor2D): tf.Tensor1D => tf.mul(tf.sum(tf.mul(tf.sum(f, 0, true), c), 1), s) as tf.Tensor1D;
  const norms = [2 * scale[0] * 5, 2 * scale[1] * 1];
  return { features, lossesOfFeatures, norms, dispose: () => tf.dispose([features, c, s]) };
};

test.serial('GradNorm at the start: per-task norms at the features, and the logit gradient lowers the task with the larger norm', (t) => {
  const gn = createGradNorm(tf, 2, 1.5);
  const lin = linearContext([1, 1]);
  const result = tf.tidy(() => {
    const losses = lin.lossesOfFeatures(lin.features);
    const ctx: CombineContext = { losses, weights: tf.ones([2]) as tf.Tensor1D, iteration: 0, features: lin.features, lossesOfFeatures: lin.lossesOfFeatures };
    const { value, grads } = tf.variableGrads(() => gn.combine(ctx), [gn.variables[0]]);
    return { value: value.dataSync()[0], grad: Array.from(grads[gn.variables[0].name].dataSync()), losses: Array.from(losses.dataSync()) };
  });
  const [g0, g1] = lin.norms; // 10 and 2
  t.deepEqual(gn.lastGradNorms()?.map((x) => Number(x.toFixed(4))), [g0, g1]);
  t.deepEqual(gn.initialLosses(), result.losses.map((x) => Math.fround(x)));
  // r = 1 on the first step: target = mean(lambda g) = 6; L_grad = |10 - 6| + |2 - 6| = 8, plus sum(L) (lambda = 1)
  t.true(Math.abs(result.value - (result.losses[0] + result.losses[1] + 8)) < 1e-4, `value ${result.value}`);
  // d L_grad / d lambda = [g0, -g1]; d lambda / d a = M (diag z - z z^T) = [[.5, -.5], [-.5, .5]] at a = 0
  t.true(Math.abs(result.grad[0] - (g0 + g1) / 2) < 1e-4 && Math.abs(result.grad[1] + (g0 + g1) / 2) < 1e-4, `grad ${result.grad}`);
  lin.dispose();
  gn.dispose();
});

test.serial('GradNorm targets follow the relative inverse training rate to the power alpha', (t) => {
  t.deepEqual(inverseTrainingRates([1, 1], [2, 1]), [2 / 3, 4 / 3]);
  t.deepEqual(inverseTrainingRates([1, 5], [1, undefined]), [1, 1]);
  const gn = createGradNorm(tf, 2, 2);
  const first = linearContext([1, 1]);
  const second = linearContext([0.5, 1]); // task 0's loss halves: it trains faster, r_0 < 1
  const run = (lin: ReturnType<typeof linearContext>) =>
    tf.tidy(() => {
      const losses = lin.lossesOfFeatures(lin.features);
      const ctx: CombineContext = { losses, weights: tf.ones([2]) as tf.Tensor1D, iteration: 0, features: lin.features, lossesOfFeatures: lin.lossesOfFeatures };
      return { value: gn.combine(ctx).dataSync()[0], losses: Array.from(losses.dataSync()) };
    });
  const a = run(first);
  const b = run(second);
  // L(0) = a.losses; q = b / a = [0.5, 1] -> r = [2/3, 4/3]; norms [5, 2]; Gbar = 3.5; targets 3.5 r^2
  const r = [2 / 3, 4 / 3];
  const want = b.losses[0] + b.losses[1] + Math.abs(5 - 3.5 * r[0] ** 2) + Math.abs(2 - 3.5 * r[1] ** 2);
  t.true(Math.abs(b.value - want) < 1e-4, `value ${b.value}, expected ${want}`);
  t.true(Math.abs(a.losses[0] / b.losses[0] - 2) < 1e-6);
  first.dispose();
  second.dispose();
  gn.dispose();
});

const setup = async (weighting: GradNormWeighting) => {
  const built = await buildModel({ backbone: 'small-cnn', inputShape: [SIZE, SIZE, 1], tasks, seed: 4, widthMultiplier: 0.5 });
  if (E.isLeft(built)) throw new Error(JSON.stringify(built.left));
  const created = createTrainer({ model: built.right, tasks, optimizer: { ...SGD_DEFAULTS, momentum: 0, weightDecay: 0, learningRate: 0.05 }, weighting });
  if (E.isLeft(created)) throw new Error(JSON.stringify(created.left));
  return { model: built.right, weighting, trainer: withInGraphWeighting(created.right, weighting) };
};

const fromStrategy = (): GradNormWeighting => {
  const s = createStrategy('gradnorm');
  if (E.isLeft(s)) throw new Error(s.left.message);
  return s.right.inGraph?.(tasks.length, tf) as GradNormWeighting;
};

test.serial('GradNorm on a tiny net: weights sum to M, the task with the largest gradient norm loses weight, nothing leaks', async (t) => {
  const before = tf.memory().numTensors;
  const { model, weighting, trainer } = await setup(fromStrategy());
  const rng = Rng.fromSeed(5);
  const counts: number[] = [];
  let firstNorms: number[] | undefined;
  let afterFirst: number[] | undefined;
  for (let i = 0; i < 5; i++) {
    const r = await trainer.step(syntheticBatch(rng, 8), syntheticBatch(rng, 4), [1, 1, 1]);
    t.is(r.weights?.length, 3);
    if (i === 0) {
      t.deepEqual(r.weights, [1, 1, 1]);
      firstNorms = weighting.lastGradNorms();
      afterFirst = weighting.weightsNow();
    }
    const w = weighting.weightsNow();
    t.true(Math.abs(w.reduce((a, b) => a + b, 0) - 3) < 1e-5, `sum ${w}`);
    counts.push(tf.memory().numTensors);
  }
  t.truthy(firstNorms);
  t.true(firstNorms!.every((n) => n > 0 && Number.isFinite(n)), `norms ${firstNorms}`);
  const top = firstNorms!.indexOf(Math.max(...firstNorms!));
  t.true(afterFirst![top] < 1, `norms ${firstNorms}, weights after the first step ${afterFirst}`);
  t.true(counts.every((c) => c === counts[0]), `tensor counts ${counts}`);
  trainer.dispose();
  model.dispose();
  t.is(tf.memory().numTensors, before);
});

test.serial('GradNorm resumes from trainer get/setState: logits, L(0) and the next step are identical', async (t) => {
  const a = await setup(fromStrategy());
  const rng = Rng.fromSeed(6);
  for (let i = 0; i < 3; i++) await a.trainer.step(syntheticBatch(rng, 6), syntheticBatch(rng, 4), [1, 1, 1]);
  const state = JSON.parse(JSON.stringify(await a.trainer.getState()));
  t.is(state.weighting.name, 'gradnorm');
  const b = await setup(fromStrategy());
  b.model.setWeights(a.model.getWeights());
  await b.trainer.setState(state);
  t.deepEqual(b.weighting.weightsNow(), a.weighting.weightsNow());
  t.deepEqual(b.weighting.initialLosses(), a.weighting.initialLosses());
  t.notDeepEqual(a.weighting.weightsNow(), [1, 1, 1]);
  const train = syntheticBatch(rng, 6);
  const val = syntheticBatch(rng, 4);
  const ra = await a.trainer.step(train, val, [1, 1, 1]);
  const rb = await b.trainer.step(train, val, [1, 1, 1]);
  t.deepEqual(rb, { ...ra, seconds: rb.seconds });
  t.deepEqual(b.weighting.weightsNow(), a.weighting.weightsNow());
  for (const x of [a, b]) {
    x.trainer.dispose();
    x.model.dispose();
  }
});
