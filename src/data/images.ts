/**
 * Image loading for training: decode (jimp), crop, resize, flip, normalise,
 * written in place into a batch's Float32Array (NHWC, RGB).
 *
 * Two stages, so that a uint8 cache can sit between them:
 * 1. {@link loadImageUint8} / {@link decodeToUint8Into}: decode + crop + resize
 *    (antialiased bilinear) to HxWx3 bytes;
 * 2. {@link normaliseInto}: bytes to floats, (v / 255 - mean) / std per
 *    channel, optionally mirrored left-right.
 * {@link loadImageInto} runs both; going through the cache gives bit-identical
 * floats.
 *
 * Defaults: no crop, no flip, normalisation {@link NORMALISE_HALF}
 * (mean 0.5, std 0.5: values in [-1, 1]). For CelebA use the crop preset
 * `'celeba-178'`: the centred 178x178 square of the 178x218 aligned face, i.e.
 * rows 20..197 (the square used by most CelebA attribute and generative
 * models, keeping the whole face and hair without distorting the aspect), or
 * `'celeba-148'`: the tighter centred 148x148 square at (15, 35), face only.
 *
 * Errors are values naming the file ({@link ImageError}); invalid options
 * (sizes, too small an output array, a bad normalisation) are programming
 * errors and throw RangeError.
 */
import * as E from 'fp-ts/lib/Either.js';
import { readFile } from 'node:fs/promises';
import { type ImageError, decodeImage } from './image/decode.js';
import { NORMALISE_HALF, checkNormalisation, normaliseInto } from './image/normalise.js';
import { type ImageOptions, type ResizeOptions, checkSize, preprocessDecodedInto, resizeDecodedInto } from './image/preprocess.js';

export { type ImageError, type RawImage, decodeImage, jpegHasExif, MAX_IMAGE_MEGAPIXELS } from './image/decode.js';
export {
  type Normalisation,
  NORMALISATIONS,
  NORMALISE_HALF,
  NORMALISE_IMAGENET,
  NORMALISE_UNIT,
  denormalise,
  normalisationTable,
  normaliseInto,
} from './image/normalise.js';
export { type CropRect, cropResizeRgb, resampleTaps } from './image/resample.js';
export {
  type CenterCrop,
  type Crop,
  type CropPreset,
  type ImageOptions,
  type ResizeOptions,
  CELEBA_IMAGE_DEFAULTS,
  CROP_PRESETS,
  preprocessDecodedInto,
  resizeDecodedInto,
  resolveCrop,
} from './image/preprocess.js';

/** Decodes encoded bytes (already read) and crops/resizes them into out[offset ..] as HxWx3 bytes. */
export const decodeToUint8Into = async (
  bytes: Uint8Array,
  path: string,
  out: Uint8Array,
  offset: number,
  options: ResizeOptions,
): Promise<E.Either<ImageError, void>> => {
  checkSize(options);
  const decoded = await decodeImage(bytes, path);
  if (E.isLeft(decoded)) return decoded;
  return resizeDecodedInto(decoded.right, path, out, offset, options);
};

/** Reads a file; ENOENT is MissingImage, any other failure UnreadableImage. */
export const readImageFile = async (path: string): Promise<E.Either<ImageError, Buffer>> => {
  try {
    return E.right(await readFile(path));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return E.left(
      e.code === 'ENOENT'
        ? { _tag: 'MissingImage', path, message: `${path}: no such image file` }
        : { _tag: 'UnreadableImage', path, message: `${path}: cannot read (${e.code ?? e.message})` },
    );
  }
};

/** Reads, decodes, crops and resizes one image into out[offset ..] as HxWx3 bytes. */
export const loadImageUint8Into = async (
  path: string,
  out: Uint8Array,
  offset: number,
  options: ResizeOptions,
): Promise<E.Either<ImageError, void>> => {
  checkSize(options);
  const bytes = await readImageFile(path);
  if (E.isLeft(bytes)) return bytes;
  return decodeToUint8Into(bytes.right, path, out, offset, options);
};

