import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { Jimp } from 'jimp';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CROP_PRESETS,
  NORMALISE_HALF,
  NORMALISE_IMAGENET,
  NORMALISE_UNIT,
  cropResizeRgb,
  decodeImage,
  denormalise,
  jpegHasExif,
  loadImageInto,
  loadImageUint8,
  loadImagesInto,
  normaliseInto,
  resampleTaps,
  resolveCrop,
} from '../../src/data/images.js';
import { testWithData } from '../sharedData.js';

const dir = mkdtempSync(join(tmpdir(), 'awmtl-images-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/** Writes an image whose pixel (x, y) is f(x, y) as [r, g, b]; PNG is lossless. */
const writeImage = async (
  name: string,
  width: number,
  height: number,
  f: (x: number, y: number) => readonly [number, number, number],
  mime: 'image/png' | 'image/jpeg' = 'image/png',
): Promise<string> => {
  const image = new Jimp({ width, height, color: 0xffffffff });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = f(x, y);
      const p = (y * width + x) * 4;
      image.bitmap.data[p] = r;
      image.bitmap.data[p + 1] = g;
      image.bitmap.data[p + 2] = b;
    }
  }
  const path = join(dir, name);
  writeFileSync(path, mime === 'image/png' ? await image.getBuffer('image/png') : await image.getBuffer('image/jpeg', { quality: 95 }));
  return path;
};

const rgbOf = (width: number, height: number, f: (x: number, y: number) => readonly [number, number, number]): Uint8Array => {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out.set(f(x, y), (y * width + x) * 3);
  return out;
};

test('resampleTaps: weights sum to 1; same size is the identity; shrinking widens the filter', (t) => {
  for (const [inLen, outLen] of [[178, 64], [178, 128], [10, 10], [5, 17], [218, 1]]) {
    const taps = resampleTaps(0, inLen, outLen);
    for (let i = 0; i < outLen; i++) {
      let sum = 0;
      for (let k = 0; k < taps.count[i]; k++) sum += taps.weights[i * taps.maxTaps + k];
      t.true(Math.abs(sum - 1) < 1e-5);
      t.true(taps.start[i] >= 0 && taps.start[i] + taps.count[i] <= inLen);
    }
  }
  const same = resampleTaps(0, 10, 10);
  for (let i = 0; i < 10; i++) {
    t.is(same.start[i], i);
    t.is(same.count[i], 1);
  }
  t.true(resampleTaps(0, 178, 64).count[32] >= 5);
  t.is(resampleTaps(20, 178, 64).start[0], 20);
});

test('cropResizeRgb: identity, constant images, 2x2 averaging, crop and flip', (t) => {
  const f = (x: number, y: number) => [x * 10, y * 20, (x + y) % 256] as const;
  const src = rgbOf(8, 6, f);
  const same = new Uint8Array(8 * 6 * 3);
  cropResizeRgb(src, 8, 6, 3, { x: 0, y: 0, width: 8, height: 6 }, 8, 6, same, 0);
  t.deepEqual(same, src);

  const flat = rgbOf(50, 40, () => [37, 200, 255]);
  const small = new Uint8Array(7 * 5 * 3);
  cropResizeRgb(flat, 50, 40, 3, { x: 3, y: 2, width: 41, height: 33 }, 7, 5, small, 0);
  t.true(small.every((v, i) => v === [37, 200, 255][i % 3]));

  // 2x2 blocks of a checkerboard of 0 and 200 halve to a flat 100 in the interior.
  const checker = rgbOf(16, 16, (x, y) => ((x + y) % 2 === 0 ? [200, 200, 200] : [0, 0, 0]));
  const half = new Uint8Array(8 * 8 * 3);
  cropResizeRgb(checker, 16, 16, 3, { x: 0, y: 0, width: 16, height: 16 }, 8, 8, half, 0);
  for (let y = 1; y < 7; y++) for (let x = 1; x < 7; x++) t.is(half[(y * 8 + x) * 3], 100);

  // Crop: left half red, right half blue; cropping the right half gives blue only.
  const halves = rgbOf(20, 10, (x) => (x < 10 ? [255, 0, 0] : [0, 0, 255]));
  const right = new Uint8Array(5 * 5 * 3);
  cropResizeRgb(halves, 20, 10, 3, { x: 10, y: 0, width: 10, height: 10 }, 5, 5, right, 0);
  t.true(right.every((v, i) => v === [0, 0, 255][i % 3]));

  // Flip mirrors columns; RGBA input (4 channels) is read correctly; offset respected.
  const rgba = new Uint8Array(8 * 6 * 4);
  for (let i = 0; i < 48; i++) rgba.set([...f(i % 8, Math.floor(i / 8)), 255], i * 4);
  const flipped = new Uint8Array(10 + 8 * 6 * 3).fill(7);
  cropResizeRgb(rgba, 8, 6, 4, { x: 0, y: 0, width: 8, height: 6 }, 8, 6, flipped, 10, true);
  t.deepEqual(Array.from(flipped.subarray(0, 10)), new Array(10).fill(7));
  for (let y = 0; y < 6; y++) for (let x = 0; x < 8; x++) t.deepEqual(Array.from(flipped.subarray(10 + (y * 8 + x) * 3, 13 + (y * 8 + x) * 3)), [...f(7 - x, y)]);
});

