import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { aggregateKernels, formatProfile, profileSteps } from '../../cli/bench/profileSteps.js';

test('aggregateKernels sums by name per step, sorts by time, leaves op scopes out', (t) => {
  const { kernelMs, kernels } = aggregateKernels(
    [
      { name: 'Conv2D', kernelTimeMs: 6 },
      { name: 'fusedConv2d__op', kernelTimeMs: 5 },
      { name: 'Add', kernelTimeMs: 1 },
      { name: 'Conv2D', kernelTimeMs: 2 },
      { name: 'Add', kernelTimeMs: { error: 'no timer' } },
    ],
    2,
  );
  t.is(kernelMs, 4.5);
  t.deepEqual(
    kernels.map((k) => [k.name, k.calls, k.ms]),
    [
      ['Conv2D', 1, 4],
      ['Add', 1, 0.5],
    ],
  );
  t.true(Math.abs(kernels[0].share - 8 / 9) < 1e-12);
});

test('profileSteps records the kernels of real steps and leaks no tensors', async (t) => {
  await tf.setBackend('cpu');
  const w = tf.variable(tf.ones([4, 3]));
  const x = tf.ones([2, 4]);
  const opt = tf.train.sgd(0.1);
  const step = (): void => {
    tf.tidy(() => {
      opt.minimize(() => tf.sum(tf.matMul(x, w)) as tf.Scalar);
    });
  };
  step();
  const before = tf.memory().numTensors;
  const p = await profileSteps(step, 3);
  t.is(tf.memory().numTensors, before);
  t.is(p.steps, 3);
  const names = p.kernels.map((k) => k.name);
  t.true(names.includes('BatchMatMul'), names.join(','));
  t.true(p.kernels.every((k) => k.calls > 0 && k.ms >= 0));
  t.regex(formatProfile(p), /kernel\s+calls\s+ms\/step\s+share/);
  // By shape: the forward product [2, 4] x [4, 3] is its own row.
  t.true(p.byShape.some((k) => k.name === 'BatchMatMul 2x4 4x3'), p.byShape.map((k) => k.name).join(', '));
  t.is(p.byShape.reduce((s, k) => s + k.calls, 0), p.kernels.reduce((s, k) => s + k.calls, 0));
  t.regex(formatProfile(p), /by kernel and input shapes/);
  opt.dispose();
  w.dispose();
  x.dispose();
});
