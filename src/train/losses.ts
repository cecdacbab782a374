/**
 * Per-task losses as a vector: one entry per task, the mean over the batch of that task's
 * non-missing labels (0 for a task with no label in the batch).
 *
 * - 'bce': binary cross-entropy with logits on 0/1 labels, as softplus(z) - z*y (softplus is
 *   computed without overflow, its gradient is sigmoid(z) - y).
 * - 'mse': the paper's Euclidean loss against +-1 targets: mean of (z - t)^2 with t = 2y - 1
 *   (label 1 -> +1, label 0 -> -1). No 1/2 factor (Caffe's EuclideanLoss has one; the PyTorch
 *   port's MSELoss does not).
 * - 'wbce': DeepMAR's weighted sigmoid cross-entropy (Li, Chen, Huang 2015; the default of the
 *   Rethinking_of_PAR toolkit): the bce term of a positive label weighted exp(1 - r), of a
 *   negative exp(r), r the task's positive ratio in the train split. A rare attribute's
 *   positives (r = 0.05) then count e^0.95 / e^0.05 = 2.46 times its negatives.
 * - A multi-class task uses softmax cross-entropy over its own slice of the logits; under 'wbce'
 *   it is class-balanced: class c weighted 1 / (C p_c), p_c its train frequency, so the weight
 *   averages 1 over the train labels (sum_c p_c w_c = 1).
 * - Weighted or not, a task's loss is the weighted sum over its labelled samples divided by their
 *   count (as DeepMAR), so the scale stays that of the unweighted loss.
 * - Labels equal to MISSING_LABEL (-1) are masked out.
 *
 * Only ops with gradients on every tfjs backend we use are involved (no gather, whose gradient
 * needs UnsortedSegmentSum, missing from the wasm backend): binary columns are picked and losses
 * placed with constant 0/1 selection matrices.
 */
import * as tf from '@tensorflow/tfjs';
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import type { Batch } from '../data/batch.js';
import { logitLayout, MISSING_LABEL, type TaskSpec } from '../tasks.js';

export type LossKind = 'bce' | 'mse' | 'wbce';

export const LOSS_KINDS: readonly LossKind[] = ['bce', 'mse', 'wbce'];

/**
 * Per-task label weights: [negative, positive] for a binary task, one per class for a
 * multi-class task (see src/train/classWeights.ts for how 'wbce' gets them).
 */
export type ClassWeights = readonly (readonly number[])[];

