import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../src/backend/wasm/kernels/index.js';
import { FusedAdamOptimizer } from '../../src/train/fusedAdam.js';
import { randomArray, relativeError } from './helpers.js';

test.before(async () => {
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  await tf.setBackend('cpu');
});

// A vector tail (7, 3), a large variable split in ranges (70000 floats), a scalar.
const shapes: number[][] = [[7], [3, 5, 4], [70000], []];
const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);
const inits = shapes.map((s) => randomArray(size(s)));
const grads = [0, 1, 2].map(() => shapes.map((s) => randomArray(size(s))));

/** Three Adam steps with fixed gradients; returns the variables and the optimiser's slots. */
async function run(backend: 'cpu' | 'wasm', make: () => tf.Optimizer): Promise<{ values: Float32Array[]; slots: string[]; slotValues: Float32Array[]; leaked: number }> {
  await tf.setBackend(backend);
  const vars = shapes.map((s, i) => tf.variable(tf.tensor(inits[i], s), true, `adam_test_${i}_${backend}_${Math.random()}`));
  const opt = make();
  const step = (k: number): void =>
    tf.tidy(() => opt.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: tf.tensor(grads[k][i], shapes[i]) }))));
  step(0);
  const before = tf.memory().numTensors;
  step(1);
  step(2);
  const leaked = tf.memory().numTensors - before;
  const values = vars.map((v) => (v.dataSync() as Float32Array).slice());
  const weights = await opt.getWeights();
  const slots = weights.slice(1).map((w) => w.name.replace(/_(cpu|wasm)_[0-9.]+/, ''));
  const slotValues = weights.slice(1).map((w) => (w.tensor.dataSync() as Float32Array).slice());
  weights[0].tensor.dispose();
  opt.dispose();
  vars.forEach((v) => v.dispose());
  return { values, slots, slotValues, leaked };
}

const options = [1e-3, 0.9, 0.999, 1e-8] as const;

test.serial('the fused Adam update on wasm agrees with tfjs Adam on the cpu backend, with the same slots, no leaks', async (t) => {
  const cpu = await run('cpu', () => tf.train.adam(...options));
  const wasm = await run('wasm', () => {
    t.true(FusedAdamOptimizer.available());
    return new FusedAdamOptimizer(...options);
  });
  t.deepEqual(wasm.slots, cpu.slots);
  t.is(wasm.leaked, 0);
  wasm.values.forEach((v, i) => t.true(relativeError(v, cpu.values[i]) <= 1e-5, `variable ${i}: ${relativeError(v, cpu.values[i])}`));
  wasm.slotValues.forEach((v, i) => t.true(relativeError(v, cpu.slotValues[i]) <= 1e-5, `slot ${cpu.slots[i]}`));
  // The update moved the variables (a test that could fail if the kernel did nothing).
  t.true(relativeError(wasm.values[2], inits[2]) > 1e-4);
});

test.serial('the fused Adam is tfjs Adam where the backend has no fused kernel (cpu)', async (t) => {
  await tf.setBackend('cpu');
  t.false(FusedAdamOptimizer.available());
  const stock = await run('cpu', () => tf.train.adam(...options));
  const fused = await run('cpu', () => new FusedAdamOptimizer(...options));
  fused.values.forEach((v, i) => t.deepEqual(Array.from(v), Array.from(stock.values[i])));
  t.is(new FusedAdamOptimizer(...options).getClassName(), 'Adam');
});

test.serial('the fused Adam resumes from getWeights/setWeights like tfjs Adam', async (t) => {
  await tf.setBackend('wasm');
  const v = tf.variable(tf.tensor(inits[1], shapes[1]), true, 'adam_resume');
  const g = tf.tensor(grads[0][1], shapes[1]);
  const a = new FusedAdamOptimizer(...options);
  a.applyGradients([{ name: v.name, tensor: g }]);
  const saved = await a.getWeights();
  const b = new FusedAdamOptimizer(...options);
  await b.setWeights(saved);
  const w = tf.variable(v.clone(), true, 'adam_resume_copy');
  a.applyGradients([{ name: v.name, tensor: g }]);
  b.applyGradients([{ name: w.name, tensor: g }]);
  t.true(relativeError(w.dataSync(), v.dataSync()) <= 1e-6);
  t.is(b.iterations, 2);
  for (const x of [a, b]) x.dispose();
  for (const x of [v, w, g]) x.dispose();
});
