/**
 * The webgpu backend against the cpu backend, in one process: forward values and gradients of
 * every op the built-in backbones, heads and losses use, then a whole ResNet-18 (width 1/8, 32 px, batch 8: at batch 4 the last stage normalises 4 values per channel and float32 rounding differences grow past 1e-4)
 * with binary and multi-class heads, in training mode (batch statistics).
 *
 * Tolerance: each result's largest absolute difference is at most 1e-4 of the largest absolute
 * cpu value of that tensor (element-wise relative error is meaningless near zero).
 *
 * These tests switch between the two backends with `tf.setBackend` (both stay initialised), which
 * `selectBackend` refuses on purpose; so they start webgpu through src/backend/webgpu.ts directly.
 * Skipped, with the reason, where Dawn finds no adapter (on Linux: no Vulkan driver it accepts,
 * e.g. without Mesa 25's lavapipe); with AWMTL_REQUIRE_WEBGPU=1 (set by .ci/run, which installs
 * lavapipe) a missing adapter is a failure instead. lavapipe compiles each shader once per process: the shapes are small.
 */
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { describeAdapter, isSoftwareAdapter, probeWebgpu, startWebgpu, SYNC_READ_ERROR } from '../../src/backend/webgpu.js';
import { buildModel } from '../../src/model/index.js';
import { Rng } from '../../src/random.js';
import { binaryTask, multiClassTask, type TaskSpec } from '../../src/tasks.js';
import { taskLosses } from '../../src/train/losses.js';

const probe = await probeWebgpu();
const why = probe.available ? '' : probe.why;
const gpuTest = probe.available ? test.serial : test.serial.skip;
const skipNote = probe.available ? '' : ` (skipped: ${why})`;

if (probe.available) {
  await startWebgpu();
  await tf.setBackend('cpu');
}

test('software adapters are recognised by the fallback flag, the architecture or the driver name', (t) => {
  t.true(isSoftwareAdapter({ isFallbackAdapter: true, vendor: 'x', description: 'anything' }));
  t.true(isSoftwareAdapter({ architecture: 'software', vendor: 'mesa' }));
  t.true(isSoftwareAdapter({ description: 'llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)' }));
  t.true(isSoftwareAdapter({ description: 'SwiftShader Device (Subzero)' }));
  t.true(isSoftwareAdapter({ description: 'Microsoft Basic Render Driver' }));
  t.false(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200', isFallbackAdapter: false }));
  t.false(isSoftwareAdapter({ vendor: 'apple', architecture: 'metal-3', description: '' }));
  t.is(
    describeAdapter({ vendor: 'mesa', architecture: 'software', device: 'llvmpipe', description: 'llvmpipe: Mesa', fallback: true, software: true }),
    'mesa / software / llvmpipe: Mesa (software adapter)',
  );
});

if (process.env.AWMTL_REQUIRE_WEBGPU === '1') {
  test('a WebGPU adapter is there, as AWMTL_REQUIRE_WEBGPU=1 says (.ci/run installs Mesa lavapipe and sets it)', (t) => {
    t.true(probe.available, why);
  });
}

type Computation = () => tf.Tensor[];

/** Runs `f` on a backend and reads every result back (asynchronously: webgpu has no sync read). */
async function runOn(backend: 'cpu' | 'webgpu', f: Computation): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(f);
  try {
    return await Promise.all(outs.map(async (o) => Float32Array.from(await o.data())));
  } finally {
    tf.dispose(outs);
  }
}

/** The largest |webgpu - cpu| relative to the largest |cpu|, per output. */
async function parity(f: Computation): Promise<number[]> {
  const cpu = await runOn('cpu', f);
  const gpu = await runOn('webgpu', f);
  return cpu.map((c, i) => {
    const g = gpu[i];
    if (g.length !== c.length) return Infinity;
    let scale = 0;
    let diff = 0;
    for (let k = 0; k < c.length; k++) {
      scale = Math.max(scale, Math.abs(c[k]));
      diff = Math.max(diff, Number.isNaN(g[k]) !== Number.isNaN(c[k]) ? Infinity : Math.abs(g[k] - c[k]));
    }
    return scale === 0 ? diff : diff / scale;
  });
}

const TOLERANCE = 1e-4;

const rng = Rng.fromSeed(7);
const normal = (shape: number[]): { values: Float32Array; shape: number[] } => ({
  values: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
  shape,
});
const tensorOf = (d: { values: Float32Array; shape: number[] }): tf.Tensor => tf.tensor(d.values, d.shape);

