import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from '../../src/backend/wasm/kernels/index.js';
import { type ConvCase, expectConvParity, on, type Pad, randomArray, relativeError, size } from './helpers.js';

test.before(async () => {
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  await tf.setBackend('cpu');
});

test.serial('the training kernels are registered on wasm, idempotently', (t) => {
  registerWasmTrainingKernels();
  const names = tf.getKernelsForBackend('wasm').map((k) => k.kernelName);
  for (const k of WASM_TRAINING_KERNELS) t.is(names.filter((n) => n === k).length, 1, k);
  t.true(names.includes('Conv2DBackpropFilter'));
});

// [batch, height, width, inChannels, outChannels, kernel, stride, pad]
type Case = ConvCase;
const cases: Case[] = [];
for (const k of [1, 3, 5, 7]) {
  for (const s of [1, 2]) {
    for (const pad of ['same', 'valid'] as const) cases.push([k % 2 === 1 && s === 1 ? 1 : 3, 9, 11, 3, 5, k, s, pad]);
  }
}
cases.push(
  [2, 7, 7, 16, 12, 3, 1, 'same'], // full register tiles plus a vector remainder
  [3, 8, 8, 8, 16, 3, 2, 'same'], // even size, stride 2
  [2, 6, 5, 5, 4, 2, 1, 'same'], // even kernel: asymmetric 'same' padding
  [1, 13, 13, 8, 3, 3, 2, 'valid'], // scalar output-channel tail only
  [2, 10, 10, 6, 6, 4, 2, 'same'],
);

const label = ([n, h, w, ci, co, k, s, pad]: Case): string => `${n}x${h}x${w}x${ci}->${co} k${k} s${s} ${pad}`;

test.serial('Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter agree with the cpu backend', async (t) => {
  await expectConvParity(t, cases, label);
});

test.serial('tf.grads of a conv2d loss agree with the cpu backend (w.r.t. input and filter)', async (t) => {
  for (const [n, s, pad] of [
    [1, 1, 'same'],
    [4, 2, 'same'],
    [2, 2, 'valid'],
  ] as [number, number, Pad][]) {
    const xShape: [number, number, number, number] = [n, 11, 9, 4];
    const fShape: [number, number, number, number] = [3, 3, 4, 8];
    const xv = randomArray(size(xShape));
    const fv = randomArray(size(fShape));
    const grads = (which: 0 | 1) => (): tf.Tensor => {
      const g = tf.grads((x: tf.Tensor, f: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, s, pad))),
      )([tf.tensor4d(xv, xShape), tf.tensor4d(fv, fShape)]);
      return g[which];
    };
    for (const which of [0, 1] as const) {
      const e = relativeError(await on('wasm', grads(which)), await on('cpu', grads(which)));
      t.true(e <= 1e-4, `grad ${which === 0 ? 'x' : 'filter'} n${n} s${s} ${pad}: ${e}`);
    }
  }
});

test.serial('MaxPoolGrad agrees with the cpu backend (overlapping windows, padding, odd channels)', async (t) => {
  // [batch, height, width, channels, window, stride, pad]
  const poolCases: [number, number, number, number, number, number, Pad][] = [
    [2, 8, 8, 4, 2, 2, 'valid'],
    [2, 9, 7, 5, 3, 2, 'same'],
    [1, 6, 6, 3, 3, 1, 'same'],
    [3, 7, 9, 8, 2, 2, 'same'],
    [3, 6, 10, 16, 2, 2, 'same'], // windows tile the input exactly
    [2, 9, 9, 8, 3, 3, 'valid'], // exactly, 3x3
    [2, 9, 9, 3, 3, 3, 'valid'],
  ];
  for (const [n, h, w, c, f, s, pad] of poolCases) {
    const xShape: [number, number, number, number] = [n, h, w, c];
    const xv = randomArray(size(xShape));
    const grad = (): tf.Tensor =>
      tf.grad((x: tf.Tensor) => {
        const y = tf.maxPool(x as tf.Tensor4D, f, s, pad);
        // A position-dependent upstream gradient, so misrouted values show.
        return tf.sum(tf.mul(y, tf.reshape(tf.range(1, 1 + y.size), y.shape)));
      })(tf.tensor4d(xv, xShape));
    const e = relativeError(await on('wasm', grad), await on('cpu', grad));
    t.true(e <= 1e-6, `MaxPoolGrad ${xShape} f${f} s${s} ${pad}: ${e}`);
  }
});

