/**
 * From 8-bit RGB to the float values a model sees:
 * out = (byte / 255 - mean[c]) / std[c], per channel, NHWC.
 * Pure math, no I/O; one 256-entry lookup table per channel.
 */

export interface Normalisation {
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/**
 * The default: mean 0.5, std 0.5, so pixels span [-1, 1]. Chosen because awmtl
 * trains its small CNNs from scratch (no ImageNet-pretrained weights in tfjs
 * here) and a zero-centred symmetric range needs no dataset statistics.
 */
export const NORMALISE_HALF: Normalisation = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };

/** ImageNet statistics, for networks pretrained on ImageNet. */
export const NORMALISE_IMAGENET: Normalisation = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** Plain [0, 1]. */
export const NORMALISE_UNIT: Normalisation = { mean: [0, 0, 0], std: [1, 1, 1] };

export const NORMALISATIONS = { half: NORMALISE_HALF, imagenet: NORMALISE_IMAGENET, unit: NORMALISE_UNIT } as const;

/** Throws RangeError for non-finite values or a std that is not positive (a programming error, not data). */
export const checkNormalisation = (norm: Normalisation): void => {
  for (let c = 0; c < 3; c++) {
    if (!Number.isFinite(norm.mean[c])) throw new RangeError(`normalisation mean[${c}] = ${norm.mean[c]} is not finite`);
    if (!(norm.std[c] > 0) || !Number.isFinite(norm.std[c])) {
      throw new RangeError(`normalisation std[${c}] = ${norm.std[c]} is not a positive number`);
    }
  }
};

const lutCache = new WeakMap<Normalisation, Float32Array>();

/** 3 x 256 table: lut[c * 256 + byte]. */
export const normalisationTable = (norm: Normalisation): Float32Array => {
  const cached = lutCache.get(norm);
  if (cached !== undefined) return cached;
  checkNormalisation(norm);
  const lut = new Float32Array(768);
  for (let c = 0; c < 3; c++) {
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - norm.mean[c]) / norm.std[c];
  }
  lutCache.set(norm, lut);
  return lut;
};

/**
 * Normalises one HxWx3 byte image from src[srcOffset ..] into out[outOffset ..]
 * (the same HWC layout), mirrored left-right when `flip`.
 */
export const normaliseInto = (
  src: Uint8Array,
  srcOffset: number,
  out: Float32Array,
  outOffset: number,
  height: number,
  width: number,
  norm: Normalisation,
  flip = false,
): void => {
  const lut = normalisationTable(norm);
  const row = width * 3;
  if (srcOffset < 0 || srcOffset + height * row > src.length) {
    throw new RangeError(`normaliseInto: source holds ${src.length} bytes, needs ${srcOffset + height * row}`);
  }
  if (outOffset < 0 || outOffset + height * row > out.length) {
    throw new RangeError(`normaliseInto: output holds ${out.length} values, needs ${outOffset + height * row}`);
  }
  for (let y = 0; y < height; y++) {
    const s = srcOffset + y * row;
    const o = outOffset + y * row;
    for (let x = 0; x < width; x++) {
      const p = s + (flip ? width - 1 - x : x) * 3;
      const q = o + x * 3;
      out[q] = lut[src[p]];
      out[q + 1] = lut[256 + src[p + 1]];
      out[q + 2] = lut[512 + src[p + 2]];
    }
  }
};

/** Inverse of the normalisation for one value of channel c, back to a byte (for previews and tests). */
export const denormalise = (value: number, c: number, norm: Normalisation): number =>
  Math.min(255, Math.max(0, Math.round((value * norm.std[c] + norm.mean[c]) * 255)));
