/**
 * Element-wise Add, Sub, Multiply and RealDiv of float32 tensors on the wasm backend, for the
 * shapes a training step uses (see ../addBinary.ts): equal shapes, one operand a single value, or
 * one operand per channel ([C] or [1, ..., 1, C] against [..., C]). Other broadcasts and dtypes
 * return null, and the caller uses the shipped kernel.
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import { addBinary, type BinaryLayout, type BinaryOp } from '../addBinary.js';
import { type KernelRuntime, runtimeFor, splitRange } from '../runtime.js';

/** Largest channel count the per-channel variant is generated for (its loop is unrolled). */
const MAX_CHANNELS = 1024;
/** Floats below which a call stays on one thread; and below which the shipped kernel is as good. */
const PARALLEL_MIN = 1 << 17;
const MIN_FLOATS = 64;

const count = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);
const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** Whether `small` broadcasts as one value per channel of `large` (its last axis). */
function perChannel(small: readonly number[], large: readonly number[]): boolean {
  const C = large[large.length - 1];
  return (
    large.length >= 2 &&
    small.length >= 1 &&
    small.length <= large.length &&
    small[small.length - 1] === C &&
    small.slice(0, -1).every((d) => d === 1) &&
    C > 0 &&
    C <= MAX_CHANNELS &&
    count(large) > C
  );
}

const isSingle = (small: readonly number[], large: readonly number[]): boolean => small.length <= large.length && count(small) === 1;

interface Plan {
  readonly layout: BinaryLayout;
  /** The broadcast operand is `a` (the left one of op). */
  readonly swap: boolean;
  readonly large: TensorInfo;
  readonly small: TensorInfo;
}

function plan(a: TensorInfo, b: TensorInfo): Plan | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  if (sameShape(a.shape, b.shape)) return { layout: 'same', swap: false, large: a, small: b };
  if (isSingle(b.shape, a.shape)) return { layout: 'scalar', swap: false, large: a, small: b };
  if (isSingle(a.shape, b.shape)) return { layout: 'scalar', swap: true, large: b, small: a };
  if (perChannel(b.shape, a.shape)) return { layout: 'channel', swap: false, large: a, small: b };
  if (perChannel(a.shape, b.shape)) return { layout: 'channel', swap: true, large: b, small: a };
  return null;
}

/** `a op b` for the covered shapes, or null (then use the shipped kernel). */
export function elementwise(op: BinaryOp, args: { inputs: Record<string, TensorInfo>; backend: object }): TensorInfo | null {
  const { a, b } = args.inputs;
  const p = plan(a, b);
  if (p === null) return null;
  const n = count(p.large.shape);
  if (n < MIN_FLOATS) return null;
  const rt: KernelRuntime = runtimeFor(args.backend);
  const out = rt.output(p.large.shape.slice());
  const C = p.layout === 'channel' ? p.large.shape[p.large.shape.length - 1] : 0;
  const kernel = rt.kernel(`binary:${op}:${p.layout}:${p.swap}:${C}`, (mod) => addBinary(mod, 'run', op, p.layout, p.swap, C));
  const [lo, so, o] = [rt.offset(p.large), rt.offset(p.small), rt.offset(out)];
  const parts = n < PARALLEL_MIN ? 1 : rt.threads * 2;
  if (p.layout === 'channel') {
    const ranges = splitRange(n / C, parts);
    rt.parallel(kernel, 'run', ranges.map(([s, c]) => [lo + s * C * 4, so, o + s * C * 4, c]));
  } else {
    const same = p.layout === 'same';
    // Ranges of whole vectors.
    const ranges = splitRange(Math.ceil(n / 4), parts).map(([s, c]) => [s * 4, Math.min(c * 4, n - s * 4)]);
    rt.parallel(kernel, 'run', ranges.map(([s, c]) => [lo + s * 4, same ? so + s * 4 : so, o + s * 4, c]));
  }
  return out;
}
