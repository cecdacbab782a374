/**
 * How a kernel call is split over the kernel worker pool (by images or rows), the per-thread
 * partial sums of split reductions, and zero-filled outputs.
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import type { KernelRuntime } from '../runtime.js';

/** Work (multiply-adds or elements) below which a call stays on one thread. */
export const PARALLEL_MIN_WORK = 1 << 17;

/** Chunks per thread when a call is split (threads take chunks as they free up). */
export const CHUNKS_PER_THREAD = 4;

/** Number of chunks to split `items` into, for `work` total work. */
export const partsFor = (rt: KernelRuntime, items: number, work: number): number =>
  work < PARALLEL_MIN_WORK || rt.threads === 1
    ? 1
    : Math.max(1, Math.min(items, rt.threads * CHUNKS_PER_THREAD, Math.floor(work / (PARALLEL_MIN_WORK / 2))));

/** Per-thread buffers of `floats` floats for a split call (none when it is not split), zeroed if asked. */
export function perThread(rt: KernelRuntime, chunks: number, floats: number, zero: boolean): number[] {
  if (chunks < 2) return [];
  const buffers = Array.from({ length: rt.threads }, () => rt.malloc(floats));
  if (zero) {
    const heap = rt.f32;
    for (const b of buffers) heap.fill(0, b >>> 2, (b >>> 2) + floats);
  }
  return buffers;
}

/** dst[i] += each of `partials`[i] for `count` floats (float indices), then frees the partials. */
export function addPartials(rt: KernelRuntime, dst: number, partials: number[], count: number): void {
  const heap = rt.f32;
  const d = dst >>> 2;
  for (const p of partials) {
    const q = p >>> 2;
    for (let i = 0; i < count; i++) heap[d + i] += heap[q + i];
    rt.free(p);
  }
}

/** Zero-filled output of `shape`. */
export function zeros(rt: KernelRuntime, shape: number[]): TensorInfo {
  const out = rt.output(shape);
  const o = rt.offset(out) >>> 2;
  rt.f32.fill(0, o, o + shape.reduce((a, b) => a * b, 1));
  return out;
}

/** Largest channel count the per-channel kernels are generated for. */
export const MAX_CHANNELS = 4096;