test.serial('MaxPoolGrad routes ties to the first maximum, like the cpu backend', async (t) => {
  // Two 2x2 windows; one channel (generic kernel), then four equal channels (exact-tiling kernel).
  const xv = new Float32Array([0, 0, 0, 0, 1, 1, 0, 1]);
  for (const c of [1, 4]) {
    const x4 = Float32Array.from({ length: 8 * c }, (_, i) => xv[Math.floor(i / c)]);
    const grad = (): tf.Tensor =>
      tf.grad((x: tf.Tensor) => tf.sum(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')))(tf.tensor4d(x4, [1, 2, 4, c]));
    const wasm = await on('wasm', grad);
    t.deepEqual(Array.from(wasm), Array.from(await on('cpu', grad)));
    t.is(wasm.reduce((a, b) => a + b, 0), 2 * c);
  }
});

test.serial('the kernels leak no tensors over repeated calls', async (t) => {
  await tf.setBackend('wasm');
  const x = tf.tensor4d(randomArray(2 * 9 * 9 * 4), [2, 9, 9, 4]);
  const f = tf.tensor4d(randomArray(3 * 3 * 4 * 6), [3, 3, 4, 6]);
  const step = (): void => {
    tf.tidy(() => {
      const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.maxPool(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), 2, 1, 'same')),
      )([x, f]);
      gx.dataSync();
      gf.dataSync();
    });
  };
  step();
  const before = tf.memory().numTensors;
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const idsBefore = backend.numDataIds();
  for (let i = 0; i < 5; i++) step();
  t.is(tf.memory().numTensors, before);
  t.is(backend.numDataIds(), idsBefore);
  x.dispose();
  f.dispose();
});

test.serial('Sum over leading or middle axes (bias gradients, pooling) agrees with the cpu backend; other sums still work', async (t) => {
  // [shape, axes, keepDims]: channel tails of 1-3 floats, two register tiles (C > 32), > 256 rows.
  const sumCases: [number[], number | number[], boolean][] = [
    [[3, 10, 10, 16], [0, 1, 2], false],
    [[2, 11, 13, 5], [0, 1, 2], true],
    [[300, 37], 0, false],
    [[4, 70], [0], true],
    [[2, 3, 1], [0, 1], false],
    [[6, 7, 260], [0, 1], false],
    [[4, 6, 7, 9], [1, 2], false], // middle axes (global average pooling)
    [[2, 3, 5, 37], [1, 2], true],
    [[3, 4, 5], [1, 2], false], // trailing axes: shipped kernel
    [[3, 4, 5], [0, 2], true], // non-contiguous: shipped kernel
    [[5, 6], [0, 1], false], // everything: shipped kernel
  ];
  for (const [shape, axis, keepDims] of sumCases) {
    const xv = randomArray(size(shape));
    const f = (): tf.Tensor => tf.sum(tf.tensor(xv, shape), axis, keepDims);
    const shapes = await Promise.all(
      (['cpu', 'wasm'] as const).map(async (b) => {
        await tf.setBackend(b);
        return tf.tidy(() => f().shape);
      }),
    );
    t.deepEqual(shapes[1], shapes[0], `Sum shape ${shape} ${axis}`);
    const e = relativeError(await on('wasm', f), await on('cpu', f));
    t.true(e <= 1e-5, `Sum ${shape} axes ${axis} keepDims ${keepDims}: ${e}`);
  }
});

