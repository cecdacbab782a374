/**
 * `AwmtlAdamUpdate`: one fused Adam step for one variable on the wasm backend (see ../addAdamUpdate.ts).
 * Inputs x, g, m, v (float32, one shape); attrs { beta1, beta2, epsilon, learningRate, step }
 * (step t >= 1 sets the bias corrections 1 - beta^t); outputs [x', m', v'].
 * src/train/fusedAdam.ts calls it from the optimiser; other backends keep tfjs's composed ops.
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import { ADAM_PARAMS, addAdamUpdate } from '../addAdamUpdate.js';
import { runtimeFor, splitRange } from '../runtime.js';

export const ADAM_UPDATE = 'AwmtlAdamUpdate';

export interface AdamUpdateAttrs {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly learningRate: number;
  /** The step being taken (1 for the first). */
  readonly step: number;
}

/** Floats below which an update stays on one thread. */
const PARALLEL_MIN = 1 << 16;

export function adamUpdate(args: { inputs: Record<string, TensorInfo>; backend: object; attrs: Record<string, unknown> }): TensorInfo[] {
  const { x, g, m, v } = args.inputs;
  const a = args.attrs as unknown as AdamUpdateAttrs;
  const n = x.shape.reduce((p, d) => p * d, 1);
  for (const t of [g, m, v]) {
    if (t.dtype !== 'float32' || x.dtype !== 'float32' || t.shape.reduce((p, d) => p * d, 1) !== n) {
      throw new Error(`awmtl wasm ${ADAM_UPDATE}: inputs must be float32 of one size`);
    }
  }
  const rt = runtimeFor(args.backend);
  const outs = [rt.output(x.shape), rt.output(x.shape), rt.output(x.shape)];
  if (n === 0) return outs;
  const params = rt.malloc(ADAM_PARAMS);
  const heap = rt.f32;
  const p = params >>> 2;
  const values = [a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, 1 - a.beta1 ** a.step, 1 - a.beta2 ** a.step, a.epsilon, -a.learningRate];
  values.forEach((value, k) => (heap[p + k] = value));
  const kernel = rt.kernel('adamUpdate', (mod) => addAdamUpdate(mod, 'run'));
  const [xo, go, mo, vo] = [x, g, m, v].map((t) => rt.offset(t));
  const [xn, mn, vn] = outs.map((t) => rt.offset(t));
  // Ranges of whole vectors per thread.
  const parts = n < PARALLEL_MIN ? 1 : rt.threads * 2;
  const ranges = splitRange(Math.ceil(n / 4), parts).map(([s, c]) => [s * 4, Math.min(c * 4, n - s * 4)]);
  rt.parallel(
    kernel,
    'run',
    ranges.map(([s, c]) => [xo + s * 4, go + s * 4, mo + s * 4, vo + s * 4, xn + s * 4, mn + s * 4, vn + s * 4, c, params]),
  );
  rt.free(params);
  return outs;
}
