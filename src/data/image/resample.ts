/**
 * Crop + resize of 8-bit RGB(A) pixels to 8-bit RGB, in one separable pass
 * pair, with no intermediate image object.
 *
 * The filter is bilinear (a triangle kernel) with antialiasing: when shrinking
 * by a factor s > 1 the kernel is widened to s source pixels, as PIL's
 * BILINEAR and tf.image.resize(antialias=true) do, so a 178 px face shrunk to
 * 64 px averages all its pixels instead of sampling one in three. When
 * enlarging it is plain bilinear interpolation with half-pixel centres.
 * Pure math, no I/O.
 */

export interface CropRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Filter taps of a 1-D resampling: for output i, source indices start[i] .. start[i] + count[i] - 1. */
interface Taps {
  readonly start: Int32Array;
  readonly count: Int32Array;
  /** weights[i * maxTaps + t], summing to 1 per output. */
  readonly weights: Float32Array;
  readonly maxTaps: number;
}

const tapsCache = new Map<string, Taps>();

/** Taps mapping `inLen` source pixels (from offset `inStart`) onto `outLen` outputs. */
export const resampleTaps = (inStart: number, inLen: number, outLen: number): Taps => {
  const key = `${inStart},${inLen},${outLen}`;
  const cached = tapsCache.get(key);
  if (cached !== undefined) return cached;
  const scale = inLen / outLen;
  const support = Math.max(1, scale);
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outLen);
  const count = new Int32Array(outLen);
  const weights = new Float32Array(outLen * maxTaps);
  for (let i = 0; i < outLen; i++) {
    const centre = (i + 0.5) * scale;
    const lo = Math.max(0, Math.floor(centre - support));
    const hi = Math.min(inLen, Math.ceil(centre + support));
    let sum = 0;
    let n = 0;
    let first = -1;
    for (let j = lo; j < hi; j++) {
      const w = 1 - Math.abs(j + 0.5 - centre) / support;
      if (w <= 0) continue;
      if (first < 0) first = j;
      weights[i * maxTaps + (j - first)] = w;
      n = j - first + 1;
      sum += w;
    }
    if (first < 0) {
      // Cannot happen for inLen >= 1, but keep the output defined: nearest pixel.
      first = Math.min(inLen - 1, Math.max(0, Math.floor(centre)));
      weights[i * maxTaps] = 1;
      n = 1;
      sum = 1;
    }
    for (let t = 0; t < n; t++) weights[i * maxTaps + t] /= sum;
    start[i] = inStart + first;
    count[i] = n;
  }
  const taps: Taps = { start, count, weights, maxTaps };
  if (tapsCache.size > 256) tapsCache.clear();
  tapsCache.set(key, taps);
  return taps;
};

/**
 * Crops `src` (width x height, `channels` 3 or 4 bytes per pixel, row-major)
 * to `crop` and resizes it to outWidth x outHeight RGB bytes written into
 * `out` at `offset` (HWC). With `flip`, the output is mirrored left-right.
 * The crop must lie inside the image (checked by the caller).
 */
export const cropResizeRgb = (
  src: Uint8Array,
  width: number,
  height: number,
  channels: number,
  crop: CropRect,
  outWidth: number,
  outHeight: number,
  out: Uint8Array,
  offset: number,
  flip = false,
): void => {
  const hx = resampleTaps(crop.x, crop.width, outWidth);
  const vy = resampleTaps(crop.y, crop.height, outHeight);
  // Horizontal pass over the rows the vertical pass needs: [crop.y, crop.y + crop.height).
  const rows = crop.height;
  const tmp = new Float32Array(rows * outWidth * 3);
  const hw = hx.weights;
  const hm = hx.maxTaps;
  for (let r = 0; r < rows; r++) {
    const srcRow = (crop.y + r) * width * channels;
    const tmpRow = r * outWidth * 3;
    for (let i = 0; i < outWidth; i++) {
      let acc0 = 0;
      let acc1 = 0;
      let acc2 = 0;
      let p = srcRow + hx.start[i] * channels;
      const wBase = i * hm;
      const n = hx.count[i];
      for (let t = 0; t < n; t++) {
        const w = hw[wBase + t];
        acc0 += src[p] * w;
        acc1 += src[p + 1] * w;
        acc2 += src[p + 2] * w;
        p += channels;
      }
      const q = tmpRow + i * 3;
      tmp[q] = acc0;
      tmp[q + 1] = acc1;
      tmp[q + 2] = acc2;
    }
  }
  // Vertical pass into the output.
  const vw = vy.weights;
  const vm = vy.maxTaps;
  const rowLen = outWidth * 3;
  for (let o = 0; o < outHeight; o++) {
    const first = vy.start[o] - crop.y;
    const n = vy.count[o];
    const wBase = o * vm;
    const outRow = offset + o * rowLen;
    for (let i = 0; i < outWidth; i++) {
      let acc0 = 0;
      let acc1 = 0;
      let acc2 = 0;
      let q = first * rowLen + i * 3;
      for (let t = 0; t < n; t++) {
        const w = vw[wBase + t];
        acc0 += tmp[q] * w;
        acc1 += tmp[q + 1] * w;
        acc2 += tmp[q + 2] * w;
        q += rowLen;
      }
      const d = outRow + (flip ? outWidth - 1 - i : i) * 3;
      // Uint8Array assignment truncates and wraps: round and clamp by hand.
      out[d] = acc0 <= 0 ? 0 : acc0 >= 255 ? 255 : acc0 + 0.5;
      out[d + 1] = acc1 <= 0 ? 0 : acc1 >= 255 ? 255 : acc1 + 0.5;
      out[d + 2] = acc2 <= 0 ? 0 : acc2 >= 255 ? 255 : acc2 + 0.5;
    }
  }
};
