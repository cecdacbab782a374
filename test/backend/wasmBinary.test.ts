import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../src/backend/wasm/kernels/index.js';
import { on, randomArray, relativeError, size } from './helpers.js';

test.before(async () => {
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  await tf.setBackend('cpu');
});

const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
  ['add', tf.add],
  ['sub', tf.sub],
  ['mul', tf.mul],
  ['div', tf.div],
];

// [left shape, right shape]: equal shapes (vector body + tail), scalars either side, per-channel
// operands either side (C a multiple of 4 or not), and broadcasts left to the shipped kernel.
const pairs: [number[], number[]][] = [
  [[3, 5, 7, 6], [3, 5, 7, 6]],
  [[1031], [1031]],
  [[2, 9, 9, 16], []],
  [[1, 1], [4, 6, 33]],
  [[2, 6, 6, 64], [1, 1, 1, 64]],
  [[64], [3, 4, 4, 64]],
  [[5, 7, 7, 13], [13]],
  [[1, 1, 1, 3], [8, 10, 10, 3]],
  [[4, 30, 1], [4, 1, 30]],
  [[6, 40, 40], [40, 40]],
];

test.serial('Add, Sub, Multiply and RealDiv agree with the cpu backend (equal shapes, scalars, per-channel, other broadcasts)', async (t) => {
  for (const [sa, sb] of pairs) {
    const av = randomArray(size(sa));
    // Divisors kept away from 0.
    const bv = randomArray(size(sb)).map((x) => (x >= 0 ? x + 0.5 : x - 0.5));
    for (const [name, f] of ops) {
      const run = (): tf.Tensor => f(tf.tensor(av, sa), tf.tensor(bv, sb));
      const wasm = await on('wasm', run);
      const cpu = await on('cpu', run);
      t.true(relativeError(wasm, cpu) <= 1e-6, `${name} [${sa}] [${sb}]: ${relativeError(wasm, cpu)}`);
    }
  }
});

test.serial('the element-wise kernels leak no tensors', async (t) => {
  await tf.setBackend('wasm');
  const a = tf.tensor(randomArray(2 * 6 * 6 * 64), [2, 6, 6, 64]);
  const c = tf.tensor(randomArray(64), [64]);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    tf.tidy(() => {
      tf.div(tf.sub(tf.mul(a, c), tf.add(a, 2)), tf.add(a, a).add(3));
    });
  }
  t.is(tf.memory().numTensors, before);
  a.dispose();
  c.dispose();
});
