import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../src/backend/wasm/kernels/index.js';
import { setWinogradMinWork, winogradPays, winogradTileFor } from '../../src/backend/wasm/kernels/winogradConv.js';
import { bestWinogradTile, type WinogradTile, winogradMatrices } from '../../src/backend/wasm/winogradMatrices.js';
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
  [3, 3, 3, 64, 64, 3, 1, 'same'], // 3x3 map: one F(3x3) tile
  [2, 5, 7, 32, 32, 3, 1, 'same'], // odd, not multiples of 3 or 4: partial tiles at every size
];

const label = ([n, h, w, ci, co, , , pad]: Case): string => `${n}x${h}x${w}x${ci}->${co} 3x3 s1 ${pad}`;

test('F(m, 3) for m = 2, 3, 4: A^T [(G g) . (B^T d)] is the 3-tap correlation of d with g', (t) => {
  for (const m of [2, 3, 4] as const) {
    const { alpha, BT, G, AT } = winogradMatrices(m);
    t.is(alpha, m + 2);
    for (let trial = 0; trial < 10; trial++) {
      const g = randomArray(3);
      const d = randomArray(alpha);
      const u = G.map((row) => row.reduce((s, c, k) => s + c * g[k], 0));
      const v = BT.map((row) => row.reduce((s, c, l) => s + c * d[l], 0));
      const y = AT.map((row) => row.reduce((s, c, j) => s + c * u[j] * v[j], 0));
      for (let i = 0; i < m; i++) t.true(Math.abs(y[i] - (g[0] * d[i] + g[1] * d[i + 1] + g[2] * d[i + 2])) < 1e-12, `F(${m}, 3) output ${i}`);
    }
  }
  // The published F(4x4, 3x3) matrices (Lavin and Gray 2016) come out as they are printed there.
  t.deepEqual(winogradMatrices(4).BT[0], [4, 0, -5, 0, 1, 0]);
  t.deepEqual(winogradMatrices(4).AT[3], [0, 1, -1, 8, -8, 1]);
});

test('the tile with the fewest multiplies: 4 on maps of multiples of 4, 3 on 3x3 and 6x6 maps', (t) => {
  t.is(bestWinogradTile(24, 24).m, 4);
  t.is(bestWinogradTile(12, 12).m, 4);
  t.is(bestWinogradTile(6, 6).m, 3);
  t.is(bestWinogradTile(3, 3).m, 3);
  t.is(bestWinogradTile(2, 2).m, 2);
  t.deepEqual(bestWinogradTile(3, 3, [2]), { m: 2, multiplies: 4 * 16 });
});

