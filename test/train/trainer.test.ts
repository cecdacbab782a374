import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, loadModel, saveModel } from '../../src/model/index.js';
import { Rng } from '../../src/random.js';
import { binaryTask } from '../../src/tasks.js';
import {
  ADAM_DEFAULTS,
  createTrainer,
  SGD_DEFAULTS,
  TrainerInputError,
  type OptimizerConfig,
  type StepResult,
  type Trainer,
  type TrainerOptions,
} from '../../src/train/index.js';
import { mean, SIZE, syntheticBatch, syntheticTasks as tasks } from './_synthetic.js';

let root = '';

test.before(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'awmtl-train-'));
});

test.after.always(async () => {
  await rm(root, { recursive: true, force: true });
});

const must = <A>(e: { _tag: 'Left'; left: unknown } | { _tag: 'Right'; right: A }): A => {
  if (e._tag === 'Left') throw new Error(`unexpected Left: ${JSON.stringify(e.left)}`);
  return e.right;
};

const sgd: OptimizerConfig = { ...SGD_DEFAULTS, learningRate: 0.05 };
const adam: OptimizerConfig = { ...ADAM_DEFAULTS, learningRate: 0.01 };

type Net = 'small' | 'resnet';

const model = async (net: Net, seed = 1): Promise<tf.LayersModel> =>
  must(
    await buildModel(
      net === 'small'
        ? { backbone: 'small-cnn', inputShape: [SIZE, SIZE, 1], tasks, seed, widthMultiplier: 0.5 }
        : { backbone: 'resnet18', inputShape: [SIZE, SIZE, 1], tasks, seed, widthMultiplier: 0.0625 },
    ),
  );

const trainer = (m: tf.LayersModel, extra: Partial<TrainerOptions> = {}): Trainer =>
  must(createTrainer({ model: m, tasks, loss: 'bce', optimizer: sgd, ...extra }));

const weightValues = (m: tf.LayersModel): Float32Array[] => m.getWeights().map((w) => w.dataSync() as Float32Array);

test.serial('a step leaks no tensors; dispose releases the optimiser state', async (t) => {
  for (const optimizer of [sgd, adam]) {
    const m = await model('resnet');
    const before = tf.memory().numTensors;
    const tr = trainer(m, { optimizer });
    const rng = Rng.fromSeed(1);
    await tr.step(syntheticBatch(rng, 4), syntheticBatch(rng, 4), [1, 1, 1]);
    const after = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await tr.step(syntheticBatch(rng, 4), syntheticBatch(rng, 4), [1, 0.5, 2]);
    await tr.evaluate(syntheticBatch(rng, 3));
    await tr.predict(syntheticBatch(rng, 2));
    await tr.setState(JSON.parse(JSON.stringify(await tr.getState())));
    t.is(tf.memory().numTensors, after, `${optimizer.name}: tensors grew`);
    tr.dispose();
    t.is(tf.memory().numTensors, before, `${optimizer.name}: optimiser state not released`);
    m.dispose();
  }
});

test('the trainer learns a tiny problem: validation loss falls', async (t) => {
  const m = await model('small', 2);
  const tr = trainer(m, { optimizer: adam });
  const rng = Rng.fromSeed(42);
  const val = syntheticBatch(Rng.fromSeed(7), 64, 0);
  const start = await tr.evaluate(val);
  let last: StepResult | undefined;
  for (let i = 0; i < 25; i++) last = await tr.step(syntheticBatch(rng, 16), syntheticBatch(rng, 8), [1, 1, 1]);
  const end = await tr.evaluate(val);
  t.log(`val loss ${start.loss.map((x) => x.toFixed(3))} -> ${end.loss.map((x) => x.toFixed(3))}`);
  t.true(mean(end.loss) < 0.5 * mean(start.loss), `mean val loss ${mean(start.loss)} -> ${mean(end.loss)}`);
  for (let j = 0; j < 3; j++) t.true(end.loss[j] < start.loss[j], `task ${j}`);
  t.is(tr.iterations, 25);
  t.true(last !== undefined && last.seconds !== undefined && last.seconds > 0);
  tr.dispose();
  m.dispose();
});

