import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../src/backend/wasm/kernels/index.js';
import { setWinogradMinWork, winogradPays } from '../../src/backend/wasm/kernels/winogradConv.js';
import { type ConvCase, expectConvParity, on, randomArray, relativeError, size } from './helpers.js';

let defaultMinWork = 0;
test.before(async () => {
  // The parity cases are small (the cpu backend is slow): take the Winograd path regardless of work.
  defaultMinWork = setWinogradMinWork(0);
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  await tf.setBackend('cpu');
});

// [batch, height, width, inChannels, outChannels, kernel 3, stride 1, pad]
type Case = ConvCase;
const cases: Case[] = [
  [2, 8, 8, 32, 32, 3, 1, 'same'], // even map
  [3, 7, 9, 32, 36, 3, 1, 'same'], // odd height and width: edge tiles store part of themselves
  [2, 6, 6, 36, 68, 3, 1, 'same'], // 3x3 tiles per image (flat GEMM tiles), channel remainders
  [2, 10, 12, 64, 64, 3, 1, 'valid'], // no padding: 8x10 output
  [1, 11, 9, 64, 68, 3, 1, 'valid'], // odd valid output
  [4, 12, 12, 64, 64, 3, 1, 'same'], // ResNet-like
  [3, 3, 3, 64, 64, 3, 1, 'same'], // 3x3 map: the filter gradient only
];

const label = ([n, h, w, ci, co, , , pad]: Case): string => `${n}x${h}x${w}x${ci}->${co} 3x3 s1 ${pad}`;

test.serial('the Winograd path is taken for these shapes, not for 3x3 outputs (but for their filter gradient), few or odd channels', (t) => {
  for (const [n, h, w, ci, co, , , pad] of cases) {
    const [oh, ow] = pad === 'same' ? [h, w] : [h - 2, w - 2];
    const call = { N: n, H: h, W: w, K: ci, cols: co, OH: oh, OW: ow, top: 0, left: 0 };
    if (ci * co >= 64 * 64) t.true(winogradPays(call, true), `filter gradient ${oh}x${ow} ${ci}->${co}`);
    if (oh === 3) continue;
    t.true(winogradPays(call), `forward ${oh}x${ow} ${ci}->${co}`);
    t.true(winogradPays({ ...call, K: co, cols: ci }), `input gradient ${ci}<-${co}`);
  }
  const map3 = { N: 16, H: 3, W: 3, K: 512, cols: 512, OH: 3, OW: 3, top: 1, left: 1 };
  t.false(winogradPays(map3));
  t.true(winogradPays(map3, true), 'the filter gradient of a 3x3 map');
  t.false(winogradPays({ ...map3, H: 1, W: 1, OH: 1, OW: 1 }, true));
  const small = { N: 2, H: 8, W: 8, K: 32, cols: 32, OH: 8, OW: 8, top: 1, left: 1 };
  t.true(winogradPays(small));
  t.false(winogradPays(small, true), 'too few channel pairs for the filter gradient');
  t.false(winogradPays({ ...small, K: 36, cols: 16 }), 'too few output channels');
  t.false(winogradPays({ ...small, K: 34 }), 'not whole vectors');
  setWinogradMinWork(defaultMinWork);
  t.false(winogradPays(small), 'too little work by default');
  t.true(winogradPays({ ...small, N: 32, H: 16, W: 16, OH: 16, OW: 16 }), 'the small-cnn third layer at batch 32 is enough');
  t.true(winogradPays(map3, true), 'ResNet-18 at batch 16 is enough');
  setWinogradMinWork(0);
});

test.serial('Winograd Conv2D, stride-1 Conv2DBackpropInput and Conv2DBackpropFilter agree with the cpu backend', async (t) => {
  await expectConvParity(t, cases, label);
});

test.serial('Winograd FusedConv2D with bias and relu/relu6 agrees with the cpu backend', async (t) => {
  const xShape: [number, number, number, number] = [3, 7, 8, 32];
  const fShape: [number, number, number, number] = [3, 3, 32, 36];
  const xv = randomArray(size(xShape));
  const fv = randomArray(size(fShape));
  const bv = randomArray(36);
  for (const activation of ['linear', 'relu', 'relu6'] as const) {
    const conv = (): tf.Tensor =>
      tf.fused.conv2d({
        x: tf.mul(tf.tensor4d(xv, xShape), 4) as tf.Tensor4D,
        filter: tf.tensor4d(fv, fShape),
        strides: 1,
        pad: 'same',
        bias: tf.tensor1d(bv),
        activation,
      });
    const e = relativeError(await on('wasm', conv), await on('cpu', conv));
    t.true(e <= 1e-4, `${activation}: ${e}`);
  }
});

test.serial('the Winograd path leaks no tensors and no heap over repeated training steps', async (t) => {
  await tf.setBackend('wasm');
  const x = tf.tensor4d(randomArray(2 * 8 * 8 * 64), [2, 8, 8, 64]);
  const f = tf.tensor4d(randomArray(3 * 3 * 64 * 64), [3, 3, 64, 64]);
  const step = (): void => {
    tf.tidy(() => {
      const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))),
      )([x, f]);
      gx.dataSync();
      gf.dataSync();
    });
  };
  step();
  const before = tf.memory().numTensors;
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const idsBefore = backend.numDataIds();
  const heapBefore = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
  for (let i = 0; i < 20; i++) step();
  t.is(tf.memory().numTensors, before);
  t.is(backend.numDataIds(), idsBefore);
  t.is((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length, heapBefore);
  x.dispose();
  f.dispose();
});
