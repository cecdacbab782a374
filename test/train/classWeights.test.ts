import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { buildModel } from '../../src/model/index.js';
import { binaryTask, MISSING_LABEL, multiClassTask } from '../../src/tasks.js';
import { balancedClassWeights, countLabels } from '../../src/train/classWeights.js';
import { taskLosses } from '../../src/train/losses.js';
import { ADAM_DEFAULTS } from '../../src/train/optimizers.js';
import { createTrainer } from '../../src/train/trainer.js';

test.before(async () => {
  await tf.setBackend('cpu');
});

const softplus = (z: number): number => Math.log1p(Math.exp(z));
const lse = (xs: readonly number[]): number => Math.log(xs.reduce((a, x) => a + Math.exp(x), 0));

const tasks = [binaryTask('a'), multiClassTask('col', ['r', 'g', 'b']), binaryTask('b')];
// width 1 + 3 + 1 = 5
const logits = [
  [1.5, 0.2, -0.3, 1.1, -2],
  [-0.7, 2, 0, -1, 0.4],
  [0.3, -0.5, 0.5, 0.25, 1.2],
  [2.2, 1, 1, 1, -0.1],
];
const labels = [
  [1, 0, 0],
  [0, 2, MISSING_LABEL],
  [0, MISSING_LABEL, 1],
  [MISSING_LABEL, 2, 0],
];

test('countLabels counts per class, skipping missing labels; the weights follow DeepMAR and 1/(C p)', (t) => {
  const split = { size: labels.length, labelsInto: (i: number, out: Float32Array, o: number) => out.set(labels[i], o) };
  const counts = countLabels(tasks, split);
  t.deepEqual(counts, [[2, 1], [1, 0, 2], [2, 1]]);
  const w = balancedClassWeights(tasks, counts);
  const r = 1 / 3;
  t.true(Math.abs(w[0][0] - Math.exp(r)) < 1e-12 && Math.abs(w[0][1] - Math.exp(1 - r)) < 1e-12);
  // col: p = 1/3, 0 (floored at 1/(2*3)), 2/3 -> 1/(3p)
  t.deepEqual(w[1].map((x) => Number(x.toFixed(9))), [1, 2, 0.5]);
  // The present classes' weights average 1 over the train labels when no class is absent.
  const w2 = balancedClassWeights([multiClassTask('c', ['x', 'y'])], [[3, 1]]);
  t.true(Math.abs((3 * w2[0][0] + 1 * w2[0][1]) / 4 - 1) < 1e-12);
  // A task without train labels: weight 1.
  t.deepEqual(balancedClassWeights([binaryTask('z')], [[0, 0]]), [[1, 1]]);
});

test('wbce losses match a hand computation (weights per label, masked mean by count), class-balanced softmax for multi-class', (t) => {
  const cw = [
    [0.8, 2.5],
    [1.2, 0.6, 3],
    [1.7, 0.4],
  ];
  const got = tf.tidy(() => taskLosses('wbce', tasks, tf.tensor2d(logits), tf.tensor2d(labels), cw).dataSync());
  const bce = (z: number, y: number): number => softplus(z) - z * y;
  const a = (cw[0][1] * bce(1.5, 1) + cw[0][0] * bce(-0.7, 0) + cw[0][0] * bce(0.3, 0)) / 3;
  const nll = (row: number[], c: number): number => lse(row.slice(1, 4)) - row[1 + c];
  const col = (cw[1][0] * nll(logits[0], 0) + cw[1][2] * nll(logits[1], 2) + cw[1][2] * nll(logits[3], 2)) / 3;
  const b = (cw[2][0] * bce(-2, 0) + cw[2][1] * bce(1.2, 1) + cw[2][0] * bce(-0.1, 0)) / 3;
  const want = [a, col, b];
  for (let j = 0; j < 3; j++) t.true(Math.abs(got[j] - want[j]) < 1e-5, `task ${j}: got ${got[j]}, want ${want[j]}`);
  // Unit weights give exactly bce.
  const ones = tf.tidy(() => taskLosses('wbce', tasks, tf.tensor2d(logits), tf.tensor2d(labels), [[1, 1], [1, 1, 1], [1, 1]]).dataSync());
  const plain = tf.tidy(() => taskLosses('bce', tasks, tf.tensor2d(logits), tf.tensor2d(labels)).dataSync());
  for (let j = 0; j < 3; j++) t.true(Math.abs(ones[j] - plain[j]) < 1e-6);
});