/** The value of `f(x, w)` and its gradients with respect to both, for a scalar made of f's output. */
const valueAndGrads =
  (f: (x: tf.Tensor, w: tf.Tensor) => tf.Tensor, xd: ReturnType<typeof normal>, wd: ReturnType<typeof normal>): Computation =>
  () => {
    const x = tensorOf(xd);
    const w = tensorOf(wd);
    const y = f(x, w);
    // A weighted sum, so the upstream gradient is not uniform.
    const r = tf.tensor(Float32Array.from({ length: y.size }, (_, i) => Math.sin(i)), y.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), r)))([x, w]);
    return [y, dx, dw];
  };

const CONVS: readonly { name: string; kernel: number; stride: 1 | 2; pad: 'same' | 'valid'; padFirst: number; cin: number; cout: number; size: number }[] = [
  { name: '3x3 stride 1 same (small-cnn, basic blocks)', kernel: 3, stride: 1, pad: 'same', padFirst: 0, cin: 3, cout: 8, size: 12 },
  { name: '3x3 stride 2 after zero padding 1 (ResNet stage entries)', kernel: 3, stride: 2, pad: 'valid', padFirst: 1, cin: 4, cout: 8, size: 12 },
  { name: '7x7 stride 2 after zero padding 3 (ResNet stem)', kernel: 7, stride: 2, pad: 'valid', padFirst: 3, cin: 3, cout: 8, size: 16 },
  { name: '1x1 stride 2 (ResNet downsample)', kernel: 1, stride: 2, pad: 'valid', padFirst: 0, cin: 4, cout: 8, size: 12 },
  { name: '1x1 stride 1 (bottleneck)', kernel: 1, stride: 1, pad: 'same', padFirst: 0, cin: 8, cout: 4, size: 8 },
];

for (const c of CONVS) {
  gpuTest(`conv2d ${c.name}: output, input gradient and filter gradient match cpu${skipNote}`, async (t) => {
    const conv = (x: tf.Tensor, w: tf.Tensor) => {
      const input = c.padFirst > 0 ? tf.pad(x, [[0, 0], [c.padFirst, c.padFirst], [c.padFirst, c.padFirst], [0, 0]]) : x;
      return tf.conv2d(input as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad);
    };
    const errors = await parity(valueAndGrads(conv, normal([2, c.size, c.size, c.cin]), normal([c.kernel, c.kernel, c.cin, c.cout])));
    t.true(errors.every((e) => e <= TOLERANCE), `y, dx, dw relative errors ${errors.join(', ')}`);
  });
}

gpuTest(`max pooling 3x3 stride 2 after padding, and 2x2 stride 2: output and gradient match cpu${skipNote}`, async (t) => {
  const xd = normal([2, 9, 9, 4]);
  const errors = await parity(() => {
    const x = tensorOf(xd) as tf.Tensor4D;
    const r = (y: tf.Tensor) => tf.tensor(Float32Array.from({ length: y.size }, (_, i) => Math.cos(i)), y.shape);
    const pool3 = (a: tf.Tensor) => tf.maxPool(tf.pad(a as tf.Tensor4D, [[0, 0], [1, 1], [1, 1], [0, 0]]), 3, 2, 'valid');
    const pool2 = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid');
    const y3 = pool3(x);
    const y2 = pool2(x);
    const g3 = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(pool3(a), r(y3))))(x);
    const g2 = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(pool2(a), r(y2))))(x);
    return [y3, g3, y2, g2];
  });
  t.true(errors.every((e) => e <= TOLERANCE), `relative errors ${errors.join(', ')}`);
});

gpuTest(`batch normalisation in training mode, ReLU, add, global average pooling and dense: values and gradients match cpu${skipNote}`, async (t) => {
  const xd = normal([4, 6, 6, 8]);
  const gamma = normal([8]);
  const beta = normal([8]);
  const dense = normal([8, 5]);
  const errors = await parity(() => {
    const x = tensorOf(xd);
    const vars = [gamma, beta, dense].map(tensorOf);
    // As tf.layers.batchNormalization computes it with training: true (batch moments, epsilon 1e-5).
    const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor, w: tf.Tensor) => {
      const { mean, variance } = tf.moments(a, [0, 1, 2]);
      const bn = tf.batchNorm(a as tf.Tensor4D, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, 1e-5);
      const block = tf.relu(tf.add(bn, a));
      const pooled = tf.mean(block, [1, 2]);
      return tf.matMul(pooled as tf.Tensor2D, w as tf.Tensor2D);
    };
    const y = f(x, vars[0], vars[1], vars[2]);
    const r = tf.tensor(Float32Array.from({ length: y.size }, (_, i) => Math.sin(i + 1)), y.shape);
    const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(f(a, g, b, w), r)))([x, ...vars]);
    return [y, ...grads];
  });
  t.true(errors.every((e) => e <= TOLERANCE), `y, dx, dgamma, dbeta, dW relative errors ${errors.join(', ')}`);
});