test.serial('Add of a per-channel bias agrees with the cpu backend, either operand order', async (t) => {
  const addCases: [number[], number[]][] = [
    [[2, 5, 7, 16], [16]],
    [[16], [2, 5, 7, 16]],
    [[3, 4, 5], [1, 1, 5]],
    [[9, 130], [130]],
    [[3, 260], [260]], // looped (not unrolled) channels
    [[4, 6], [4, 6]], // same shape: shipped kernel
    [[4, 6], [4, 1]], // other broadcast: shipped kernel
  ];
  for (const [sa, sb] of addCases) {
    const av = randomArray(size(sa));
    const bv = randomArray(size(sb));
    const f = (): tf.Tensor => tf.add(tf.tensor(av, sa), tf.tensor(bv, sb));
    const e = relativeError(await on('wasm', f), await on('cpu', f));
    t.true(e <= 1e-7, `Add ${sa} + ${sb}: ${e}`);
  }
});

test.serial('Identity and same-dtype Cast share data without copying, and stay valid', async (t) => {
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
  const y = tf.clone(x);
  const z = tf.cast(x, 'float32');
  const i = tf.cast(x, 'int32');
  x.dispose();
  t.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4]);
  t.deepEqual(Array.from(z.dataSync()), [1, 2, 3, 4]);
  t.is(i.dtype, 'int32');
  t.deepEqual(Array.from(i.dataSync()), [1, 2, 3, 4]);
  const backend = tf.backend() as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } };
  t.is(backend.dataIdMap.get(y.dataId).memoryOffset, backend.dataIdMap.get(z.dataId).memoryOffset);
  y.dispose();
  z.dispose();
  i.dispose();
  t.is(tf.memory().numTensors, before);
});

test.serial('FusedConv2D (bias, relu, relu6) agrees with the cpu backend; other activations fall back', async (t) => {
  const cases: [number[], number, Pad, boolean, 'linear' | 'relu' | 'relu6' | 'elu'][] = [
    [[2, 9, 11, 3], 1, 'same', true, 'relu'],
    [[2, 9, 11, 6], 2, 'valid', false, 'linear'],
    [[1, 7, 7, 5], 1, 'same', true, 'relu6'],
    [[2, 8, 8, 4], 2, 'same', true, 'linear'],
    [[1, 6, 6, 4], 1, 'same', true, 'elu'], // shipped kernel
  ];
  for (const [xShape, s, pad, withBias, activation] of cases) {
    const co = 6;
    const xv = randomArray(size(xShape));
    const fv = randomArray(3 * 3 * xShape[3] * co).map((v) => v * 3); // some outputs above 6
    const bv = randomArray(co);
    const f = (): tf.Tensor =>
      tf.fused.conv2d({
        x: tf.tensor4d(xv, xShape as [number, number, number, number]),
        filter: tf.tensor4d(fv, [3, 3, xShape[3], co]),
        strides: s,
        pad,
        bias: withBias ? tf.tensor1d(bv) : undefined,
        activation,
      });
    const e = relativeError(await on('wasm', f), await on('cpu', f));
    t.true(e <= 1e-4, `FusedConv2D ${xShape} s${s} ${pad} bias ${withBias} ${activation}: ${e}`);
  }
});

test.serial('Tile agrees with the cpu backend (batch-norm broadcasts, inner repeats, int32 and bool)', async (t) => {
  const cases: [number[], number[], 'float32' | 'int32' | 'bool'][] = [
    [[1, 1, 1, 5], [2, 3, 4, 1], 'float32'],
    [[2, 3], [3, 2], 'float32'],
    [[2, 1, 3], [1, 4, 2], 'int32'],
    [[3, 2], [2, 3], 'bool'],
    [[4], [1], 'float32'],
  ];
  for (const [shape, reps, dtype] of cases) {
    const v = randomArray(size(shape));
    const f = (): tf.Tensor => {
      const x = tf.tensor(v, shape);
      return tf.tile(dtype === 'float32' ? x : dtype === 'int32' ? tf.cast(tf.mul(x, 10), 'int32') : tf.greater(x, 0), reps);
    };
    const w = await on('wasm', f);
    const c = await on('cpu', f);
    t.deepEqual(Array.from(w), Array.from(c), `Tile ${shape} x ${reps} ${dtype}`);
  }
});

