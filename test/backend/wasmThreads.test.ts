import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/index.js';
import { setWinogradMinWork } from '../../src/backend/wasm/kernels/winogradConv.js';
import { runtimeFor } from '../../src/backend/wasm/runtime.js';
import { convErrors, on, randomArray, relativeError } from './helpers.js';

// The threaded wasm build with a kernel worker pool (selectBackend threads > 1). Shapes are large
// enough that every kernel splits its work.

test.before(async () => {
  setWinogradMinWork(0); // the Winograd cases below are small
  await selectBackend({ backend: 'wasm', threads: 2, log: () => {} });
  await tf.setBackend('cpu');
  await tf.setBackend('wasm');
});

test.serial('the threaded build starts with a shared heap and two kernel threads', (t) => {
  const rt = runtimeFor(tf.findBackend('wasm') as object);
  t.true(rt.shared);
  t.is(rt.threads, 2);
});

test.serial('split convolution kernels agree with the cpu backend', async (t) => {
  const rt = runtimeFor(tf.findBackend('wasm') as object);
  const before = rt.remoteCalls;
  for (const c of [
    [5, 17, 15, 8, 12, 3, 1, 'same'],
    [3, 16, 16, 16, 8, 3, 2, 'same'],
    [4, 12, 13, 6, 16, 5, 2, 'valid'],
    [4, 16, 14, 32, 32, 3, 1, 'same'], // Winograd, large enough to split its transforms and products
    [8, 7, 7, 32, 32, 3, 1, 'same'], // Winograd with odd edges, products split
  ] as const) {
    const e = await convErrors([...c]);
    t.true(e.forward <= 1e-4 && e.input <= 1e-4 && e.filter <= 1e-4, `${c}: ${JSON.stringify(e)}`);
  }
  // Threads take chunks as they free up, so only "some" is certain.
  t.true(rt.remoteCalls - before >= 1, `chunks run on workers: ${rt.remoteCalls - before}`);
});

test.serial('split MaxPoolGrad, bias Sum and bias Add agree with the cpu backend', async (t) => {
  const rt = runtimeFor(tf.findBackend('wasm') as object);
  const before = rt.remoteCalls;
  const shape: [number, number, number, number] = [8, 41, 39, 16];
  const xv = randomArray(shape.reduce((a, b) => a * b, 1));
  const bv = randomArray(16);
  const checks: [string, () => tf.Tensor][] = [
    ['MaxPoolGrad', () => tf.grad((x: tf.Tensor) => tf.sum(tf.maxPool(x as tf.Tensor4D, 3, 2, 'same')))(tf.tensor4d(xv, shape))],
    ['Sum', () => tf.sum(tf.tensor4d(xv, shape), [0, 1, 2])],
    ['Add', () => tf.add(tf.tensor4d(xv, shape), tf.tensor1d(bv))],
  ];
  const check = async (): Promise<void> => {
    for (const [name, f] of checks) {
      const e = relativeError(await on('wasm', f), await on('cpu', f));
      t.true(e <= 1e-5, `${name}: ${e}`);
    }
  };
  await check();
  // This thread takes chunks too, and on an idle machine may take all of them before a worker is
  // awake: run the checks again, giving the workers time, for up to 20 s.
  const end = Date.now() + 20_000;
  while (rt.remoteCalls === before && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
    await check();
  }
  t.true(rt.remoteCalls - before >= 1, `chunks run on workers: ${rt.remoteCalls - before}`);
});

test.serial('a training step on two threads gives the same loss trajectory as on one', async (t) => {
  const rt = runtimeFor(tf.findBackend('wasm') as object);
  await tf.setBackend('wasm');
  const run = (threads: number): number[] => {
    rt.setThreads(threads);
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }),
      ],
    });
    const x = tf.tensor4d(randomArrayFixed(8 * 16 * 16 * 3, 1), [8, 16, 16, 3]);
    const y = tf.tensor2d(randomArrayFixed(8 * 4, 2), [8, 4]);
    const opt = tf.train.adam(0.01);
    const losses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const cost = tf.tidy(
        () => opt.minimize(() => tf.losses.meanSquaredError(y, model.apply(x) as tf.Tensor) as tf.Scalar, true) ?? tf.scalar(NaN),
      );
      losses.push(cost.dataSync()[0]);
      cost.dispose();
    }
    x.dispose();
    y.dispose();
    opt.dispose();
    model.dispose();
    return losses;
  };
  const one = run(1);
  const two = run(2);
  rt.setThreads(2);
  for (let i = 0; i < one.length; i++) t.true(Math.abs(one[i] - two[i]) <= 1e-5 * Math.abs(one[i]), `step ${i}: ${one[i]} vs ${two[i]}`);
  t.true(one[4] < one[0]);
});

/** A fixed pseudo-random array (independent of the shared stream, so both runs see the same data). */
function randomArrayFixed(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}
