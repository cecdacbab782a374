import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { Jimp, ResizeStrategy } from 'jimp';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCelebaFixture } from '../../fixtures/celeba/index.js';
import { decodeImage, decodeToUint8Into, loadImagesInto } from '../../src/data/images.js';

const REAL = join(process.cwd(), '..', 'shared', 'data', 'celeba', 'img_align_celeba');

test('decode + crop + resize ms per 178x218 JPEG at 64 and 128 px', async (t) => {
  let dir = REAL;
  let tmp: string | undefined;
  if (!existsSync(REAL)) {
    tmp = mkdtempSync(join(tmpdir(), 'awmtl-images-perf-'));
    generateCelebaFixture({ dir: tmp, seed: 1, count: 60 });
    dir = join(tmp, 'img_align_celeba');
    t.log(`${REAL} absent: timing synthetic fixture faces instead`);
  }
  try {
    const names = readdirSync(dir).filter((n) => n.endsWith('.jpg')).slice(0, 60);
    const files = names.map((n) => readFileSync(join(dir, n)));
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const time = async (f: (i: number) => Promise<unknown>): Promise<number> => {
      const reps: number[] = [];
      for (let r = 0; r < 3; r++) {
        const t0 = performance.now();
        for (let i = 0; i < files.length; i++) await f(i);
        reps.push((performance.now() - t0) / files.length);
      }
      return median(reps);
    };
    await time((i) => decodeImage(files[i], names[i]));
    const decodeMs = await time((i) => decodeImage(files[i], names[i]));
    const jimpDecodeMs = await time((i) => Jimp.fromBuffer(files[i]));
    const figures: string[] = [`decode ${decodeMs.toFixed(2)} ms (Jimp.fromBuffer ${jimpDecodeMs.toFixed(2)} ms)`];
    for (const size of [64, 128]) {
      const out = new Uint8Array(size * size * 3);
      const ours = await time(async (i) => {
        const r = await decodeToUint8Into(files[i], names[i], out, 0, { height: size, width: size, crop: 'celeba-178' });
        if (E.isLeft(r)) throw new Error(r.left.message);
      });
      const jimp = await time(async (i) => {
        const im = await Jimp.fromBuffer(files[i]);
        im.crop({ x: 0, y: 20, w: 178, h: 178 });
        im.resize({ w: size, h: size, mode: ResizeStrategy.BILINEAR });
      });
      figures.push(`${size} px: decode+crop+resize ${ours.toFixed(2)} ms (jimp read+crop+resize ${jimp.toFixed(2)} ms)`);
      t.true(ours < 100, `${ours} ms/image at ${size} px`);
    }
    const batch = new Float32Array(files.length * 64 * 64 * 3);
    const t0 = performance.now();
    const r = await loadImagesInto(names.map((n) => join(dir, n)), batch, { height: 64, width: 64, crop: 'celeba-178' });
    t.true(E.isRight(r));
    figures.push(`loadImagesInto at 64 px (read, decode, resize, normalise): ${((performance.now() - t0) / files.length).toFixed(2)} ms/image`);
    for (const f of figures) t.log(f);
  } finally {
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  }
});
