import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/random.js';

export type Pad = 'same' | 'valid';

const rng = Rng.fromSeed(20240611);
export const randomArray = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** ||a - b|| / ||b|| */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

/** Runs `f` on a backend and returns the values of the tensor it makes (then disposes it). */
export async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => f().dataSync() as Float32Array).slice();
}

/** Conv2D forward, Conv2DBackpropInput and Conv2DBackpropFilter: wasm vs cpu relative errors. */
export async function convErrors(
  [n, h, w, ci, co, k, s, pad]: [number, number, number, number, number, number, number, Pad],
): Promise<{ forward: number; input: number; filter: number }> {
  const xShape: [number, number, number, number] = [n, h, w, ci];
  const fShape: [number, number, number, number] = [k, k, ci, co];
  const xv = randomArray(size(xShape));
  const fv = randomArray(size(fShape));
  const conv = (): tf.Tensor => tf.conv2d(tf.tensor4d(xv, xShape), tf.tensor4d(fv, fShape), s, pad);
  const forward = relativeError(await on('wasm', conv), await on('cpu', conv));
  const outShape = tf.tidy(() => conv().shape);
  const dyv = randomArray(size(outShape));
  const attrs = { strides: [s, s], pad, dataFormat: 'NHWC' };
  const bpi = (): tf.Tensor =>
    tf.engine().runKernel(
      'Conv2DBackpropInput',
      { dy: tf.tensor(dyv, outShape), filter: tf.tensor4d(fv, fShape) },
      { ...attrs, inputShape: xShape },
    ) as tf.Tensor;
  const bpf = (): tf.Tensor =>
    tf.engine().runKernel(
      'Conv2DBackpropFilter',
      { x: tf.tensor4d(xv, xShape), dy: tf.tensor(dyv, outShape) },
      { ...attrs, filterShape: fShape },
    ) as tf.Tensor;
  const input = relativeError(await on('wasm', bpi), await on('cpu', bpi));
  const filter = relativeError(await on('wasm', bpf), await on('cpu', bpf));
  return { forward, input, filter };
}

export type ConvCase = [number, number, number, number, number, number, number, Pad];

/** Asserts wasm-vs-cpu parity (1e-4) of Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter for each case. */
export async function expectConvParity(
  t: { true(value: boolean, message?: string): unknown },
  cases: readonly ConvCase[],
  label: (c: ConvCase) => string,
): Promise<void> {
  for (const c of cases) {
    const e = await convErrors(c);
    t.true(e.forward <= 1e-4, `Conv2D ${label(c)}: ${e.forward}`);
    t.true(e.input <= 1e-4, `Conv2DBackpropInput ${label(c)}: ${e.input}`);
    t.true(e.filter <= 1e-4, `Conv2DBackpropFilter ${label(c)}: ${e.filter}`);
  }
}
