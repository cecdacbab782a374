import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { binaryTask, MISSING_LABEL, multiClassTask } from '../../src/tasks.js';
import { checkLabels, taskLosses } from '../../src/train/losses.js';

test.before(async () => {
  await tf.setBackend('cpu');
});

const softplus = (z: number): number => Math.log1p(Math.exp(z));
const close = (t: { true: (c: boolean, m?: string) => void }, got: ArrayLike<number>, want: readonly number[], tol = 1e-5): void => {
  t.true(got.length === want.length, `length ${got.length} vs ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    t.true(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])), `entry ${i}: got ${got[i]}, want ${want[i]}`);
  }
};

const lossesOf = (kind: 'bce' | 'mse', tasks: Parameters<typeof taskLosses>[1], logits: number[][], labels: number[][]): Float32Array =>
  tf.tidy(() => taskLosses(kind, tasks, tf.tensor2d(logits), tf.tensor2d(labels)).dataSync() as Float32Array);

test('bce matches hand-computed values, missing labels masked, empty task gives 0', (t) => {
  const tasks = [binaryTask('a'), binaryTask('b'), binaryTask('c')];
  const logits = [
    [2, -1, 0.5],
    [-3, 0, 1],
  ];
  const labels = [
    [1, MISSING_LABEL, MISSING_LABEL],
    [0, 1, MISSING_LABEL],
  ];
  // a: mean(softplus(2) - 2, softplus(-3)); b: only row 2: softplus(0) - 0; c: no labels -> 0
  const want = [(softplus(2) - 2 + softplus(-3)) / 2, Math.log(2), 0];
  close(t, lossesOf('bce', tasks, logits, labels), want);
});

test('bce is stable for large logits', (t) => {
  const tasks = [binaryTask('a'), binaryTask('b')];
  const got = lossesOf('bce', tasks, [[100, -100]], [[1, 1]]);
  t.true(Number.isFinite(got[0]) && Number.isFinite(got[1]));
  close(t, got, [0, 100], 1e-4);
});

test('mse uses +-1 targets and masks missing labels', (t) => {
  const tasks = [binaryTask('a'), binaryTask('b')];
  const logits = [
    [0.5, 2],
    [-0.25, 3],
    [1, -1],
  ];
  const labels = [
    [1, 0],
    [0, MISSING_LABEL],
    [MISSING_LABEL, 1],
  ];
  // a: rows 1,2: (0.5-1)^2, (-0.25+1)^2 ; b: rows 1,3: (2+1)^2, (-1-1)^2
  const want = [(0.25 + 0.5625) / 2, (9 + 4) / 2];
  close(t, lossesOf('mse', tasks, logits, labels), want);
});

test('multi-class tasks use softmax cross-entropy over their slice, whatever the binary loss', (t) => {
  const tasks = [binaryTask('a'), multiClassTask('age', ['y', 't', 'a', 'o']), binaryTask('b'), multiClassTask('col', ['r', 'g', 'b'])];
  // width 1 + 4 + 1 + 3 = 9
  const logits = [
    [1, 0.1, 0.2, 0.3, 0.4, -2, 1, 2, 3],
    [-1, 2, 0, 0, 0, 0.5, 0, 0, 0],
  ];
  const labels = [
    [1, 3, 0, MISSING_LABEL],
    [MISSING_LABEL, 0, 1, MISSING_LABEL],
  ];
  const lse = (xs: number[]): number => Math.log(xs.reduce((a, x) => a + Math.exp(x), 0));
  const age = (lse([0.1, 0.2, 0.3, 0.4]) - 0.4 + (lse([2, 0, 0, 0]) - 2)) / 2;
  for (const kind of ['bce', 'mse'] as const) {
    const a = kind === 'bce' ? softplus(1) - 1 : 0;
    const b = kind === 'bce' ? (softplus(-2) + softplus(0.5) - 0.5) / 2 : ((-2 + 1) ** 2 + (0.5 - 1) ** 2) / 2;
    close(t, lossesOf(kind, tasks, logits, labels), [a, age, b, 0]);
  }
});

test('gradients are finite, zero for masked entries, and sigmoid(z) - y for bce', (t) => {
  const tasks = [binaryTask('a'), multiClassTask('m', ['x', 'y', 'z'])];
  const logits = tf.tensor2d([
    [80, 0, 1, -90],
    [-0.5, 200, -200, 0],
  ]);
  const labels = tf.tensor2d([
    [0, 2],
    [MISSING_LABEL, MISSING_LABEL],
  ]);
  const g = tf.grad((z: tf.Tensor) => tf.sum(taskLosses('bce', tasks, z as tf.Tensor2D, labels)))(logits);
  const values = g.arraySync() as number[][];
  t.true(values.flat().every(Number.isFinite));
  // row 2 has no labels at all: no gradient
  t.deepEqual(values[1], [0, 0, 0, 0]);
  // row 1, task a: (sigmoid(80) - 0) / 1
  t.true(Math.abs(values[0][0] - 1) < 1e-6);
  // row 1, multi-class: softmax - onehot(2)
  t.true(Math.abs(values[0][3] - (Math.exp(-90) / (Math.exp(0) + Math.exp(1)) - 1)) < 1e-5);
  tf.dispose([logits, labels, g]);
});

test.serial('taskLosses leaks no tensors', (t) => {
  const tasks = [binaryTask('a'), multiClassTask('m', ['x', 'y'])];
  const z = tf.tensor2d([[1, 2, 3]]);
  const y = tf.tensor2d([[1, 0]]);
  const before = tf.memory().numTensors;
  const l = taskLosses('bce', tasks, z, y);
  t.is(tf.memory().numTensors, before + 1);
  tf.dispose([l, z, y]);
});

test('checkLabels accepts 0/1/missing and class indices, names the first bad label', (t) => {
  const tasks = [binaryTask('a'), multiClassTask('m', ['x', 'y', 'z'])];
  const ok = checkLabels(tasks, { labels: Float32Array.from([1, 2, 0, MISSING_LABEL, MISSING_LABEL, 0]), size: 3, tasks: 2 });
  t.true(isRight(ok));
  const badBinary = checkLabels(tasks, { labels: Float32Array.from([1, 2, 0.5, 1]), size: 2, tasks: 2, ids: ['p.jpg', 'q.jpg'] });
  t.true(isLeft(badBinary));
  if (isLeft(badBinary)) {
    t.is(badBinary.left.row, 1);
    t.is(badBinary.left.task, 'a');
    t.regex(badBinary.left.message, /q\.jpg.*'a'.*0\.5/);
  }
  const badClass = checkLabels(tasks, { labels: Float32Array.from([1, 3]), size: 1, tasks: 2 });
  t.true(isLeft(badClass) && badClass.left.task === 'm');
});
