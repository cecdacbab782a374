/** Block copies on the heap for the data-movement kernels (PadV2, Slice, Tile). */
import type { KernelRuntime } from '../runtime.js';

/** Heap view and element size for a dtype (int32 and float32 share 4-byte indexing). */
export function heapFor(rt: KernelRuntime, dtype: string): { heap: Float32Array | Int32Array | Uint8Array; unit: number } {
  if (dtype === 'bool') return { heap: rt.u8, unit: 1 };
  if (dtype === 'int32') return { heap: rt.i32, unit: 4 };
  return { heap: rt.f32, unit: 4 };
}

/**
 * Copies the box `region` (per-dimension sizes) from src (shape srcShape, box corner srcAt) to
 * dst (shape dstShape, corner dstAt), element indices into `heap`, as contiguous runs.
 */
export function copyBox(
  heap: Float32Array | Int32Array | Uint8Array,
  src: number,
  srcShape: readonly number[],
  srcAt: readonly number[],
  dst: number,
  dstShape: readonly number[],
  dstAt: readonly number[],
  region: readonly number[],
): void {
  const rank = region.length;
  if (region.some((d) => d === 0)) return;
  // Trailing dimensions copied whole in both tensors merge into one contiguous run.
  let k = rank - 1;
  let run = region[k];
  while (k > 0 && region[k] === srcShape[k] && region[k] === dstShape[k]) {
    k--;
    run *= region[k];
  }
  const srcStride = new Array<number>(rank).fill(1);
  const dstStride = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) {
    srcStride[d] = srcStride[d + 1] * srcShape[d + 1];
    dstStride[d] = dstStride[d + 1] * dstShape[d + 1];
  }
  let s0 = src;
  let d0 = dst;
  for (let d = 0; d < rank; d++) {
    s0 += srcAt[d] * srcStride[d];
    d0 += dstAt[d] * dstStride[d];
  }
  // Odometer over dimensions 0..k-1.
  const idx = new Array<number>(Math.max(0, k)).fill(0);
  for (;;) {
    let s = s0;
    let t = d0;
    for (let d = 0; d < k; d++) {
      s += idx[d] * srcStride[d];
      t += idx[d] * dstStride[d];
    }
    heap.copyWithin(t, s, s + run);
    let d = k - 1;
    while (d >= 0 && ++idx[d] === region[d]) idx[d--] = 0;
    if (d < 0) break;
  }
}
