/**
 * The preprocessing a model's input goes through after decoding: crop, resize
 * (antialiased bilinear) and normalise, from decoded RGB(A) pixels to the
 * floats of one NHWC batch slot.
 *
 * Pure: no file system, no decoder. Node (src/data/images.ts, after jimp) and
 * the browser page of `awmtl serve` (after the browser's own decoder and a
 * canvas) both run exactly this code, so a model sees the same input in both
 * wherever the decoded pixels agree.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { ImageError, RawImage } from './decode.js';
import { type Normalisation, NORMALISE_HALF, checkNormalisation, normaliseInto } from './normalise.js';
import { type CropRect, cropResizeRgb } from './resample.js';

/** A centred crop of the given size, placed for each image's own size. */
export interface CenterCrop {
  readonly center: { readonly width: number; readonly height: number };
}

/** Named crops. On a 178x218 CelebA face: celeba-178 = (0, 20, 178, 178), celeba-148 = (15, 35, 148, 148). */
export const CROP_PRESETS = {
  'celeba-178': { center: { width: 178, height: 178 } },
  'celeba-148': { center: { width: 148, height: 148 } },
} as const satisfies Record<string, CenterCrop>;

export type CropPreset = keyof typeof CROP_PRESETS;

/** 'none' (whole image), a preset name, a centred size, or a rectangle in source pixels. */
export type Crop = 'none' | CropPreset | CenterCrop | CropRect;

export interface ResizeOptions {
  /** Output height in pixels. */
  readonly height: number;
  /** Output width in pixels. */
  readonly width: number;
  /** Default 'none'. */
  readonly crop?: Crop;
  /** Mirror left-right (augmentation). Default false. */
  readonly flip?: boolean;
}

export interface ImageOptions extends ResizeOptions {
  /** Default {@link NORMALISE_HALF}. */
  readonly normalisation?: Normalisation;
}

/** Defaults for CelebA models: centred 178 square, 64x64, values in [-1, 1]. */
export const CELEBA_IMAGE_DEFAULTS: ImageOptions = {
  height: 64,
  width: 64,
  crop: 'celeba-178',
  normalisation: NORMALISE_HALF,
};

export const checkSize = (options: ResizeOptions): void => {
  for (const key of ['height', 'width'] as const) {
    const v = options[key];
    if (!Number.isInteger(v) || v <= 0 || v > 16384) throw new RangeError(`image ${key} ${v} is not a positive integer`);
  }
};

/** The crop rectangle for an image of the given size, or a BadCrop error naming the file. */
export const resolveCrop = (
  crop: Crop | undefined,
  imageWidth: number,
  imageHeight: number,
  path: string,
): E.Either<ImageError, CropRect> => {
  let rect: CropRect;
  let name: string;
  if (crop === undefined || crop === 'none') return E.right({ x: 0, y: 0, width: imageWidth, height: imageHeight });
  if (typeof crop === 'string' || 'center' in crop) {
    const spec: CenterCrop = typeof crop === 'string' ? CROP_PRESETS[crop] : crop;
    const { width, height } = spec.center;
    rect = { x: Math.floor((imageWidth - width) / 2), y: Math.floor((imageHeight - height) / 2), width, height };
    name = typeof crop === 'string' ? `crop ${crop} (${width}x${height} centred)` : `centred crop ${width}x${height}`;
  } else {
    rect = crop;
    name = `crop ${crop.width}x${crop.height} at (${crop.x}, ${crop.y})`;
  }
  const ints = [rect.x, rect.y, rect.width, rect.height].every(Number.isInteger);
  if (!ints || rect.width <= 0 || rect.height <= 0 || rect.x < 0 || rect.y < 0 || rect.x + rect.width > imageWidth || rect.y + rect.height > imageHeight) {
    return E.left({
      _tag: 'BadCrop',
      path,
      message: `${path}: ${name} does not fit the ${imageWidth}x${imageHeight} image`,
    });
  }
  return E.right(rect);
};

/**
 * Crops, resizes (and optionally flips) a decoded image into HxWx3 bytes at
 * out[offset ..].
 */
export const resizeDecodedInto = (
  image: RawImage,
  path: string,
  out: Uint8Array,
  offset: number,
  options: ResizeOptions,
): E.Either<ImageError, void> => {
  checkSize(options);
  const need = options.height * options.width * 3;
  if (offset < 0 || offset + need > out.length) {
    throw new RangeError(`image output holds ${out.length} bytes, needs ${offset + need}`);
  }
  const rect = resolveCrop(options.crop, image.width, image.height, path);
  if (E.isLeft(rect)) return rect;
  cropResizeRgb(image.data, image.width, image.height, image.channels, rect.right, options.width, options.height, out, offset, options.flip === true);
  return E.right(undefined);
};

/**
 * Crops, resizes and normalises a decoded image into out[offset ..] as HxWx3
 * floats (one NHWC batch slot: offset = slot * height * width * 3), mirrored
 * when options.flip. The uint8 stage is bit-identical to {@link resizeDecodedInto}
 * without flip, so a uint8 cache in between gives the same floats.
 */
export const preprocessDecodedInto = (
  image: RawImage,
  path: string,
  out: Float32Array,
  offset: number,
  options: ImageOptions,
): E.Either<ImageError, void> => {
  checkSize(options);
  const norm = options.normalisation ?? NORMALISE_HALF;
  checkNormalisation(norm);
  const need = options.height * options.width * 3;
  if (offset < 0 || offset + need > out.length) {
    throw new RangeError(`image output holds ${out.length} values, needs ${offset + need}`);
  }
  const bytes = new Uint8Array(need);
  // Flip once, at the normalise step, so the uint8 stage stays cacheable.
  const done = resizeDecodedInto(image, path, bytes, 0, { ...options, flip: false });
  if (E.isLeft(done)) return done;
  normaliseInto(bytes, 0, out, offset, options.height, options.width, norm, options.flip === true);
  return E.right(undefined);
};
