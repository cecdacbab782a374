import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/model/index.js';
import { Rng } from '../../src/random.js';
import { createTrainer, SGD_DEFAULTS, type CombineContext, type InGraphWeighting, type Trainer } from '../../src/train/index.js';
import { SIZE, syntheticBatch, syntheticTasks as tasks } from './_synthetic.js';

test.before(async () => {
  await tf.setBackend('cpu');
});

/** Uncertainty weighting (Kendall et al.): sum_j L_j / (2 exp(s_j)) + s_j / 2, s learnable. */
const uncertainty = (m: number, opts: { wantsFeatures?: boolean; seen?: CombineContext[] } = {}): InGraphWeighting & { afterSteps: number } => {
  const s = tf.variable(tf.fill([m], -0.5), true, `uw_log_var_${Math.random().toString(36).slice(2)}`);
  const w: InGraphWeighting & { afterSteps: number } = {
    name: 'uw',
    variables: [s],
    wantsFeatures: opts.wantsFeatures ?? false,
    afterSteps: 0,
    combine(ctx) {
      opts.seen?.push(ctx);
      return tf.sum(tf.add(tf.div(ctx.losses, tf.mul(tf.exp(s), 2)), tf.div(s, 2)));
    },
    afterStep() {
      w.afterSteps += 1;
    },
    getState: () => ({ afterSteps: w.afterSteps }),
    setState(state) {
      w.afterSteps = (state as { afterSteps: number }).afterSteps;
    },
    dispose: () => s.dispose(),
  };
  return w;
};

const setup = async (weighting: InGraphWeighting): Promise<{ model: tf.LayersModel; trainer: Trainer }> => {
  const built = await buildModel({ backbone: 'small-cnn', inputShape: [SIZE, SIZE, 1], tasks, seed: 4, widthMultiplier: 0.5 });
  if (built._tag === 'Left') throw new Error(JSON.stringify(built.left));
  const trainer = createTrainer({
    model: built.right,
    tasks,
    optimizer: { ...SGD_DEFAULTS, learningRate: 0.05 },
    weighting,
  });
  if (trainer._tag === 'Left') throw new Error(JSON.stringify(trainer.left));
  return { model: built.right, trainer: trainer.right };
};

test('an in-graph weighting trains its own variables and follows the trainer state', async (t) => {
  const uw = uncertainty(3);
  const { model, trainer } = await setup(uw);
  const s0 = Array.from(uw.variables[0].dataSync());
  const rng = Rng.fromSeed(1);
  const r = await trainer.step(syntheticBatch(rng, 6), syntheticBatch(rng, 4), [1, 1, 1]);
  const s1 = Array.from(uw.variables[0].dataSync());
  // d/ds_j = -L_j / (2 exp(s_j)) + 1/2 (+ momentum 0 on the first step): s_j -= lr * that
  s1.forEach((v, j) => t.true(Math.abs(v - (s0[j] - 0.05 * (0.5 - r.trainLoss[j] / (2 * Math.exp(s0[j]))))) < 1e-5, `s[${j}] = ${v}`));
  t.is(uw.afterSteps, 1);

  const state = JSON.parse(JSON.stringify(await trainer.getState()));
  t.is(state.weighting.name, 'uw');
  t.deepEqual(state.weighting.state, { afterSteps: 1 });
  // a fresh weighting restored from the state gets the learnt variables and its own state back
  const uw2 = uncertainty(3);
  const other = await setup(uw2);
  await other.trainer.setState(state);
  t.deepEqual(Array.from(uw2.variables[0].dataSync()), s1);
  t.is(uw2.afterSteps, 1);
  for (const x of [trainer, other.trainer]) x.dispose();
  for (const x of [model, other.model]) x.dispose();
  uw.dispose();
  uw2.dispose();
});

test.serial('a weighting that wants features gets the shared features and a map from them to the losses', async (t) => {
  const seen: CombineContext[] = [];
  const diffs: number[] = [];
  const uw = uncertainty(3, { wantsFeatures: true, seen });
  const original = uw.combine.bind(uw);
  uw.combine = (ctx) => {
    if (ctx.features === undefined || ctx.lossesOfFeatures === undefined) throw new Error('no features');
    const again = ctx.lossesOfFeatures(ctx.features);
    const a = again.dataSync();
    const b = ctx.losses.dataSync();
    diffs.push(...Array.from(a, (x, i) => Math.abs(x - b[i])));
    // per-task gradient norms at the last shared layer, as GradNorm needs them
    const norms = [0, 1, 2].map((j) => tf.norm(tf.grad((f: tf.Tensor) => tf.slice(ctx.lossesOfFeatures!(f as tf.Tensor2D), [j], [1]).sum())(ctx.features!)).dataSync()[0]);
    t.true(norms.every((n) => Number.isFinite(n) && n > 0), `norms ${norms}`);
    return original(ctx);
  };
  const { model, trainer } = await setup(uw);
  const rng = Rng.fromSeed(2);
  const before = tf.memory().numTensors;
  await trainer.step(syntheticBatch(rng, 5), syntheticBatch(rng, 3), [1, 1, 1]);
  await trainer.step(syntheticBatch(rng, 5), syntheticBatch(rng, 3), [1, 1, 1]);
  t.is(seen.length, 2);
  t.deepEqual(seen[0].features?.shape, [5, 64]);
  t.is(seen[1].iteration, 1);
  t.true(diffs.length === 6 && diffs.every((d) => d < 1e-6));
  // the momentum slots appear after the first step; nothing else may accumulate
  const afterFirst = tf.memory().numTensors;
  await trainer.step(syntheticBatch(rng, 5), syntheticBatch(rng, 3), [1, 1, 1]);
  t.is(tf.memory().numTensors, afterFirst);
  t.true(afterFirst >= before);
  trainer.dispose();
  model.dispose();
  uw.dispose();
});

test.serial('a failing combination or an unused variable rejects the step without leaking tensors', async (t) => {
  const uw = uncertainty(3);
  const unused = tf.variable(tf.zeros([2]), true, `unused_${Math.random().toString(36).slice(2)}`);
  const broken: InGraphWeighting = {
    ...uw,
    name: 'broken',
    variables: [...uw.variables, unused],
    combine: (ctx) => uw.combine(ctx),
  };
  const { model, trainer } = await setup(broken);
  const rng = Rng.fromSeed(3);
  const before = tf.memory().numTensors;
  const err = await t.throwsAsync(trainer.step(syntheticBatch(rng, 4), syntheticBatch(rng, 4), [1, 1, 1]));
  t.regex(err?.message ?? '', /no gradient for unused_/);
  t.is(tf.memory().numTensors, before);
  t.is(trainer.iterations, 0);
  trainer.dispose();
  model.dispose();

  const throwing: InGraphWeighting = { ...uw, name: 'throwing', combine: () => { throw new Error('combine failed'); } };
  const second = await setup(throwing);
  const before2 = tf.memory().numTensors;
  await t.throwsAsync(second.trainer.step(syntheticBatch(rng, 4), syntheticBatch(rng, 4), [1, 1, 1]), { message: 'combine failed' });
  t.is(tf.memory().numTensors, before2);
  second.trainer.dispose();
  second.model.dispose();
  uw.dispose();
  unused.dispose();
});
