import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { referenceNet, runStepBench } from '../../cli/bench/runStepBench.js';

test.serial('runStepBench times training steps of the reference net without leaking tensors', async (t) => {
  const r = await runStepBench({ batch: 2, size: 16, steps: 3, warmup: 1, log: () => {} });
  t.is(r.batch, 2);
  t.is(r.size, 16);
  t.is(r.steps, 3);
  t.true(['wasm', 'tensorflow', 'webgpu', 'cpu'].includes(r.backend));
  t.true(r.stepsPerSecond > 0 && Number.isFinite(r.stepsPerSecond));
  t.true(Math.abs(r.imagesPerSecond - r.stepsPerSecond * r.batch) < 1e-6 * r.imagesPerSecond);
  t.true(r.stepMs.min <= r.stepMs.median && r.stepMs.median <= r.stepMs.max);
  t.true(Number.isFinite(r.finalLoss) && r.finalLoss > 0);
  t.true(r.uploadFraction >= 0 && r.readBackFraction >= 0 && r.uploadFraction + r.readBackFraction <= 1, `${r.uploadFraction}, ${r.readBackFraction}`);
  t.is(r.numTensorsAfter, r.numTensorsBefore);
  // The model, optimiser and batch are disposed afterwards.
  t.is(tf.memory().numTensors, 0);
});

test.serial('the reference net has the documented layers and 40 logits', (t) => {
  const m = referenceNet(64);
  t.deepEqual(m.outputs[0].shape, [null, 40]);
  const convs = m.layers.filter((l) => l.getClassName() === 'Conv2D');
  t.deepEqual(convs.map((l) => l.getConfig().filters), [16, 32, 64, 128]);
  t.is(m.layers.filter((l) => l.getClassName() === 'MaxPooling2D').length, 3);
  m.dispose();
});

test.serial('another model can be timed through the hook, and bad options are refused', async (t) => {
  let built = 0;
  const r = await runStepBench({
    batch: 2,
    size: 8,
    steps: 2,
    warmup: 1,
    log: () => {},
    model: (size) => {
      built++;
      return tf.sequential({
        layers: [tf.layers.flatten({ inputShape: [size, size, 3] }), tf.layers.dense({ units: 5 })],
      });
    },
  });
  t.is(built, 1);
  t.is(r.numTensorsAfter, r.numTensorsBefore);
  await t.throwsAsync(runStepBench({ batch: 0, log: () => {} }), { message: /batch must be a positive integer/ });
});

test.serial('a backbone times the project model (trunk, 40 logits, BCE, Adam) with a per-kernel profile, no leaks', async (t) => {
  const r = await runStepBench({ backbone: 'small-cnn', batch: 2, size: 16, steps: 2, warmup: 1, profile: 1, log: () => {} });
  t.is(r.net, 'small-cnn');
  t.is(r.numTensorsAfter, r.numTensorsBefore);
  t.is(tf.memory().numTensors, 0);
  // Mean BCE of random logits near 0 is about ln 2.
  t.true(r.finalLoss > 0.3 && r.finalLoss < 1.5, String(r.finalLoss));
  const profile = r.profile;
  if (profile === undefined) return t.fail('no profile');
  const names = profile.kernels.map((k) => k.name);
  for (const k of ['Conv2D', 'Conv2DBackpropFilter', 'MaxPoolGrad']) t.true(names.includes(k), `${k} in ${names.join(',')}`);
  t.false(names.some((n) => n.endsWith('__op')));
  t.true(Math.abs(profile.kernels.reduce((s, k) => s + k.share, 0) - 1) < 1e-9);
  await t.throwsAsync(runStepBench({ backbone: 'resnet19', batch: 1, size: 8, steps: 1, log: () => {} }), { message: /unknown backbone 'resnet19'/ });
});