/** Reads, decodes, crops and resizes one image to a new HxWx3 Uint8Array. */
export const loadImageUint8 = async (path: string, options: ResizeOptions): Promise<E.Either<ImageError, Uint8Array>> => {
  checkSize(options);
  const out = new Uint8Array(options.height * options.width * 3);
  const done = await loadImageUint8Into(path, out, 0, options);
  return E.isLeft(done) ? done : E.right(out);
};

/**
 * Loads one image into out[offset ..] as normalised floats, HxWx3 (one NHWC
 * batch slot: offset = slot * height * width * 3).
 */
export const loadImageInto = async (
  path: string,
  out: Float32Array,
  offset: number,
  options: ImageOptions,
): Promise<E.Either<ImageError, void>> => {
  checkSize(options);
  checkNormalisation(options.normalisation ?? NORMALISE_HALF);
  const need = options.height * options.width * 3;
  if (offset < 0 || offset + need > out.length) {
    throw new RangeError(`image output holds ${out.length} values, needs ${offset + need}`);
  }
  const bytes = await readImageFile(path);
  if (E.isLeft(bytes)) return bytes;
  const decoded = await decodeImage(bytes.right, path);
  if (E.isLeft(decoded)) return decoded;
  // The browser page of `awmtl serve` runs the same function on its own decoder's pixels.
  return preprocessDecodedInto(decoded.right, path, out, offset, options);
};

export interface BatchImageOptions extends Omit<ImageOptions, 'flip'> {
  /**
   * Skip bad images instead of failing: the good ones are packed into the
   * first slots, and the report says which inputs they are and why the others
   * were skipped. Default false: the first bad image (in input order) is the error.
   */
  readonly skipBadImages?: boolean;
  /** Mirror image i when flips[i] is true (augmentation). */
  readonly flips?: ArrayLike<boolean>;
  /** Files read at once (default 8). */
  readonly concurrency?: number;
}

export interface BatchImageReport {
  /** Number of images written (slots 0 .. loaded-1). */
  readonly loaded: number;
  /** Input index of the image in each written slot, in input order. */
  readonly indices: Int32Array;
  /** Errors of the skipped images (empty unless skipBadImages). */
  readonly skipped: readonly ImageError[];
}

/**
 * Loads images into a batch array, slot i at i * height * width * 3.
 * Without skipBadImages slot i holds paths[i]; with it, the good images are
 * packed in input order and `indices` maps slots back to inputs (pick the
 * labels of those rows). A bad image is never dropped silently: it is either
 * the error or listed in `skipped`.
 */
export const loadImagesInto = async (
  paths: readonly string[],
  out: Float32Array,
  options: BatchImageOptions,
): Promise<E.Either<ImageError, BatchImageReport>> => {
  checkSize(options);
  const norm = options.normalisation ?? NORMALISE_HALF;
  checkNormalisation(norm);
  const per = options.height * options.width * 3;
  if (out.length < paths.length * per) {
    throw new RangeError(`batch output holds ${out.length} values, needs ${paths.length * per} for ${paths.length} images`);
  }
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 8));
  const bytes = new Uint8Array(per);
  const indices: number[] = [];
  const skipped: ImageError[] = [];
  const resize: ResizeOptions = { height: options.height, width: options.width, crop: options.crop, flip: false };
  for (let from = 0; from < paths.length; from += concurrency) {
    const chunk = paths.slice(from, from + concurrency);
    const files = await Promise.all(chunk.map(readImageFile));
    for (let c = 0; c < chunk.length; c++) {
      const i = from + c;
      const file = files[c];
      const done = E.isLeft(file) ? file : await decodeToUint8Into(file.right, chunk[c], bytes, 0, resize);
      if (E.isLeft(done)) {
        if (options.skipBadImages !== true) return done;
        skipped.push(done.left);
        continue;
      }
      const flip = options.flips !== undefined && options.flips[i] === true;
      normaliseInto(bytes, 0, out, indices.length * per, options.height, options.width, norm, flip);
      indices.push(i);
    }
  }
  return E.right({ loaded: indices.length, indices: Int32Array.from(indices), skipped });
};