test('shrinking keeps the mean of a detailed image (antialiasing)', (t) => {
  const noise = rgbOf(178, 178, (x, y) => {
    const v = (Math.imul(x * 31 + y * 17, 2654435761) >>> 24) & 255;
    return [v, 255 - v, (v * 3) & 255];
  });
  const out = new Uint8Array(64 * 64 * 3);
  cropResizeRgb(noise, 178, 178, 3, { x: 0, y: 0, width: 178, height: 178 }, 64, 64, out, 0);
  const mean = (a: Uint8Array, c: number) => {
    let s = 0;
    for (let i = c; i < a.length; i += 3) s += a[i];
    return s / (a.length / 3);
  };
  for (let c = 0; c < 3; c++) t.true(Math.abs(mean(out, c) - mean(noise, c)) < 2, `channel ${c}`);
  // Averaging several source pixels per output shrinks the spread of values.
  let spread = 0;
  for (let i = 0; i < out.length; i += 3) spread += Math.abs(out[i] - 127.5);
  t.true(spread / (64 * 64) < 50);
});

test('normaliseInto: the three presets, flip, offsets, and bad parameters', (t) => {
  const src = Uint8Array.from([0, 128, 255, 255, 0, 51]);
  const out = new Float32Array(8).fill(9);
  normaliseInto(src, 0, out, 1, 1, 2, NORMALISE_HALF);
  t.is(out[0], 9);
  t.deepEqual(Array.from(out.subarray(1, 7)).map((v) => +v.toFixed(4)), [-1, 0.0039, 1, 1, -1, -0.6]);
  t.is(out[7], 9);
  const unit = new Float32Array(6);
  normaliseInto(src, 0, unit, 0, 1, 2, NORMALISE_UNIT, true);
  t.deepEqual(Array.from(unit).map((v) => +v.toFixed(4)), [1, 0, 0.2, 0, 0.502, 1]);
  const imagenet = new Float32Array(6);
  normaliseInto(src, 0, imagenet, 0, 1, 2, NORMALISE_IMAGENET);
  t.true(Math.abs(imagenet[0] - -0.485 / 0.229) < 1e-5);
  t.true(Math.abs(imagenet[2] - (1 - 0.406) / 0.225) < 1e-5);
  for (let c = 0; c < 3; c++) t.is(denormalise(imagenet[c], c, NORMALISE_IMAGENET), src[c]);
  t.throws(() => normaliseInto(src, 0, out, 0, 1, 2, { mean: [0, 0, 0], std: [1, 0, 1] }), { instanceOf: RangeError, message: /std\[1\] = 0/ });
  t.throws(() => normaliseInto(src, 0, new Float32Array(5), 0, 1, 2, NORMALISE_HALF), { instanceOf: RangeError });
});

test('crop presets on a 178x218 face: celeba-178 = (0,20,178,178), celeba-148 = (15,35,148,148)', (t) => {
  t.deepEqual(resolveCrop('celeba-178', 178, 218, 'f.jpg'), E.right({ x: 0, y: 20, width: 178, height: 178 }));
  t.deepEqual(resolveCrop('celeba-148', 178, 218, 'f.jpg'), E.right({ x: 15, y: 35, width: 148, height: 148 }));
  t.deepEqual(resolveCrop('none', 178, 218, 'f.jpg'), E.right({ x: 0, y: 0, width: 178, height: 218 }));
  t.deepEqual(resolveCrop({ center: { width: 100, height: 50 } }, 178, 218, 'f.jpg'), E.right({ x: 39, y: 84, width: 100, height: 50 }));
  t.deepEqual(CROP_PRESETS['celeba-178'], { center: { width: 178, height: 178 } });
  const bad = resolveCrop('celeba-178', 64, 128, '/x/0001.jpg');
  t.true(E.isLeft(bad));
  if (E.isLeft(bad)) {
    t.is(bad.left._tag, 'BadCrop');
    t.is(bad.left.message, '/x/0001.jpg: crop celeba-178 (178x178 centred) does not fit the 64x128 image');
  }
  const outside = resolveCrop({ x: 100, y: 0, width: 100, height: 10 }, 178, 218, 'f.jpg');
  t.true(E.isLeft(outside) && outside.left.message === 'f.jpg: crop 100x10 at (100, 0) does not fit the 178x218 image');
});