test.serial('the Winograd path is taken for these shapes with the best tile, not for few or odd channels', (t) => {
  for (const [n, h, w, ci, co, , , pad] of cases) {
    const [oh, ow] = pad === 'same' ? [h, w] : [h - 2, w - 2];
    const call = { N: n, H: h, W: w, K: ci, cols: co, OH: oh, OW: ow, top: 0, left: 0 };
    if (ci * co >= 64 * 64) t.is(winogradTileFor(call, true), bestWinogradTile(oh, ow).m, `filter gradient ${oh}x${ow} ${ci}->${co}`);
    t.is(winogradTileFor(call), bestWinogradTile(oh, ow).m, `forward ${oh}x${ow} ${ci}->${co}`);
    t.true(winogradPays({ ...call, K: co, cols: ci }), `input gradient ${ci}<-${co}`);
  }
  const map3 = { N: 16, H: 3, W: 3, K: 512, cols: 512, OH: 3, OW: 3, top: 1, left: 1 };
  t.is(winogradTileFor(map3), 3, 'a 3x3 map is one F(3x3, 3x3) tile (size thresholds off)');
  t.false(winogradPays({ ...map3, H: 1, W: 1, OH: 1, OW: 1 }, true));
  t.false(winogradPays({ ...map3, H: 1, W: 1, OH: 1, OW: 1 }), 'a 1x1 map gains nothing');
  const small = { N: 2, H: 8, W: 8, K: 32, cols: 32, OH: 8, OW: 8, top: 1, left: 1 };
  t.is(winogradTileFor(small), 4);
  t.false(winogradPays(small, true), 'too few channel pairs for the filter gradient');
  t.false(winogradPays({ ...small, K: 36, cols: 16 }), 'too few output channels');
  t.false(winogradPays({ ...small, K: 34 }), 'not whole vectors');
  process.env.AWMTL_WASM_WINOGRAD_TILES = '2';
  t.is(winogradTileFor(small), 2, 'AWMTL_WASM_WINOGRAD_TILES=2 keeps F(2x2, 3x3)');
  t.false(winogradPays({ ...map3, N: 64 }), 'F(2x2) on a 3x3 map computes 4x4 for 9 outputs: not used');
  delete process.env.AWMTL_WASM_WINOGRAD_TILES;
  setWinogradMinWork(defaultMinWork);
  t.false(winogradPays(small), 'too little work by default');
  t.is(winogradTileFor(map3), null, 'a 3x3 map at batch 16: 16 F(3x3) tiles, too few for the filter side to pay');
  t.is(winogradTileFor({ ...map3, N: 256 }), 3, 'at batch 256, one F(3x3, 3x3) tile per image: enough tiles');
  t.is(winogradTileFor(map3, true), null, 'the filter gradient of a 3x3 map at batch 16 stays direct too');
  t.is(winogradTileFor({ ...map3, N: 8, H: 8, W: 8, OH: 8, OW: 8, K: 256, cols: 256 }), 2, 'ResNet-50 8x8x256 at batch 8: F(2x2), 32 F(4x4) tiles are too few');
  t.is(winogradTileFor({ ...map3, N: 8, H: 4, W: 4, OH: 4, OW: 4 }, true), null, 'the filter gradient of 4x4x512 at batch 8: 32 F(2x2) tiles, direct');
  t.is(winogradTileFor({ ...map3, N: 8, H: 4, W: 4, OH: 4, OW: 4 }), 2, 'its forward convolution: F(2x2)');
  t.is(winogradTileFor({ ...map3, H: 24, W: 24, OH: 24, OW: 24, K: 64, cols: 64 }), 4, 'ResNet-18 24x24x64: F(4x4, 3x3)');
  t.true(winogradPays({ ...small, N: 32, H: 16, W: 16, OH: 16, OW: 16 }), 'the small-cnn third layer at batch 32 is enough');
  t.is(winogradTileFor({ ...map3, H: 6, W: 6, OH: 6, OW: 6, K: 256, cols: 256 }, true), 2, 'ResNet-18 6x6x256 at batch 16: F(2x2), 64 F(3x3) tiles are too few');
  setWinogradMinWork(0);
});

for (const tile of [2, 3, 4] as WinogradTile[]) {
  test.serial(`Winograd F(${tile}x${tile}, 3x3) Conv2D, stride-1 Conv2DBackpropInput and Conv2DBackpropFilter agree with the cpu backend`, async (t) => {
    process.env.AWMTL_WASM_WINOGRAD_TILES = String(tile);
    try {
      t.is(winogradTileFor({ N: 4, H: 12, W: 12, K: 64, cols: 64, OH: 12, OW: 12, top: 1, left: 1 }), tile);
      await expectConvParity(t, cases, label);
    } finally {
      delete process.env.AWMTL_WASM_WINOGRAD_TILES;
    }
  });
}

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
    for (const tile of ['2', '3', '4']) {
      process.env.AWMTL_WASM_WINOGRAD_TILES = tile;
      const e = relativeError(await on('wasm', conv), await on('cpu', conv));
      delete process.env.AWMTL_WASM_WINOGRAD_TILES;
      t.true(e <= 1e-4, `F(${tile}x${tile}) ${activation}: ${e}`);
    }
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
