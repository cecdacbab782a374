import test from 'ava';
import { MISSING_LABEL, binaryTask, multiClassTask } from '../../src/tasks.js';
import {
  accuracyPerTask,
  attributeMetrics,
  balancedAccuracyPerTask,
  instanceBased,
  labelBased,
  predictLabels,
} from '../../src/metrics/index.js';

const M = MISSING_LABEL;
// Task 'b' has no positives at all (like Market test downpurple).
const tasks = [binaryTask('a'), binaryTask('b'), multiClassTask('c', ['x', 'y', 'z'])];
const labels = Float32Array.from([1, 0, 0, /**/ 0, 0, 2, /**/ 1, 0, 1, /**/ M, 0, 0]);
const logits = Float32Array.from([
  2, -1, 3, 1, 0, // -> 1 0 0
  0, 0.5, 0, 1, 2, // logit exactly 0 predicts 0 -> 0 1 2
  -1, -2, 1, 1, 0, // tie: first class wins -> 0 0 0
  5, -1, 0, 2, 1, // -> 1 0 1 (a is unlabelled)
]);
const close = (actual: number, expected: number): boolean => Math.abs(actual - expected) < 1e-9;

test('predictLabels: threshold 0 on logits, 0.5 on probabilities, argmax with the first class winning ties', (t) => {
  t.deepEqual(Array.from(predictLabels(logits, tasks)), [1, 0, 0, 0, 1, 2, 0, 0, 0, 1, 0, 1]);
  const probs = Float32Array.from([0.5, 0.51, 0.2, 0.3, 0.5, /**/ 0.9, 0.1, 0.1, 0.8, 0.1]);
  t.deepEqual(Array.from(predictLabels(probs, tasks, 'probabilities')), [0, 1, 2, 1, 0, 1]);
  t.throws(() => predictLabels(new Float32Array(7), tasks), { instanceOf: RangeError });
});

test('accuracy per task skips missing labels; mean over tasks', (t) => {
  const pred = predictLabels(logits, tasks);
  const acc = accuracyPerTask(pred, labels, tasks);
  t.deepEqual(
    acc.map((a) => [a.task, a.correct, a.labelled]),
    [
      ['a', 2, 3],
      ['b', 3, 4],
      ['c', 2, 4],
    ],
  );
  const r = attributeMetrics(logits, labels, tasks);
  t.true(close(r.meanAccuracy, (2 / 3 + 3 / 4 + 2 / 4) / 3));
});

test('label-based mA over the binary view, with each convention for a column without positives', (t) => {
  const pred = predictLabels(logits, tasks);
  const lb = labelBased(pred, labels, tasks);
  t.deepEqual(
    lb.columns.map((c) => [c.name, c.positives, c.negatives, c.truePositives, c.trueNegatives]),
    [
      ['a', 2, 1, 1, 1],
      ['b', 0, 4, 0, 3],
      ['c=x', 2, 2, 1, 1],
      ['c=y', 1, 3, 0, 2],
      ['c=z', 1, 3, 1, 3],
    ],
  );
  const values = [0.75, 0.75, 0.5, 1 / 3, 1];
  lb.columns.forEach((c, k) => t.true(close(c.balanced, values[k]), `${c.name}: ${c.balanced}`));
  t.true(close(lb.mA, (0.75 + 0.75 + 0.5 + 1 / 3 + 1) / 5));
  t.deepEqual(lb.degenerate, [{ name: 'b', note: 'no-positives', treatment: 'defined half only' }]);
  t.is(lb.columns[1].note, 'no-positives');
  t.true(Number.isNaN(lb.columns[1].tpr));
  t.true(close(labelBased(pred, labels, tasks, { undefinedHalf: 'zero' }).mA, (0.75 + 0.375 + 0.5 + 1 / 3 + 1) / 5));
  const excl = labelBased(pred, labels, tasks, { undefinedHalf: 'exclude' });
  t.true(close(excl.mA, (0.75 + 0.5 + 1 / 3 + 1) / 4));
  t.true(Number.isNaN(excl.columns[1].balanced));
});

test('balanced accuracy per task: binary (TPR+TNR)/2, multi-class mean recall over present classes', (t) => {
  const pred = predictLabels(logits, tasks);
  const b = balancedAccuracyPerTask(pred, labels, tasks);
  t.deepEqual(b.map((x) => x.task), ['a', 'b', 'c']);
  t.true(close(b[0].balancedAccuracy, 0.75));
  t.true(close(b[1].balancedAccuracy, 0.75));
  t.true(close(b[2].balancedAccuracy, (0.5 + 0 + 1) / 3));
});

test('instance-based accuracy, precision, recall, F1 (F1 of the averages)', (t) => {
  const pred = predictLabels(logits, tasks);
  const ib = instanceBased(pred, labels, tasks);
  // Per sample (Y, Yhat over columns a b x y z): {a,x}/{a,x}; {z}/{b,z}; {a,y}/{x}; {x}/{y} (a unlabelled).
  t.is(ib.samples, 4);
  t.true(close(ib.accuracy, (1 + 0.5 + 0 + 0) / 4));
  t.true(close(ib.precision, (1 + 0.5 + 0 + 0) / 4));
  t.true(close(ib.recall, (1 + 1 + 0 + 0) / 4));
  t.true(close(ib.f1, (2 * 0.375 * 0.5) / (0.375 + 0.5)));
});

test('instance-based 0/0 cases follow zeroDivision; unlabelled samples are skipped', (t) => {
  const two = [binaryTask('p'), binaryTask('q')];
  const y = Float32Array.from([0, 0, /**/ 1, 0, /**/ M, M]);
  const p = Int32Array.from([0, 0, /**/ 0, 0, /**/ 1, 1]);
  const z0 = instanceBased(p, y, two);
  t.is(z0.samples, 2);
  t.deepEqual([z0.accuracy, z0.precision, z0.recall, z0.f1], [0, 0, 0, 0]);
  const z1 = instanceBased(p, y, two, { zeroDivision: 1 });
  t.true(close(z1.accuracy, 0.5));
  t.true(close(z1.precision, 1));
  t.true(close(z1.recall, 0.5));
  t.true(close(z1.f1, (2 * 0.5) / 1.5));
});

test('a task with no labels at all is NaN and left out of every mean', (t) => {
  const two = [binaryTask('p'), binaryTask('q')];
  const y = Float32Array.from([1, M, 0, M]);
  const r = attributeMetrics(Float32Array.from([1, 1, -1, 1]), y, two);
  t.true(Number.isNaN(r.perTask[1].accuracy));
  t.is(r.meanAccuracy, 1);
  t.is(r.labelBased.mA, 1);
  t.deepEqual(r.labelBased.degenerate, [{ name: 'q', note: 'no-labels', treatment: 'left out of mA' }]);
});