test('loadImageInto writes normalised NHWC floats at an offset; the uint8 path matches exactly', async (t) => {
  const f = (x: number, y: number) => [x * 20, y * 30, 255 - x * 10] as const;
  const path = await writeImage('grid.png', 10, 8, f);
  const out = new Float32Array(2 * 8 * 10 * 3).fill(5);
  const r = await loadImageInto(path, out, 8 * 10 * 3, { height: 8, width: 10 });
  t.true(E.isRight(r));
  t.true(out.subarray(0, 240).every((v) => v === 5));
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 10; x++) {
      const p = 240 + (y * 10 + x) * 3;
      const [r0, g0, b0] = f(x, y);
      t.true(Math.abs(out[p] - (r0 / 255 - 0.5) / 0.5) < 1e-6 && Math.abs(out[p + 1] - (g0 / 255 - 0.5) / 0.5) < 1e-6 && Math.abs(out[p + 2] - (b0 / 255 - 0.5) / 0.5) < 1e-6);
    }
  }
  // Resize + crop + flip: float path == uint8 path + normalise.
  const options = { height: 4, width: 5, crop: { x: 1, y: 1, width: 8, height: 6 }, flip: true } as const;
  const floats = new Float32Array(60);
  t.true(E.isRight(await loadImageInto(path, floats, 0, { ...options, normalisation: NORMALISE_IMAGENET })));
  const bytes = await loadImageUint8(path, { ...options, flip: false });
  if (E.isLeft(bytes)) return t.fail(bytes.left.message);
  const viaCache = new Float32Array(60);
  normaliseInto(bytes.right, 0, viaCache, 0, 4, 5, NORMALISE_IMAGENET, true);
  t.deepEqual(floats, viaCache);
});

test('errors name the file: missing, text, truncated JPEG, empty', async (t) => {
  const out = new Float32Array(4 * 4 * 3);
  const opts = { height: 4, width: 4 };
  const missing = await loadImageInto(join(dir, 'nope.jpg'), out, 0, opts);
  t.deepEqual(missing, E.left({ _tag: 'MissingImage', path: join(dir, 'nope.jpg'), message: `${join(dir, 'nope.jpg')}: no such image file` }));

  const text = join(dir, 'notes.jpg');
  writeFileSync(text, 'this is not an image\n');
  const notImage = await loadImageInto(text, out, 0, opts);
  t.true(E.isLeft(notImage));
  if (E.isLeft(notImage)) {
    t.is(notImage.left._tag, 'UndecodableImage');
    t.is(notImage.left.message, `${text}: cannot decode image (not an image jimp can read)`);
  }

  const jpg = await writeImage('whole.jpg', 40, 30, (x, y) => [x * 6, y * 8, 100], 'image/jpeg');
  const bytes = readFileSync(jpg);
  const truncated = join(dir, 'truncated.jpg');
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  const cut = await loadImageInto(truncated, out, 0, opts);
  t.true(E.isLeft(cut));
  if (E.isLeft(cut)) {
    t.is(cut.left._tag, 'UndecodableImage');
    t.true(cut.left.message.startsWith(`${truncated}: cannot decode image (`), cut.left.message);
  }

  const empty = join(dir, 'empty.jpg');
  writeFileSync(empty, '');
  const nothing = await loadImageInto(empty, out, 0, opts);
  t.true(E.isLeft(nothing) && nothing.left.message === `${empty}: cannot decode image (empty file)`);

  const tooSmall = await loadImageInto(jpg, out, 0, { height: 4, width: 4, crop: 'celeba-148' });
  t.true(E.isLeft(tooSmall) && tooSmall.left._tag === 'BadCrop');
  await t.throwsAsync(() => loadImageInto(jpg, out, 1, opts), { instanceOf: RangeError });
  await t.throwsAsync(() => loadImageInto(jpg, out, 0, { height: 0, width: 4 }), { instanceOf: RangeError });
});