test.serial('Mean over leading or middle axes agrees with the cpu backend; other means still work', async (t) => {
  const cases: [number[], number | number[], boolean][] = [
    [[3, 10, 10, 16], [0, 1, 2], false],
    [[2, 5, 7, 6], [0, 1, 2], true],
    [[300, 5], 0, false],
    [[4, 6, 7, 9], [1, 2], true],
    [[3, 4, 5], [1, 2], false], // shipped kernel
  ];
  for (const [shape, axis, keepDims] of cases) {
    const v = randomArray(size(shape));
    const f = (): tf.Tensor => tf.mean(tf.tensor(v, shape), axis, keepDims);
    const e = relativeError(await on('wasm', f), await on('cpu', f));
    t.true(e <= 1e-5, `Mean ${shape} ${axis}: ${e}`);
  }
});

test.serial('Sqrt agrees with the cpu backend (vector body, scalar tail, NaN for negatives)', async (t) => {
  for (const n of [1, 7, 64, 1003]) {
    const v = randomArray(n).map((x, i) => (i === 2 ? -1 : Math.abs(x) * 100));
    const f = (): tf.Tensor => tf.sqrt(tf.tensor1d(v));
    const w = await on('wasm', f);
    const c = await on('cpu', f);
    t.deepEqual(Array.from(w).map((x) => (Number.isNaN(x) ? 'NaN' : x)), Array.from(c).map((x) => (Number.isNaN(x) ? 'NaN' : x)));
  }
});

test.serial('FusedBatchNorm agrees with the cpu backend (with and without scale and offset)', async (t) => {
  const shape = [2, 5, 6, 7];
  const xv = randomArray(size(shape)).map((x) => x * 3 + 10);
  const [m, v, o, s] = [randomArray(7).map((x) => x + 10), randomArray(7).map((x) => Math.abs(x) + 0.1), randomArray(7), randomArray(7)];
  for (const [withOffset, withScale] of [
    [true, true],
    [false, true],
    [true, false],
    [false, false],
  ]) {
    const f = (): tf.Tensor =>
      tf.batchNorm(
        tf.tensor4d(xv, shape as [number, number, number, number]),
        tf.tensor1d(m),
        tf.tensor1d(v),
        withOffset ? tf.tensor1d(o) : undefined,
        withScale ? tf.tensor1d(s) : undefined,
        1e-3,
      );
    const e = relativeError(await on('wasm', f), await on('cpu', f));
    t.true(e <= 1e-5, `batchNorm offset ${withOffset} scale ${withScale}: ${e}`);
  }
});

test.serial('PadV2 and Slice agree with the cpu backend', async (t) => {
  const padCases: [number[], [number, number][], number, 'float32' | 'int32' | 'bool'][] = [
    [[2, 5, 6, 3], [[0, 0], [3, 3], [3, 3], [0, 0]], 0, 'float32'],
    [[2, 3, 4], [[1, 0], [0, 2], [1, 1]], 2.5, 'float32'],
    [[3, 4], [[0, 0], [0, 0]], 0, 'float32'],
    [[2, 3], [[1, 1], [2, 0]], 7, 'int32'],
    [[2, 2], [[0, 1], [1, 0]], 1, 'bool'],
  ];
  for (const [shape, paddings, value, dtype] of padCases) {
    const v = randomArray(size(shape));
    const f = (): tf.Tensor => {
      const x = tf.tensor(v, shape);
      const typed = dtype === 'float32' ? x : dtype === 'int32' ? tf.cast(tf.mul(x, 10), 'int32') : tf.greater(x, 0);
      return tf.pad(typed, paddings, value);
    };
    t.deepEqual(Array.from(await on('wasm', f)), Array.from(await on('cpu', f)), `pad ${shape} ${JSON.stringify(paddings)} ${dtype}`);
  }
  const sliceCases: [number[], number[], number[]][] = [
    [[2, 8, 8, 3], [0, 3, 3, 0], [2, 4, 4, 3]],
    [[4, 5, 6], [1, 0, 2], [2, 5, -1]],
    [[10], [3], [4]],
    [[3, 4, 5], [0, 0, 0], [3, 4, 5]],
    [[3, 4, 5], [1, 1, 1], [0, 2, 2]],
  ];
  for (const [shape, begin, sz] of sliceCases) {
    const v = randomArray(size(shape));
    const f = (): tf.Tensor => tf.slice(tf.tensor(v, shape), begin, sz);
    t.deepEqual(Array.from(await on('wasm', f)), Array.from(await on('cpu', f)), `slice ${shape} ${begin} ${sz}`);
  }
});