test('step returns per-task losses; valLoss equals evaluate on the updated model', async (t) => {
  const m = await model('resnet');
  const tr = trainer(m);
  const rng = Rng.fromSeed(3);
  const train = syntheticBatch(rng, 6);
  const val = syntheticBatch(rng, 5);
  const before = await tr.evaluate(train);
  const r = await tr.step(train, val, [1, 1, 1]);
  t.is(r.trainLoss.length, 3);
  t.is(r.valLoss.length, 3);
  t.true([...r.trainLoss, ...r.valLoss].every((x) => Number.isFinite(x) && x > 0));
  // batch-norm in training mode: the train losses differ from the inference-mode ones
  t.notDeepEqual(r.trainLoss, before.loss);
  t.deepEqual(r.valLoss, (await tr.evaluate(val)).loss);
  tr.dispose();
  m.dispose();
});

test('evaluate and predict agree with losses computed from the logits by hand', async (t) => {
  const m = await model('small');
  for (const loss of ['bce', 'mse'] as const) {
    const tr = trainer(m, { loss });
    const batch = syntheticBatch(Rng.fromSeed(5), 7, 0.3);
    const { loss: got, logits } = await tr.evaluate(batch);
    t.deepEqual(await tr.predict(batch), logits);
    const width = 6;
    const sums = [0, 0, 0];
    const counts = [0, 0, 0];
    for (let n = 0; n < batch.size; n++) {
      const z = logits.subarray(n * width, (n + 1) * width);
      for (let j = 0; j < 2; j++) {
        const y = batch.labels[n * 3 + j];
        if (y === -1) continue;
        sums[j] += loss === 'bce' ? Math.log1p(Math.exp(z[j])) - z[j] * y : (z[j] - (2 * y - 1)) ** 2;
        counts[j]++;
      }
      const q = batch.labels[n * 3 + 2];
      if (q !== -1) {
        const c = Array.from(z.subarray(2, 6));
        sums[2] += Math.log(c.reduce((a, x) => a + Math.exp(x), 0)) - c[q];
        counts[2]++;
      }
    }
    const want = sums.map((s, j) => s / counts[j]);
    want.forEach((w, j) => t.true(Math.abs(got[j] - w) < 1e-5, `${loss} task ${j}: ${got[j]} vs ${w}`));
    tr.dispose();
  }
  m.dispose();
});

test('the step minimises the weighted sum: a task with weight 0 leaves its head untouched', async (t) => {
  const m = await model('small');
  const tr = trainer(m, { optimizer: { ...SGD_DEFAULTS, learningRate: 0.1, momentum: 0, weightDecay: 0 } });
  const head = m.getLayer('awmtl_logits');
  const [k0, b0] = head.getWeights().map((w) => w.arraySync() as number[][] | number[]);
  const rng = Rng.fromSeed(9);
  await tr.step(syntheticBatch(rng, 8, 0), syntheticBatch(rng, 4), [1, 0, 0]);
  const [k1, b1] = head.getWeights().map((w) => w.arraySync() as number[][] | number[]);
  const column = (k: number[][], j: number): number[] => k.map((row) => row[j]);
  t.notDeepEqual(column(k1 as number[][], 0), column(k0 as number[][], 0));
  for (let j = 1; j < 6; j++) t.deepEqual(column(k1 as number[][], j), column(k0 as number[][], j), `column ${j}`);
  t.deepEqual((b1 as number[]).slice(1), (b0 as number[]).slice(1));
  tr.dispose();
  m.dispose();
});

test('weight decay is L2 added to the gradient', async (t) => {
  // with zero gradient (weights 0 for every task), plain SGD with decay shrinks w by lr * wd * w
  const m = await model('small');
  const tr = trainer(m, { optimizer: { ...SGD_DEFAULTS, learningRate: 0.5, momentum: 0, weightDecay: 0.1 } });
  const before = weightValues(m);
  const rng = Rng.fromSeed(4);
  await tr.step(syntheticBatch(rng, 4), syntheticBatch(rng, 4), [0, 0, 0]);
  const after = weightValues(m);
  before.forEach((w, i) => w.forEach((x, k) => t.true(Math.abs(after[i][k] - x * 0.95) < 1e-6, `weight ${i}[${k}]`)));
  tr.dispose();
  m.dispose();
});