gpuTest(`a synchronous read of GPU data is refused with an error saying why; data still on the CPU reads synchronously${skipNote}`, async (t) => {
  await tf.setBackend('webgpu');
  // Large enough that the backend does not run the product on the CPU (it does for small tensors).
  const values = Float32Array.from({ length: 4096 }, (_, i) => i);
  const onCpu = tf.tensor1d(values);
  // Not uploaded yet (the backend drops the CPU copy when a kernel uploads it).
  t.deepEqual(onCpu.dataSync(), values);
  const computed = tf.mul(onCpu, 2);
  try {
    t.throws(() => computed.dataSync(), { message: SYNC_READ_ERROR });
    t.deepEqual(await computed.data(), values.map((v) => 2 * v));
  } finally {
    tf.dispose([onCpu, computed]);
    await tf.setBackend('cpu');
  }
});

const TASKS: readonly TaskSpec[] = [binaryTask('a'), binaryTask('b'), multiClassTask('colour', ['red', 'green', 'blue']), binaryTask('c')];

for (const kind of ['bce', 'mse'] as const) {
  gpuTest(`the ${kind} task losses (binary and multi-class, with a missing label): values and logit gradients match cpu${skipNote}`, async (t) => {
    const logits = normal([6, 6]);
    // Labels: binary 0/1, multi-class index; one missing (-1) in each of two tasks.
    const labels = { values: Float32Array.from([1, 0, 2, 1, 0, 1, 0, 1, 0, 0, -1, 1, 1, 2, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1]), shape: [6, 4] };
    const errors = await parity(() => {
      const z = tensorOf(logits) as tf.Tensor2D;
      const y = tensorOf(labels) as tf.Tensor2D;
      const losses = taskLosses(kind, TASKS, z, y);
      const dz = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(taskLosses(kind, TASKS, a as tf.Tensor2D, y), tf.tensor1d([1, 2, 0.5, 3]))))(z);
      return [losses, dz];
    });
    t.true(errors.every((e) => e <= TOLERANCE), `losses, dlogits relative errors ${errors.join(', ')}`);
  });
}

gpuTest(`a narrow ResNet-18 with heads, in training mode: logits, task losses and every weight's gradient match cpu, and nothing leaks${skipNote}`, async (t) => {
  await tf.setBackend('cpu');
  const built = await buildModel({ backbone: 'resnet18', inputShape: [32, 32, 3], tasks: TASKS, seed: 3, widthMultiplier: 0.125 });
  if (built._tag === 'Left') return t.fail(JSON.stringify(built.left));
  const model = built.right;
  const xd = normal([8, 32, 32, 3]);
  const labels = tf.tensor2d([1, 0, 2, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 2, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 0, 2, 0, 0, 1, 1, 1], [8, 4]);
  const labelValues = Float32Array.from(await labels.data());
  labels.dispose();
  try {
    const step: Computation = () => {
      const x = tensorOf(xd);
      const y = tf.tensor2d(labelValues, [8, 4]);
      const f = () => tf.sum(taskLosses('bce', TASKS, model.apply(x, { training: true }) as tf.Tensor2D, y)) as tf.Scalar;
      const { value, grads } = tf.variableGrads(f);
      // Training mode again: batch statistics (each training-mode call also moves the moving
      // averages, so inference-mode logits would differ between the two runs by construction).
      const logits = model.apply(x, { training: true }) as tf.Tensor;
      return [value, logits, ...model.trainableWeights.map((w) => grads[w.name])];
    };
    const errors = await parity(step);
    const worst = Math.max(...errors);
    t.log(`worst relative error ${worst.toExponential(2)} over ${errors.length} tensors`);
    t.is(errors.length, 2 + model.trainableWeights.length);
    t.true(worst <= TOLERANCE, `worst relative error ${worst} (of ${errors.length} tensors): ${errors.map((e, i) => `${i}:${e.toExponential(1)}`).join(" ")}`);
    // Leaks: the same computation twice more on webgpu leaves the tensor count unchanged.
    await runOn('webgpu', step);
    const before = tf.memory().numTensors;
    await runOn('webgpu', step);
    t.is(tf.memory().numTensors, before);
  } finally {
    model.dispose();
  }
});
