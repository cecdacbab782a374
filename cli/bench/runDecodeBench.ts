/**
 * `awmtl bench decode`: milliseconds per JPEG of the image path, next to jimp's, on the files of a
 * folder (real CelebA faces when there are, else the demo fixture's): the project's decoder,
 * decode + crop + resize at each size, and loadImagesInto (read, decode, resize, normalise).
 * Each figure is the median of `repeats` passes over the images, after one warm-up pass.
 * These are figures to print, not thresholds: on a loaded machine they move by several times.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { Jimp, ResizeStrategy } from 'jimp';
import { decodeImage, decodeToUint8Into, loadImagesInto } from '../../src/data/images.js';

export interface DecodeBenchOptions {
  /** A folder of 178x218 CelebA-layout JPEGs. */
  readonly dir: string;
  readonly images?: number;
  readonly sizes?: readonly number[];
  readonly repeats?: number;
}

export interface DecodeBenchResult {
  readonly dir: string;
  readonly images: number;
  /** decodeImage (the project's decoder), and Jimp.fromBuffer, ms per image. */
  readonly decodeMs: number;
  readonly jimpDecodeMs: number;
  /** decodeToUint8Into with the celeba-178 crop, and jimp read + crop + bilinear resize, ms per image. */
  readonly sizes: readonly { readonly size: number; readonly oursMs: number; readonly jimpMs: number }[];
  /** loadImagesInto at the first size: read, decode, crop, resize, normalise into a batch, ms per image. */
  readonly loadImagesIntoMs: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export const runDecodeBench = async (options: DecodeBenchOptions): Promise<DecodeBenchResult> => {
  const { dir } = options;
  const sizes = options.sizes ?? [64, 128];
  const repeats = Math.max(1, options.repeats ?? 3);
  const names = readdirSync(dir)
    .filter((n) => n.endsWith('.jpg'))
    .sort()
    .slice(0, options.images ?? 60);
  if (names.length === 0) throw new Error(`decode bench: no .jpg files in ${dir}`);
  const files = names.map((n) => readFileSync(join(dir, n)));
  const time = async (f: (i: number) => Promise<unknown>): Promise<number> => {
    const reps: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      for (let i = 0; i < files.length; i++) await f(i);
      reps.push((performance.now() - t0) / files.length);
    }
    return median(reps);
  };
  const decode = async (i: number): Promise<void> => {
    const r = await decodeImage(files[i], names[i]);
    if (E.isLeft(r)) throw new Error(`decode bench: ${r.left.message}`);
  };
  await time(decode);
  const decodeMs = await time(decode);
  const jimpDecodeMs = await time((i) => Jimp.fromBuffer(files[i]));
  const perSize: { size: number; oursMs: number; jimpMs: number }[] = [];
  for (const size of sizes) {
    const out = new Uint8Array(size * size * 3);
    const oursMs = await time(async (i) => {
      const r = await decodeToUint8Into(files[i], names[i], out, 0, { height: size, width: size, crop: 'celeba-178' });
      if (E.isLeft(r)) throw new Error(`decode bench: ${r.left.message}`);
    });
    const jimpMs = await time(async (i) => {
      const im = await Jimp.fromBuffer(files[i]);
      im.crop({ x: 0, y: 20, w: 178, h: 178 });
      im.resize({ w: size, h: size, mode: ResizeStrategy.BILINEAR });
    });
    perSize.push({ size, oursMs, jimpMs });
  }
  const size = sizes[0] ?? 64;
  const batch = new Float32Array(files.length * size * size * 3);
  const t0 = performance.now();
  const loaded = await loadImagesInto(names.map((n) => join(dir, n)), batch, { height: size, width: size, crop: 'celeba-178' });
  const loadImagesIntoMs = (performance.now() - t0) / files.length;
  if (E.isLeft(loaded)) throw new Error(`decode bench: ${(loaded.left as { message?: string }).message ?? 'loadImagesInto failed'}`);
  return { dir, images: files.length, decodeMs, jimpDecodeMs, sizes: perSize, loadImagesIntoMs };
};