const movingStats = (m: tf.LayersModel): Float32Array[] => m.nonTrainableWeights.map((w) => w.read().dataSync() as Float32Array);

test('batch-norm: moving statistics update in train mode, stay put when frozen', async (t) => {
  for (const mode of ['train', 'frozen'] as const) {
    const m = await model('resnet');
    const tr = trainer(m, { batchNorm: mode });
    const before = movingStats(m);
    const rng = Rng.fromSeed(6);
    const r = await tr.step(syntheticBatch(rng, 4), syntheticBatch(rng, 4), [1, 1, 1]);
    if (mode === 'train') t.notDeepEqual(movingStats(m), before);
    else t.deepEqual(movingStats(m), before);
    t.true(r.trainLoss.every(Number.isFinite));
    tr.dispose();
    m.dispose();
  }
});

test('setLearningRate scales the next update', async (t) => {
  for (const optimizer of [{ ...SGD_DEFAULTS, learningRate: 0.01, momentum: 0, weightDecay: 0 }, adam] as OptimizerConfig[]) {
    const deltas: number[] = [];
    for (const factor of [1, 2]) {
      const m = await model('small', 3);
      const tr = trainer(m, { optimizer });
      if (factor !== 1) tr.setLearningRate(optimizer.learningRate * factor);
      const before = weightValues(m);
      const rng = Rng.fromSeed(8);
      await tr.step(syntheticBatch(rng, 8), syntheticBatch(rng, 4), [1, 1, 1]);
      const after = weightValues(m);
      deltas.push(after.reduce((a, w, i) => a + w.reduce((s, x, k) => s + Math.abs(x - before[i][k]), 0), 0));
      t.is(tr.optimizerConfig.learningRate, optimizer.learningRate * factor);
      tr.dispose();
      m.dispose();
    }
    t.true(Math.abs(deltas[1] / deltas[0] - 2) < 1e-3, `${optimizer.name}: ratio ${deltas[1] / deltas[0]}`);
  }
  const m = await model('small');
  const tr = trainer(m);
  t.throws(() => tr.setLearningRate(0), { instanceOf: TrainerInputError });
  tr.dispose();
  m.dispose();
});

const runSteps = async (tr: Trainer, seed: number, from: number, to: number): Promise<StepResult[]> => {
  const out: StepResult[] = [];
  for (let i = from; i < to; i++) {
    const rng = Rng.fromSeed(seed * 1000 + i);
    const r = await tr.step(syntheticBatch(rng, 6), syntheticBatch(rng, 4), [1, 0.5 + i / 4, 1.5]);
    out.push({ trainLoss: r.trainLoss, valLoss: r.valLoss });
  }
  return out;
};

for (const [net, optimizer] of [
  ['small', sgd],
  ['resnet', adam],
  ['resnet', sgd],
] as [Net, OptimizerConfig][]) {
  test(`resume from a checkpoint reproduces the uninterrupted run exactly (${net}, ${optimizer.name})`, async (t) => {
    const mA = await model(net, 5);
    const trA = trainer(mA, { optimizer });
    const straight = await runSteps(trA, 1, 0, 5);

    const mB = await model(net, 5);
    const trB = trainer(mB, { optimizer });
    const firstPart = await runSteps(trB, 1, 0, 3);
    t.deepEqual(firstPart, straight.slice(0, 3));
    const dir = join(root, `resume-${net}-${optimizer.name}`);
    must(await saveModel(mB, dir, { backbone: net, inputShape: [SIZE, SIZE, 1], tasks }));
    const state = JSON.parse(JSON.stringify(await trB.getState()));
    t.is(state.iterations, 3);
    trB.dispose();
    mB.dispose();

    const { model: mC } = must(await loadModel(dir));
    const trC = trainer(mC, { optimizer: { ...optimizer, learningRate: 123 } }); // the state's config wins
    await trC.setState(state);
    t.is(trC.iterations, 3);
    t.deepEqual(trC.optimizerConfig, optimizer);
    const rest = await runSteps(trC, 1, 3, 5);
    t.deepEqual(rest, straight.slice(3));
    t.deepEqual(weightValues(mC), weightValues(mA));
    [trA, trC].forEach((x) => x.dispose());
    [mA, mC].forEach((x) => x.dispose());
  });
}