test('wbce gradient: w * (sigmoid(z) - y) / n for binary, w * (softmax - onehot) / n for multi-class, 0 where masked', (t) => {
  const cw = [
    [0.8, 2.5],
    [1.2, 0.6, 3],
    [1.7, 0.4],
  ];
  const before = tf.memory().numTensors;
  const grad = tf.tidy(() => {
    const g = tf.grad((z: tf.Tensor) => tf.sum(taskLosses('wbce', tasks, z as tf.Tensor2D, tf.tensor2d(labels), cw)));
    return g(tf.tensor2d(logits)).arraySync() as number[][];
  });
  t.is(tf.memory().numTensors, before);
  const sig = (z: number): number => 1 / (1 + Math.exp(-z));
  for (let i = 0; i < 4; i++) {
    // task a (column 0) and b (column 4): 3 labelled each
    for (const [col, j] of [[0, 0], [4, 2]] as const) {
      const y = labels[i][j];
      const want = y === MISSING_LABEL ? 0 : (cw[j][y] * (sig(logits[i][col]) - y)) / 3;
      t.true(Math.abs(grad[i][col] - want) < 1e-5, `row ${i} col ${col}: ${grad[i][col]} vs ${want}`);
    }
    const y = labels[i][1];
    const z = logits[i].slice(1, 4);
    const s = lse(z);
    for (let c = 0; c < 3; c++) {
      const want = y === MISSING_LABEL ? 0 : (cw[1][y] * (Math.exp(z[c] - s) - (c === y ? 1 : 0))) / 3;
      t.true(Math.abs(grad[i][1 + c] - want) < 1e-5, `row ${i} class ${c}: ${grad[i][1 + c]} vs ${want}`);
    }
  }
});

test('the trainer refuses wbce without class weights or with the wrong shape, and trains with them without leaking', async (t) => {
  const built = await buildModel({ backbone: 'small-cnn', inputShape: [8, 8, 3], tasks, seed: 1 });
  if (isLeft(built)) return t.fail(JSON.stringify(built.left));
  const model = built.right;
  t.true(isLeft(createTrainer({ model, tasks, loss: 'wbce', optimizer: ADAM_DEFAULTS })));
  t.true(isLeft(createTrainer({ model, tasks, loss: 'wbce', optimizer: ADAM_DEFAULTS, classWeights: [[1, 1], [1, 1], [1, 1]] })));
  const trainer = createTrainer({ model, tasks, loss: 'wbce', optimizer: ADAM_DEFAULTS, classWeights: [[0.8, 2.5], [1.2, 0.6, 3], [1.7, 0.4]] });
  if (isLeft(trainer)) return t.fail(JSON.stringify(trainer.left));
  const batch = {
    size: 4,
    height: 8,
    width: 8,
    channels: 3,
    images: Float32Array.from({ length: 4 * 8 * 8 * 3 }, (_, i) => Math.sin(i)),
    labels: Float32Array.from(labels.flat()),
    tasks: 3,
  };
  await trainer.right.step(batch, batch, [1, 1, 1]);
  const before = tf.memory().numTensors;
  const r = await trainer.right.step(batch, batch, [1, 1, 1]);
  t.is(tf.memory().numTensors, before);
  t.true(r.trainLoss.every(Number.isFinite) && r.trainLoss.length === 3);
  trainer.right.dispose();
  model.dispose();
});
