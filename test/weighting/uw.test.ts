import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import * as E from 'fp-ts/lib/Either.js';
import { lastValueFrom, of, toArray } from 'rxjs';
import { adaptiveTraining } from '../../operators/adaptiveTraining.js';
import { buildModel } from '../../src/model/index.js';
import { Rng } from '../../src/random.js';
import { withInGraphWeighting } from '../../src/train/withInGraphWeighting.js';
import { createTrainer, SGD_DEFAULTS, type InGraphWeighting } from '../../src/train/index.js';
import type { ReportingWeighting } from '../../src/weighting/inGraph.js';
import { createStrategy, type WeightingStrategy } from '../../src/weighting/index.js';
import { SIZE, syntheticBatch, syntheticTasks as tasks } from '../train/_synthetic.js';

test.before(async () => {
  await tf.setBackend('cpu');
});

const LR = 0.05;

const uwStrategy = (): WeightingStrategy => {
  const s = createStrategy('uw');
  if (E.isLeft(s)) throw new Error(s.left.message);
  return s.right;
};

const setup = async (strategy: WeightingStrategy) => {
  const built = await buildModel({ backbone: 'small-cnn', inputShape: [SIZE, SIZE, 1], tasks, seed: 4, widthMultiplier: 0.5 });
  if (E.isLeft(built)) throw new Error(JSON.stringify(built.left));
  const weighting = strategy.inGraph?.(tasks.length, tf) as ReportingWeighting & InGraphWeighting;
  const created = createTrainer({ model: built.right, tasks, optimizer: { ...SGD_DEFAULTS, momentum: 0, weightDecay: 0, learningRate: LR }, weighting });
  if (E.isLeft(created)) throw new Error(JSON.stringify(created.left));
  return { model: built.right, weighting, trainer: withInGraphWeighting(created.right, weighting) };
};

test.serial('UW weights are 1 / (2 exp(s)), start at 0.824 and move as one SGD step on s predicts', async (t) => {
  const { model, weighting, trainer } = await setup(uwStrategy());
  const s0 = -0.5;
  t.deepEqual(weighting.weightsNow(), [1, 1, 1].map(() => 1 / (2 * Math.exp(s0))));
  const rng = Rng.fromSeed(1);
  const r = await trainer.step(syntheticBatch(rng, 8), syntheticBatch(rng, 4), [1, 1, 1]);
  // The step reports the weights it applied (the ones before its update).
  t.deepEqual(r.weights, [1, 1, 1].map(() => 1 / (2 * Math.exp(s0))));
  const after = weighting.weightsNow();
  r.trainLoss.forEach((loss, j) => {
    // d/ds = 1/2 - L / (2 exp(s)); s' = s - lr (1/2 - L / (2 exp(s)))
    const s1 = s0 - LR * (0.5 - loss / (2 * Math.exp(s0)));
    t.true(Math.abs(after[j] - 1 / (2 * Math.exp(s1))) < 1e-6, `task ${j}: ${after[j]}`);
    // A task whose loss is above exp(s) becomes less certain: its weight goes down (and vice versa).
    t.is(Math.sign(after[j] - r.weights![j]), -Math.sign(loss - Math.exp(s0)));
  });
  trainer.dispose();
  model.dispose();
});

test.serial('UW in the training loop: the hardest task (4-class) ends with the lowest weight; records carry the applied weights; no leak', async (t) => {
  const strategy = uwStrategy();
  const before = tf.memory().numTensors;
  const { model, weighting, trainer } = await setup(strategy);
  const rng = Rng.fromSeed(2);
  const pairs = Array.from({ length: 12 }, () => [syntheticBatch(rng, 8), syntheticBatch(rng, 4)] as const);
  const counts: number[] = [];
  const step = async (req: { train: ReturnType<typeof syntheticBatch>; val: ReturnType<typeof syntheticBatch>; weights: readonly number[] }) => {
    const result = await trainer.step(req.train, req.val, req.weights);
    counts.push(tf.memory().numTensors);
    return result;
  };
  const records = await lastValueFrom(of(...pairs).pipe(adaptiveTraining(step, strategy, 3), toArray()));
  t.is(records.length, 12);
  for (let i = 1; i < records.length; i++) {
    // The weights recorded for iteration i + 1 are the ones decided (reported) after iteration i.
    t.deepEqual(records[i].weights, records[i - 1].decision?.weights);
  }
  const last = weighting.weightsNow();
  t.deepEqual(records[11].decision?.weights, last);
  t.true(last[2] < last[0] && last[2] < last[1], `weights ${last}`);
  t.true(last.every((w) => w < 1 / (2 * Math.exp(-0.5))), 'all three losses are above exp(-0.5) at the start: every weight fell');
  // Steady state from the second step on (SGD without momentum has no slots).
  t.true(counts.slice(1).every((c) => c === counts[1]), `tensor counts ${counts}`);
  trainer.dispose();
  model.dispose();
  t.is(tf.memory().numTensors, before, 'the wrapper disposes the weighting with the trainer');
});

test.serial('UW resumes from trainer get/setState: the next step is identical', async (t) => {
  const a = await setup(uwStrategy());
  const rng = Rng.fromSeed(3);
  for (let i = 0; i < 3; i++) await a.trainer.step(syntheticBatch(rng, 6), syntheticBatch(rng, 4), [1, 1, 1]);
  const state = JSON.parse(JSON.stringify(await a.trainer.getState()));
  t.is(state.weighting.name, 'uw');
  const b = await setup(uwStrategy());
  b.model.setWeights(a.model.getWeights());
  await b.trainer.setState(state);
  t.deepEqual(b.weighting.weightsNow(), a.weighting.weightsNow());
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