test('loadImagesInto: the first bad image is the error, or with skipBadImages the good ones are packed', async (t) => {
  const red = await writeImage('red.png', 6, 6, () => [255, 0, 0]);
  const blue = await writeImage('blue.png', 6, 6, () => [0, 0, 255]);
  const bad = join(dir, 'bad.png');
  writeFileSync(bad, 'garbage');
  const paths = [red, bad, blue, join(dir, 'gone.png')];
  const out = new Float32Array(4 * 2 * 2 * 3).fill(3);
  const strict = await loadImagesInto(paths, out, { height: 2, width: 2 });
  t.true(E.isLeft(strict) && strict.left.path === bad && strict.left._tag === 'UndecodableImage');

  const r = await loadImagesInto(paths, out, { height: 2, width: 2, skipBadImages: true, concurrency: 3 });
  if (E.isLeft(r)) return t.fail(r.left.message);
  t.is(r.right.loaded, 2);
  t.deepEqual(Array.from(r.right.indices), [0, 2]);
  t.deepEqual(
    r.right.skipped.map((e) => [e._tag, e.path]),
    [
      ['UndecodableImage', bad],
      ['MissingImage', join(dir, 'gone.png')],
    ],
  );
  t.deepEqual(Array.from(out.subarray(0, 3)), [1, -1, -1]);
  t.deepEqual(Array.from(out.subarray(12, 15)), [-1, -1, 1]);
  t.true(out.subarray(24).every((v) => v === 3));

  const flips = await loadImagesInto([await writeImage('lr.png', 2, 1, (x) => (x === 0 ? [255, 255, 255] : [0, 0, 0]))], new Float32Array(6), {
    height: 1,
    width: 2,
    flips: [true],
    normalisation: NORMALISE_UNIT,
  });
  t.true(E.isRight(flips));
  const one = new Float32Array(6);
  await loadImagesInto([join(dir, 'lr.png')], one, { height: 1, width: 2, flips: [true], normalisation: NORMALISE_UNIT });
  t.deepEqual(Array.from(one), [0, 0, 0, 1, 1, 1]);
  await t.throwsAsync(() => loadImagesInto(paths, new Float32Array(10), { height: 2, width: 2 }), { instanceOf: RangeError });
});

test('JPEG fast path decodes exactly like Jimp.fromBuffer; JPEGs with EXIF go through jimp', async (t) => {
  const jpg = await writeImage('face.jpg', 33, 41, (x, y) => [(x * 7) & 255, (y * 5) & 255, (x * y) & 255], 'image/jpeg');
  const bytes = readFileSync(jpg);
  const fast = await decodeImage(bytes, jpg);
  if (E.isLeft(fast)) return t.fail(fast.left.message);
  t.is(fast.right.channels, 3);
  const viaJimp = await Jimp.fromBuffer(bytes);
  for (let i = 0; i < 33 * 41; i++) {
    for (let c = 0; c < 3; c++) {
      if (fast.right.data[i * 3 + c] !== viaJimp.bitmap.data[i * 4 + c]) return t.fail(`pixel ${i} channel ${c} differs`);
    }
  }
  t.false(jpegHasExif(bytes));
  // An APP1 "Exif" segment right after SOI: detected, decoded by jimp (RGBA), same pixels.
  const app1 = Buffer.from([0xff, 0xe1, 0x00, 0x0a, 0x45, 0x78, 0x69, 0x66, 0x00, 0x00, 0x00, 0x00]);
  const withExif = Buffer.concat([bytes.subarray(0, 2), app1, bytes.subarray(2)]);
  t.true(jpegHasExif(withExif));
  const slow = await decodeImage(withExif, 'exif.jpg');
  if (E.isLeft(slow)) return t.fail(slow.left.message);
  t.is(slow.right.channels, 4);
  t.is(slow.right.width, 33);
  let differing = 0;
  for (let i = 0; i < 33 * 41; i++) if (slow.right.data[i * 4] !== fast.right.data[i * 3]) differing += 1;
  t.is(differing, 0, 'the Exif path decodes to the same pixels');
});

const REAL = join(process.cwd(), '..', 'shared', 'data', 'celeba');

const REAL_IMAGES = join(REAL, 'img_align_celeba');

testWithData([REAL_IMAGES], 'real CelebA faces decode to 178x218 and load with the celeba-178 crop', async (t) => {
  const images = REAL_IMAGES;
  const names = readdirSync(images).slice(0, 5);
  const paths = [...names.map((n) => join(images, n)), join(REAL, '200426.jpg')];
  for (const p of paths) {
    const d = await decodeImage(readFileSync(p), p);
    t.true(E.isRight(d) && d.right.width === 178 && d.right.height === 218, p);
  }
  const out = new Float32Array(paths.length * 64 * 64 * 3);
  const r = await loadImagesInto(paths, out, { height: 64, width: 64, crop: 'celeba-178' });
  if (E.isLeft(r)) return t.fail(r.left.message);
  t.is(r.right.loaded, paths.length);
  let min = Infinity;
  let max = -Infinity;
  for (const v of out) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  t.true(min >= -1 && max <= 1 && max - min > 1, `range ${min}..${max}`);
});