test.serial('the kernels keep working after the wasm heap grows', async (t) => {
  const xShape: [number, number, number, number] = [2, 9, 9, 4];
  const xv = randomArray(size(xShape));
  const fv = randomArray(3 * 3 * 4 * 8);
  const grads = (): tf.Tensor =>
    tf.grad((f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(tf.tensor4d(xv, xShape), f as tf.Tensor4D, 1, 'same'))))(
      tf.tensor4d(fv, [3, 3, 4, 8]),
    );
  const before = await on('wasm', grads);
  const memory = (tf.backend() as unknown as { wasm: { asm: { memory: WebAssembly.Memory } } }).wasm.asm.memory;
  const bytes = memory.buffer.byteLength;
  const big = tf.zeros([64 * 1024 * 1024]); // 256 MB: the heap must grow
  t.true(memory.buffer.byteLength > bytes);
  const after = await on('wasm', grads);
  big.dispose();
  t.deepEqual(Array.from(after), Array.from(before));
  t.true(relativeError(after, await on('cpu', grads)) <= 1e-4);
});

test.serial('UnsortedSegmentSum (the gradient of gather) agrees with the cpu backend', async (t) => {
  const xv = randomArray(6 * 3 * 2);
  const direct = (): tf.Tensor => tf.unsortedSegmentSum(tf.tensor3d(xv, [6, 3, 2]), tf.tensor1d([2, 0, 2, 5, 1, 0], 'int32'), 4);
  t.deepEqual(Array.from(await on('wasm', direct)), Array.from(await on('cpu', direct)));
  const gatherGrad = (): tf.Tensor =>
    tf.grad((p: tf.Tensor) => tf.sum(tf.mul(tf.gather(p, tf.tensor1d([3, 1, 3, 0], 'int32'), 1), tf.tensor2d(xv.slice(0, 8), [2, 4]))))(
      tf.tensor2d(randomArray(10), [2, 5]),
    );
  const e = relativeError(await on('wasm', gatherGrad), await on('cpu', gatherGrad));
  t.true(e <= 1e-6, `gather gradient: ${e}`);
});

test.serial('gradients through a fused conv2d with bias (linear activation) agree with the cpu backend', async (t) => {
  const xv = randomArray(2 * 7 * 7 * 3);
  const fv = randomArray(3 * 3 * 3 * 5);
  const bv = randomArray(5);
  for (const which of [0, 1, 2]) {
    const g = (): tf.Tensor =>
      tf.grads((x: tf.Tensor, f: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.fused.conv2d({ x: x as tf.Tensor4D, filter: f as tf.Tensor4D, strides: 2, pad: 'same', bias: b }))),
      )([tf.tensor4d(xv, [2, 7, 7, 3]), tf.tensor4d(fv, [3, 3, 3, 5]), tf.tensor1d(bv)])[which];
    const e = relativeError(await on('wasm', g), await on('cpu', g));
    t.true(e <= 1e-4, `gradient ${['x', 'filter', 'bias'][which]}: ${e}`);
  }
});