/** Masked mean down the batch axis: [N, K] values and 0/1 mask -> [K]. */
const maskedMean = (values: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor1D =>
  tf.div(tf.sum(tf.mul(values, mask), 0), tf.maximum(tf.sum(mask, 0), 1)) as tf.Tensor1D;

/** A constant 0/1 matrix [rows, cols] with ones at (rowOf[k], colOf[k]). */
const selection = (rows: number, cols: number, ones: readonly (readonly [number, number])[]): tf.Tensor2D => {
  const values = new Float32Array(rows * cols);
  for (const [r, c] of ones) values[r * cols + c] = 1;
  return tf.tensor2d(values, [rows, cols]);
};

/**
 * Per-task losses [M] of logits [N, width] against labels [N, M] (see TaskSpec for the label
 * encoding). Differentiable; the caller owns the result.
 */
export const taskLosses = (
  kind: LossKind,
  tasks: readonly TaskSpec[],
  logits: tf.Tensor2D,
  labels: tf.Tensor2D,
  classWeights?: ClassWeights,
): tf.Tensor1D =>
  tf.tidy(() => {
    const weighted = kind === 'wbce' ? classWeights : undefined;
    if (kind === 'wbce' && weighted === undefined) throw new Error("loss 'wbce' needs the train split's class weights");
    const m = tasks.length;
    const { offsets, width } = logitLayout(tasks);
    const binary = tasks.flatMap((t, j) => (t.kind === 'binary' ? [j] : []));
    const allBinary = binary.length === m;
    const pieces: tf.Tensor1D[] = [];

    if (binary.length > 0) {
      const b = binary.length;
      const z = allBinary ? logits : (tf.matMul(logits, selection(width, b, binary.map((j, k) => [offsets[j], k] as const))) as tf.Tensor2D);
      const y = allBinary ? labels : (tf.matMul(labels, selection(m, b, binary.map((j, k) => [j, k] as const))) as tf.Tensor2D);
      const mask = tf.cast(tf.notEqual(y, MISSING_LABEL), 'float32') as tf.Tensor2D;
      const y01 = tf.mul(y, mask);
      const raw =
        kind === 'mse'
          ? tf.squaredDifference(z, tf.sub(tf.mul(y01, 2), 1))
          : tf.sub(tf.softplus(z), tf.mul(z, y01));
      let perSample = raw as tf.Tensor2D;
      if (weighted !== undefined) {
        // weight = wNeg + y * (wPos - wNeg), per column
        const wNeg = tf.tensor1d(binary.map((j) => weighted[j][0]));
        const wPos = tf.tensor1d(binary.map((j) => weighted[j][1]));
        perSample = tf.mul(perSample, tf.add(wNeg, tf.mul(y01, tf.sub(wPos, wNeg)))) as tf.Tensor2D;
      }
      const lossB = maskedMean(perSample, mask);
      pieces.push(
        allBinary ? lossB : (tf.reshape(tf.matMul(tf.reshape(lossB, [1, b]), selection(b, m, binary.map((j, k) => [k, j] as const))), [m]) as tf.Tensor1D),
      );
    }

    tasks.forEach((task, j) => {
      if (task.kind !== 'multiclass') return;
      const c = task.classes.length;
      const z = tf.slice(logits, [0, offsets[j]], [-1, c]);
      const y = tf.reshape(tf.slice(labels, [0, j], [-1, 1]), [-1]);
      const mask = tf.cast(tf.notEqual(y, MISSING_LABEL), 'float32');
      const index = tf.cast(tf.mul(y, mask), 'int32') as tf.Tensor1D;
      const hot = tf.oneHot(index, c);
      const plain = tf.neg(tf.sum(tf.mul(hot, tf.logSoftmax(z)), 1));
      const nll = weighted === undefined ? plain : tf.mul(plain, tf.reshape(tf.matMul(tf.cast(hot, 'float32'), tf.tensor2d([...weighted[j]], [c, 1])), [-1]));
      const loss = tf.div(tf.sum(tf.mul(nll, mask)), tf.maximum(tf.sum(mask), 1));
      const place = new Float32Array(m);
      place[j] = 1;
      pieces.push(tf.mul(loss, tf.tensor1d(place)) as tf.Tensor1D);
    });

    return (pieces.length === 1 ? pieces[0] : tf.addN(pieces)) as tf.Tensor1D;
  });

export type LabelError = {
  readonly _tag: 'BadLabel';
  /** Sample (row) and task (column) of the first bad label. */
  readonly row: number;
  readonly task: string;
  readonly value: number;
  readonly message: string;
};

/**
 * Checks every label of a batch is valid for its task: 0, 1 or MISSING_LABEL for a binary task,
 * an integer class index or MISSING_LABEL for a multi-class task.
 */
export const checkLabels = (tasks: readonly TaskSpec[], batch: Pick<Batch, 'labels' | 'size' | 'tasks' | 'ids'>): Either<LabelError, null> => {
  const m = tasks.length;
  for (let i = 0; i < batch.size; i++) {
    for (let j = 0; j < m; j++) {
      const v = batch.labels[i * m + j];
      if (v === MISSING_LABEL) continue;
      const task = tasks[j];
      const ok = task.kind === 'binary' ? v === 0 || v === 1 : Number.isInteger(v) && v >= 0 && v < task.classes.length;
      if (!ok) {
        const where = batch.ids?.[i] !== undefined ? ` (${batch.ids[i]})` : '';
        const want =
          task.kind === 'binary' ? `0, 1 or ${MISSING_LABEL}` : `a class index in [0, ${task.classes.length - 1}] or ${MISSING_LABEL}`;
        return left({ _tag: 'BadLabel', row: i, task: task.name, value: v, message: `row ${i}${where}, task '${task.name}': label ${v}, expected ${want}` });
      }
    }
  }
  return right(null);
};
