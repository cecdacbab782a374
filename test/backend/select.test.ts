import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, selectedBackend } from '../../src/backend/index.js';

// selectBackend chooses once per process; ava runs each test file in its own process, and these
// tests run in order.

/** Whether a native TensorFlow package loads here (as selectBackend would try them: GPU first). */
const loads = async (specifier: string): Promise<boolean> => {
  try {
    await import(specifier);
    return true;
  } catch {
    return false;
  }
};
const nativeLoads = (await loads('@tensorflow/tfjs-node-gpu')) || (await loads('@tensorflow/tfjs-node'));
/** Tests of the paths without native TensorFlow: skipped (not passed) where it is installed. */
const withoutNative = nativeLoads ? test.serial.skip : test.serial;

test.serial('invalid thread counts are refused before anything is chosen', async (t) => {
  await t.throwsAsync(selectBackend({ threads: 0, log: () => {} }), { message: /threads must be a positive integer/ });
  await t.throwsAsync(selectBackend({ threads: 1.5, log: () => {} }), { message: /threads/ });
  t.is(selectedBackend(), null);
});

withoutNative('an explicit tensorflow backend that cannot load is an error naming the packages (needs no native TensorFlow installed)', async (t) => {
  const err = await t.throwsAsync(selectBackend({ backend: 'tensorflow', log: () => {} }));
  t.regex(err?.message ?? '', /backend 'tensorflow' requested but cannot load/);
  t.regex(err?.message ?? '', /@tensorflow\/tfjs-node-gpu/);
  t.regex(err?.message ?? '', /@tensorflow\/tfjs-node:/);
  t.is(selectedBackend(), null);
});

withoutNative('auto picks wasm with the training kernels here, logs the choice, and keeps it (needs no native TensorFlow installed)', async (t) => {
  const logs: string[] = [];
  const info = await selectBackend({ log: (m) => logs.push(m) });
  t.is(info.name, 'wasm');
  t.is(tf.getBackend(), 'wasm');
  t.true(info.simd);
  t.true(info.threads >= 1);
  t.regex(info.reason, /no native TensorFlow/);
  // A software WebGPU adapter (lavapipe) or none: auto says why it did not take webgpu.
  t.regex(info.reason, /webgpu (skipped: software adapter|not probed)|no webgpu \(/);
  t.is(logs.length, 1);
  t.regex(logs[0], /^backend: wasm/);
  t.true(tf.getKernelsForBackend('wasm').some((k) => k.kernelName === 'Conv2DBackpropFilter'));
  // Asking again is harmless; asking for another backend is refused.
  t.deepEqual(await selectBackend({ log: (m) => logs.push(m) }), info);
  t.deepEqual(await selectBackend({ backend: 'wasm', log: (m) => logs.push(m) }), info);
  await t.throwsAsync(selectBackend({ backend: 'cpu', log: () => {} }), { message: /backend already chosen: wasm/ });
  t.is(tf.getBackend(), 'wasm');
  t.is(logs.length, 1);
});

test.serial('a conv net trains on the chosen backend (loss goes down)', async (t) => {
  await selectBackend({ log: () => {} });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 1 }),
    ],
  });
  const x = tf.randomNormal([8, 8, 8, 3], 0, 1, 'float32', 7);
  const y = tf.randomNormal([8, 1], 0, 1, 'float32', 8);
  const opt = tf.train.adam(0.01);
  const lossAt = (): number =>
    tf.tidy(() => tf.losses.meanSquaredError(y, model.predict(x) as tf.Tensor).dataSync()[0]);
  const first = lossAt();
  for (let i = 0; i < 30; i++) {
    tf.tidy(() => {
      opt.minimize(() => tf.losses.meanSquaredError(y, model.apply(x) as tf.Tensor) as tf.Scalar);
    });
  }
  t.true(lossAt() < first * 0.8, `loss ${first} -> ${lossAt()}`);
  x.dispose();
  y.dispose();
  opt.dispose();
  model.dispose();
});