test('setState rejects a state from another architecture or a corrupt one', async (t) => {
  const small = await model('small');
  const resnet = await model('resnet');
  const trS = trainer(small);
  const trR = trainer(resnet);
  const rng = Rng.fromSeed(2);
  await trS.step(syntheticBatch(rng, 4), syntheticBatch(rng, 4), [1, 1, 1]);
  const state = await trS.getState();
  const err = await t.throwsAsync(trR.setState(state), { instanceOf: TrainerInputError });
  t.regex(err?.message ?? '', /trainer state: saved for \d+ variables/);
  const corrupt = { ...state, slots: state.slots.map((s, i) => (i === 2 ? { ...s, data: s.data.slice(8) } : s)) };
  const err2 = await t.throwsAsync(trS.setState(corrupt), { instanceOf: TrainerInputError });
  t.regex(err2?.message ?? '', /slots\[2\]\.data/);
  const err3 = await t.throwsAsync(trS.setState({ ...state, optimizer: { name: 'sgd', learningRate: -1 } }), { instanceOf: TrainerInputError });
  t.regex(err3?.message ?? '', /optimizer\.learningRate/);
  // a rejected state leaves the trainer usable
  const r = await trS.step(syntheticBatch(rng, 4), syntheticBatch(rng, 4), [1, 1, 1]);
  t.true(r.trainLoss.every(Number.isFinite));
  [trS, trR].forEach((x) => x.dispose());
  [small, resnet].forEach((x) => x.dispose());
});

test('bad batches, labels and weights are rejected with TrainerInputError', async (t) => {
  const m = await model('small');
  const tr = trainer(m);
  const rng = Rng.fromSeed(1);
  const good = syntheticBatch(rng, 4);
  const cases: [Promise<unknown>, RegExp][] = [
    [tr.step(good, good, [1, 1]), /weights: 2 weights for 3 tasks/],
    [tr.step(good, good, [1, NaN, 1]), /weights: not all finite/],
    [tr.step({ ...good, height: 16, images: new Float32Array(4 * 16 * 8) }, good, [1, 1, 1]), /train batch: images 16x8x1/],
    [tr.step(good, { ...good, images: good.images.subarray(1) }, [1, 1, 1]), /val batch: images hold 255 values/],
    [tr.step(good, { ...good, labels: Float32Array.from([1, 1, 4, ...good.labels.subarray(3)]) }, [1, 1, 1]), /val batch: row 0, task 'quadrant': label 4/],
    [tr.evaluate({ ...good, tasks: 2 }), /evaluate batch: 2 label columns/],
  ];
  for (const [p, re] of cases) {
    const err = await t.throwsAsync(p as Promise<unknown>, { instanceOf: TrainerInputError });
    t.regex(err?.message ?? '', re);
  }
  t.is(tr.iterations, 0);
  tr.dispose();
  m.dispose();
});

test('createTrainer validates its configuration', async (t) => {
  const m = await model('small');
  const bad = createTrainer({ model: m, tasks, optimizer: { ...SGD_DEFAULTS, momentum: 1 } });
  t.true(isLeft(bad) && bad.left._tag === 'BadOptimizerConfig' && bad.left.field === 'optimizer.momentum');
  const wrongTasks = createTrainer({ model: m, tasks: [binaryTask('a')], optimizer: sgd });
  t.true(isLeft(wrongTasks) && wrongTasks.left._tag === 'BadTrainerOption' && /logits \[N, 1\].*outputs \[N, 6\]/.test((wrongTasks.left as { message: string }).message));
  const badLoss = createTrainer({ model: m, tasks, optimizer: sgd, loss: 'hinge' as 'bce' });
  t.true(isLeft(badLoss) && badLoss.left._tag === 'BadTrainerOption');
  m.dispose();
});
